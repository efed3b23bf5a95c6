"""Reading the text the sources bring back: post-mortems, summary posts, links."""

"""Publishers: they render results and metrics; they decide nothing about compliance."""

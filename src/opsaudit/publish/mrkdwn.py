"""Text from sources made safe for Slack's ``mrkdwn``: escaped, inert and bounded.

Slack reads ``<...>`` as a link, a user or channel mention, or a special mention
(``<!channel>``); ``&`` starts an entity. Its docs ask for exactly three escapes (``&``
``<`` ``>``), which make all of those inert. Formatting has no escape at all, so
:func:`source_text` swaps the markers that could reformat or swallow the rest of a
section for look-alikes: ``*`` ``~`` and the backtick always (an unbalanced
triple backtick would turn the remaining lines into a code block), ``_`` only at a
word's edge (inside ``snake_case`` it formats nothing and paths stay readable).
Bidirectional controls are dropped (an RTL override would reverse our own links and
mentions that follow); right-to-left letters are kept. Whitespace collapses to single
spaces, since each source text sits inside one line of a list.

Every message block built with :func:`mrkdwn` has ``verbatim: true``, so Slack does not
auto-link bare ``@here``, ``#channel`` or URLs either: only the links and ``<@U…>``
mentions we write ourselves are live.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

ELLIPSIS = "…"
# embeddings, overrides, isolates and marks that reorder text around them
_BIDI = dict.fromkeys(
    [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F]
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACE = re.compile(r"\s+")
_EDGE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_LOOKALIKES = str.maketrans({"*": "\u2217", "~": "\u223c", "`": "\u02cb"})
_UNDERSCORE_LOOKALIKE = "\u02cd"  # MODIFIER LETTER LOW MACRON: looks like "_"
# "@here" & co. written as text: harmless with verbatim, and a word joiner keeps them so
# even where a client parses them anyway
_BROADCAST = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)
_SAFE_URL = re.compile(r"^https?://[^\s<>|]+$", re.IGNORECASE)
MAX_URL = 400


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as Slack's entities: mentions and links in ``text`` are inert."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clean(text: str) -> str:
    """One line: control and bidirectional characters removed, whitespace collapsed."""
    text = _CONTROL.sub(" ", text.translate(_BIDI))
    return _SPACE.sub(" ", text).strip()


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters; a cut one ends with ``…``."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + ELLIPSIS


def neutralise(text: str) -> str:
    """Formatting markers swapped for look-alikes (see the module docstring)."""
    text = _EDGE_UNDERSCORE.sub(_UNDERSCORE_LOOKALIKE, text.translate(_LOOKALIKES))
    return _BROADCAST.sub("@\u2060\\1", text)


def source_text(text: str | None, *, limit: int) -> str:
    """Text from a source, ready to put in mrkdwn: one line, at most ``limit`` characters
    before escaping, formatting neutralised, ``& < >`` escaped."""
    return escape(neutralise(truncate(clean(text or ""), limit)))


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) URL that can sit in ``<url|label>``, else None."""
    if not url or len(url) > MAX_URL or not _SAFE_URL.match(url):
        return None
    if not urlsplit(url).netloc:
        return None
    return escape(url)


def link(url: str | None, label: str) -> str:
    """``<url|label>`` (``label`` already escaped), or the label alone without a usable URL."""
    target = safe_url(url)
    return f"<{target}|{label}>" if target else label


def mention(user_id: str) -> str:
    """A user mention; only Slack ids (``U…``/``W…``) become one, anything else nothing."""
    return f"<@{user_id}>" if re.fullmatch(r"[UW][A-Z0-9]{2,20}", user_id) else ""


def mrkdwn(text: str) -> dict[str, Any]:
    """A ``mrkdwn`` text object that Slack does not auto-link or auto-mention."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}

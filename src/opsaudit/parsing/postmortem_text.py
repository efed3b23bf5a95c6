"""Whether a post-mortem's text is parsed at all (``rules.md``, "Files that are not
post-mortems").

A file larger than ``postmortem.max_bytes`` (default 1 MiB) or not valid UTF-8 is not
parsed: its content checks are ``unknown`` with :func:`unparsed_reason`'s reason, and no
Markdown reader ever sees it. Its links to incidents are still read, from its first
``max_bytes`` characters only (:func:`link_text`: front matter, URLs and mentions, all
linear), so that ``postmortem.missing`` counts it as present.

The contract with the store and the GitHub source: a blob's bytes are decoded with
``errors="surrogateescape"`` (:func:`decode_blob`), so bytes that are not UTF-8 survive
as lone surrogates (U+DC80..U+DCFF) in the ``str``; the store keeps any ``str``; a text
holding a lone surrogate is "not valid UTF-8" here. Pure, never raises.
"""

from __future__ import annotations

import re

__all__ = [
    "DEFAULT_MAX_BYTES",
    "decode_blob",
    "encoded_size",
    "is_parsable",
    "link_text",
    "show_bytes",
    "unparsed_reason",
]

DEFAULT_MAX_BYTES = 1_048_576  # rules.md: postmortem.max_bytes
NOT_UTF8 = "not valid UTF-8"
_SURROGATE = re.compile("[\ud800-\udfff]")


def decode_blob(data: bytes) -> str:
    """A blob's bytes as text; bytes that are not UTF-8 kept as lone surrogates."""
    return data.decode("utf-8", "surrogateescape")


def encoded_size(text: str) -> int:
    """The size of ``text`` in bytes as the repository held it (surrogate escapes
    count one byte each, as they were one byte; other lone surrogates three)."""
    try:
        return len(text.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:  # a surrogate no byte was escaped to
        return len(text.encode("utf-8", "surrogatepass"))


def unparsed_reason(text: str, *, max_bytes: int | None) -> str | None:
    """Why ``text`` is not parsed (``larger than postmortem.max_bytes (1 MiB)``, ``not
    valid UTF-8``), or None when it is. ``max_bytes`` None means the default."""
    limit = max_bytes or DEFAULT_MAX_BYTES
    # a character is at least one byte: a longer text is too large without encoding it
    if len(text) > limit or encoded_size(text) > limit:
        return f"larger than postmortem.max_bytes ({show_bytes(limit)})"
    if _SURROGATE.search(text) is not None:
        return NOT_UTF8
    return None


def is_parsable(text: str, *, max_bytes: int | None) -> bool:
    """Whether ``text`` may be parsed (see :func:`unparsed_reason`)."""
    return unparsed_reason(text, max_bytes=max_bytes) is None


def link_text(text: str, *, max_bytes: int | None) -> str:
    """The part of ``text`` read for links to incidents: all of it, or the first
    ``max_bytes`` characters of a larger one."""
    return text[: max_bytes or DEFAULT_MAX_BYTES]


def show_bytes(count: int) -> str:
    """``1 MiB``, ``64 KiB``, ``1000 bytes``: a size as the policy would round it."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count} bytes"

"""Slack message text made plain enough to read fields from (summary posts).

Slack sends mrkdwn: ``*bold*``, ``_italic_``, ``~strike~`` (people also paste Markdown
``**bold**``), tokens in angle brackets (``<#C0123|incident-1234>``, ``<@U123>``,
``<https://x|label>``, ``<!date^…|fallback>``) and the three HTML entities it escapes
(``&amp; &lt; &gt;``). A literal ``<`` typed by a person arrives as ``&lt;``, so angle
brackets left after the tokens are turned into text are placeholders like ``<names>``.
Never raises.
"""

from __future__ import annotations

import re

from opsaudit.parsing.timestamps import expand_slack_dates

# <#C123|name>, <@U123>, <!here>, <!subteam^S1|@team>: a sigil, an id, an optional label
_TOKEN = re.compile(r"<([#@!])([^<>|\s]*)(?:\|([^<>]*))?>")
# <https://x|label>, <mailto:a@b>: a scheme with no space before the optional label, so a
# placeholder such as <note: fill in> stays as it is
_LINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]*:[^<>|\s]*)(?:\|([^<>]*))?>")
# an emphasised span is bounded so that many unclosed marks on a long line stay linear
_EMPHASIS = re.compile(r"(?<![\w*_~`])(```|\*\*|__|~~|[*_~`])(?=[^\s*_~`])(.{0,400}?\S)\1(?![\w])")
_EDGE_MARKS = "*_~` \t"
_PLACEHOLDER = re.compile(r"(?:<[^<>]*>[\s,;/|]*)+")


def slack_plain(text: str) -> str:
    """``text`` with Slack tokens turned into what a reader sees, entities decoded.

    Channel mentions become ``#name`` (or ``#C0123`` without a name), user mentions
    ``@U123``, links their label (or their URL), date tokens their fallback text. Line
    breaks are normalised to ``\\n``; emphasis is left for :func:`strip_emphasis`.
    """
    text = expand_slack_dates(text).replace("\r\n", "\n").replace("\r", "\n")
    text = _TOKEN.sub(_token_text, text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    # &amp; last: "&amp;lt;" is a literal "&lt;", not a "<"
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def strip_emphasis(text: str) -> str:
    """``text`` without emphasis marks (``*x*``, ``**x**``, ``_x_``, ``~x~``, backticks).

    Paired marks are removed wherever they are (nested ones too); stray marks are
    trimmed from both ends, as when a whole line is bold but the value is cut from it.
    Underscores inside words (``snake_case``) are kept.
    """
    for _ in range(4):  # bounded: nesting deeper than *_~x~_* is not worth a loop
        stripped = _EMPHASIS.sub(lambda m: m.group(2), text)
        if stripped == text:
            break
        text = stripped
    return text.strip(_EDGE_MARKS).strip()


def is_placeholder(value: str) -> bool:
    """Whether ``value`` is nothing but template placeholders such as ``<names>``."""
    return _PLACEHOLDER.fullmatch(value.strip()) is not None


def _token_text(match: re.Match[str]) -> str:
    sigil, ident, label = match.group(1), match.group(2), match.group(3)
    if sigil == "!":
        if ident.startswith("date^"):  # malformed date token: keep what it says
            return label or ""
        return label if label else f"@{ident}"
    if label:
        return label if label.startswith(sigil) else f"{sigil}{label}"
    return f"{sigil}{ident}"

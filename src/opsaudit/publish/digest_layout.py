"""Laying lines out into Slack messages that stay inside Block Kit's limits.

The digest is a stream of groups (a bold heading, then one line per item). The lines
fill sections of at most :data:`SECTION_CHARS` characters, the sections fill a message
of at most :data:`MESSAGE_BLOCKS` blocks and :data:`MESSAGE_CHARS` characters of text,
and what does not fit in the main message goes on into thread replies under the same
limits. Slack's documented limits are 50 blocks and 3,000 characters a section; the
budgets stay below them, and well below the ~12,000 characters a message at which Slack
has been seen to answer ``msg_blocks_too_long``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from opsaudit.publish.mrkdwn import ELLIPSIS, mrkdwn

SLACK_MAX_BLOCKS = 50
SLACK_MAX_SECTION = 3000
MESSAGE_BLOCKS = 45
SECTION_CHARS = 2800
MESSAGE_CHARS = 9000
Key = tuple[str, str]
Block = dict[str, Any]


@dataclass(frozen=True)
class Line:
    """One item of a group, as mrkdwn; ``key`` is the (rule, subject key) it announces."""

    text: str
    key: Key | None = None


@dataclass(frozen=True)
class Group:
    heading: str  # mrkdwn, shown once per message the group appears in
    lines: Sequence[Line]


@dataclass
class Part:
    """One message's share of the stream: its sections and the keys they announce."""

    blocks_left: int
    chars_left: int
    sections: list[list[str]] = field(default_factory=list)
    keys: list[Key] = field(default_factory=list)
    lines: int = 0

    def blocks(self) -> list[Block]:
        return [section("\n".join(lines)) for lines in self.sections]


def section(text: str) -> Block:
    """A section block of mrkdwn text (cut to Slack's limit as a last resort)."""
    if len(text) > SLACK_MAX_SECTION:
        text = text[: SLACK_MAX_SECTION - 1] + ELLIPSIS
    return {"type": "section", "text": mrkdwn(text)}


def context(text: str) -> Block:
    """A context block: one small grey mrkdwn line."""
    return {"type": "context", "elements": [mrkdwn(text[:SLACK_MAX_SECTION])]}


def text_size(blocks: Sequence[Block]) -> int:
    """The characters of text in ``blocks`` (what Slack's total-size limit counts)."""
    total = 0
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            total += len(str(text.get("text", "")))
        for element in block.get("elements") or []:
            if isinstance(element, dict):
                total += len(str(element.get("text", "")))
    return total


def pack(groups: Sequence[Group], *, first_blocks: int, first_chars: int) -> list[Part]:
    """The groups' lines laid out: the first part gets the main message's remaining
    budget, every further part (a thread reply) :func:`reply_budget`."""
    parts = [Part(blocks_left=first_blocks, chars_left=first_chars)]
    for group in groups:
        shown = False  # the heading was written (in this part or an earlier one)
        open_here = False  # the current part's last section is this group's
        for line in group.lines:
            part = parts[-1]
            size = len(line.text) + 1
            if open_here and _fits_in_section(part, size):
                part.sections[-1].append(line.text)
            else:
                # same group, same message: a further section needs no heading
                lines = [line.text] if open_here else [group.heading, line.text]
                if part.blocks_left < 1 or part.chars_left < _size(lines):
                    part = Part(*reply_budget())
                    parts.append(part)
                    lines = [continued(group.heading) if shown else group.heading, line.text]
                part.sections.append(lines)
                part.blocks_left -= 1
                size = _size(lines)
                shown = open_here = True
            part.chars_left -= size
            part.lines += 1
            if line.key is not None:
                part.keys.append(line.key)
    return parts


def reply_budget() -> tuple[int, int]:
    """Blocks and characters for a thread reply's lines (one block is its context line)."""
    return MESSAGE_BLOCKS - 1, MESSAGE_CHARS - 200


def continued(heading: str) -> str:
    return f"{heading} (continued)"


def _fits_in_section(part: Part, size: int) -> bool:
    return _size(part.sections[-1]) + size <= SECTION_CHARS and part.chars_left >= size


def _size(lines: list[str]) -> int:
    return sum(len(t) + 1 for t in lines)

"""Files that are not parsed (``rules.md``, "Files that are not post-mortems").

A post-mortem larger than ``postmortem.max_bytes`` or not valid UTF-8 (lone surrogates
in its text: the GitHub source decodes with ``surrogateescape``) is not parsed: its
content checks are ``unknown`` with the reason; ``postmortem.missing`` still counts it.
"""

from __future__ import annotations

from typing import Any

import pytest

from check_builders import at, context, incident, postmortem, run
from opsaudit.checks.model import Result
from opsaudit.parsing.postmortem_text import (
    decode_blob,
    encoded_size,
    link_text,
    show_bytes,
    unparsed_reason,
)
from opsaudit.policy import build_policy
from opsaudit.snapshot import PostMortemFile

PATH = "docs/incidents/2026-11-02-checkout-5xx.md"
GOOD = (
    "---\nincident: 1234\n---\n# Checkout 5xx\n\n## Timeline\n\n- 10:00 paged\n\n"
    "## Action items\n\n- [ ] canary, no owner, due 2026-11-03\n\nIt was human error.\n"
)
CONTENT_RULES = (
    "postmortem.sections",
    "postmortem.timeline",
    "postmortem.action_items",
    "postmortem.blameless",
)
LARGE = "larger than postmortem.max_bytes (1 KiB)"
POLICY = {"postmortem": {"max_bytes": 1024}}


def pm(text: str, path: str = PATH) -> PostMortemFile:
    return postmortem(path, text, landed=at(60 * 24))


def results(
    rule: str, *files: PostMortemFile, policy: dict[str, Any] | None = POLICY
) -> list[Result]:
    return run(rule, context(incidents=[incident(resolved=60)], postmortems=files, policy=policy))


def oversized() -> str:
    return GOOD + ("padding " * 200)  # over 1 KiB, links in its first KiB


def not_utf8() -> str:
    return decode_blob(GOOD.encode() + b"\xff\xfe caf\xe9\n")


def test_the_reason_and_the_contract() -> None:
    assert unparsed_reason(GOOD, max_bytes=1024) is None
    assert unparsed_reason(oversized(), max_bytes=1024) == LARGE
    assert unparsed_reason(not_utf8(), max_bytes=None) == "not valid UTF-8"
    assert unparsed_reason("\0 NUL is text", max_bytes=None) is None
    # a multi-byte text is measured in bytes: 600 "é" are 1200 bytes
    assert unparsed_reason("é" * 600, max_bytes=1024) == LARGE
    assert encoded_size(not_utf8()) == len(GOOD) + 8  # escaped bytes count one each
    assert encoded_size("\ud800") == 3  # a surrogate no byte escaped to: never raises
    assert decode_blob(b"\xff").encode("utf-8", "surrogateescape") == b"\xff"
    assert show_bytes(1_048_576) == "1 MiB" and show_bytes(1000) == "1000 bytes"
    assert link_text("x" * 5000, max_bytes=1024) == "x" * 1024


def test_max_bytes_is_a_policy_key_with_a_default() -> None:
    assert build_policy().postmortem.max_bytes == 1_048_576
    assert build_policy(POLICY).postmortem.max_bytes == 1024
    with pytest.raises(ValueError, match="max_bytes"):
        build_policy({"postmortem": {"max_bytes": 0}})
    # removed, the default applies: the cap on what is parsed cannot be lifted
    assert unparsed_reason("x" * 1_048_577, max_bytes=None) is not None


@pytest.mark.parametrize("rule", CONTENT_RULES)
@pytest.mark.parametrize(("make", "reason"), [(oversized, LARGE), (not_utf8, "not valid UTF-8")])
def test_content_checks_are_unknown_with_the_reason(rule: str, make: Any, reason: str) -> None:
    assert [r.status for r in results(rule, pm(GOOD))] != ["unknown"]  # parsed, judged
    (result,) = results(rule, pm(make()))
    assert result.status == "unknown"
    assert result.message == f"Not parsed: the file is {reason}."
    assert result.subject.key == PATH
    assert result.evidence[0].ref == PATH


def test_action_item_overdue_is_one_unknown_for_the_file() -> None:
    judged = results("action_item.overdue", pm(GOOD))
    assert [r.subject.key for r in judged] == [f"{PATH}#1"]
    (result,) = results("action_item.overdue", pm(oversized()))
    assert (result.status, result.subject.kind, result.subject.key) == (
        "unknown",
        "action_item",
        f"{PATH}#*",
    )
    assert LARGE in result.message


def test_missing_and_late_still_count_an_unparsed_file() -> None:
    for text in (oversized(), not_utf8()):
        (missing,) = results("postmortem.missing", pm(text))
        assert missing.status == "pass", missing.message
        assert [r.status for r in results("postmortem.late", pm(text))] == ["pass"]


def test_unlinked_passes_on_links_read_from_the_head_and_is_unknown_without() -> None:
    (linked,) = results("postmortem.unlinked", pm(oversized()))
    assert linked.status == "pass"
    # the link sits after the first max_bytes: not read, so not known to be unlinked
    late_link = "# Checkout\n" + "padding " * 200 + "\nincident-1234\n"
    (unread,) = results("postmortem.unlinked", pm(late_link))
    assert (unread.status, unread.message) == ("unknown", f"Not parsed: the file is {LARGE}.")


def test_filename_shape_is_judged_and_the_date_part_needs_links() -> None:
    unlinked = "# Checkout\n" + "padding " * 200
    (shape,) = results("postmortem.filename", pm(unlinked, "docs/incidents/Bad Name.md"))
    assert shape.status == "violation"
    (date_part,) = results("postmortem.filename", pm(unlinked))
    assert date_part.status == "unknown"
    (linked,) = results("postmortem.filename", pm(oversized()))
    assert linked.status == "pass"


def test_the_default_limit_is_one_mebibyte() -> None:
    big = GOOD + "x" * (1_048_576 - len(GOOD) + 1)
    (result,) = results("postmortem.sections", pm(big), policy=None)
    assert result.message == "Not parsed: the file is larger than postmortem.max_bytes (1 MiB)."
    exact = GOOD + "x" * (1_048_576 - len(GOOD))
    (judged,) = results("postmortem.sections", pm(exact), policy=None)
    assert judged.status != "unknown"  # at the limit: parsed

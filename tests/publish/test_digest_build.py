"""build_digest: pure, grouped by check, only what is new, within Slack's limits, inert."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from digest_helpers import (
    AS_OF,
    PM_PATH,
    TITLES,
    all_text,
    angle_tokens,
    outcome,
    result,
    small_context,
    within_limits,
)

from check_builders import PD_WEB, evaluate_all
from opsaudit.auditrun import AuditRun
from opsaudit.publish.digest import build_digest, due_soon
from opsaudit.publish.digest_build import Digest

OWNER_ID = "UOWNER0001"
MENTIONS = {"owner@example.com": OWNER_ID}


def build(
    out: AuditRun,
    *,
    announced: set[tuple[str, str]] | None = None,
    report: str | None = "https://reports.example/ops-sync-2026-W46.html",
) -> Digest:
    return build_digest(
        run=out,
        already_announced=announced or set(),
        mentions=MENTIONS,
        report_link=report,
        checks_titles=TITLES,
    )


def every_message(digest: Digest) -> list[list[dict[str, object]]]:
    return [digest.blocks, *digest.replies]


def test_new_violations_grouped_by_check_with_subject_link_evidence_and_owner() -> None:
    results = [
        result(1, title="Checkout 5xx"),
        result(2, rule="response.ack"),
        result(3, status="pass"),
        result(4, status="waived"),
    ]
    digest = build(outcome(results))
    text = all_text(digest.blocks)
    assert digest.blocks[0]["type"] == "header"
    assert "*2 new violations* since the last digest · *2 still open*" in text
    assert "*Acknowledged in time* · response.ack · 1 new" in text
    assert "*A Sev1 gets a war room* · warroom.opened · 1 new" in text
    assert text.index("response.ack") < text.index("warroom.opened")  # by rule id
    assert f"<{PD_WEB}/incidents/QINC0001|#1 Checkout 5xx> (Checkout API)" in text
    assert "<https://acme.slack.com/archives/C1/p1|evidence>" in text
    assert f"<@{OWNER_ID}>" in text  # QINC0001's service owner
    assert "QINC0003" not in text and "QINC0004" not in text
    assert digest.announced == [("response.ack", "QINC0002"), ("warroom.opened", "QINC0001")]
    assert digest.replies == []
    assert "<https://reports.example/ops-sync-2026-W46.html|ops-sync-2026-W46.html>" in text
    assert digest.text == "Compliance digest 2026-11-12: 2 new violations; 2 still open"


def test_only_violations_not_announced_before_are_listed_but_all_are_counted() -> None:
    results = [result(1), result(2), result(3)]
    digest = build(outcome(results), announced={("warroom.opened", "QINC0001")})
    text = all_text(digest.blocks)
    assert "*2 new violations* since the last digest · *3 still open*" in text
    assert "#1 Incident 1" not in text and "#2 Incident 2" in text
    assert digest.announced == [("warroom.opened", "QINC0002"), ("warroom.opened", "QINC0003")]


def test_nothing_new_still_says_so() -> None:
    digest = build(outcome([result(1)]), announced={("warroom.opened", "QINC0001")})
    text = all_text(digest.blocks)
    assert "No new violations since the last digest; 1 still open." in text
    assert digest.announced == [] and digest.nothing_new
    assert within_limits(digest.blocks)


def test_due_soon_lists_pending_postmortem_and_action_items_within_the_policy_days() -> None:
    soon, later = AS_OF + timedelta(days=2), AS_OF + timedelta(days=8)
    item = result(
        9,
        rule="action_item.overdue",
        status="pending",
        kind="action_item",
        key=f"{PM_PATH}#1",
        title="Add a canary",
        deadline=soon,
        message="Due 2026-11-14, not done yet.",
    )
    results = [
        item,
        result(10, rule="postmortem.missing", status="pending", deadline=later),
        result(11, rule="warroom.opened", status="pending", deadline=soon),  # not a PM rule
        result(12, rule="postmortem.missing", status="violation", deadline=soon),
    ]
    out = outcome(results)
    assert [r.sort_key() for r in due_soon(out)] == [item.sort_key()]
    digest = build(out)
    text = all_text(digest.blocks)
    assert "*:hourglass_flowing_sand: Due in the next 7 days* · 1" in text
    assert "Add a canary (2026-11-02-checkout-5xx.md #1)" in text
    # the item's owner is written as an e-mail, unknown to Slack: only the service owner
    assert f"Due 2026-11-14, not done yet. · <@{OWNER_ID}>" in text
    assert "· 1 due soon" in text


def test_results_carry_their_owners_for_each_subject_kind() -> None:
    owners = {r.subject.key: list(r.owners) for r in evaluate_all(small_context())}
    assert owners["QINC0001"] == ["owner@example.com"]
    assert owners[PM_PATH] == ["owner@example.com"]
    # the item's owner written as an address is one of its owners; "@zed" is not one
    assert owners[f"{PM_PATH}#1"] == ["owner@example.com", "dana@example.com"]
    assert owners[f"{PM_PATH}#2"] == ["owner@example.com"]
    judged = {r.subject.key: r for r in outcome([result(1), result(7)]).results}
    assert list(judged["QINC0007"].owners) == []  # an incident the snapshot does not have
    unowned = {r.subject.key: r.owners for r in evaluate_all(small_context(owner=False))}
    assert unowned["QINC0001"] == ()


def test_hostile_text_is_inert() -> None:
    hostile = (
        "<!channel> <@U123> <https://evil.example|click> & <script>alert(1)</script> "
        "*bold* _it_ ~s~ ```code``` @here \u202eRTL override\u202c עברית"
    )
    results = [
        result(1, title=hostile, message=hostile, service=hostile),
        result(2, title="x" * 5000, message="y" * 5000),
        result(3, url="javascript:alert(1)"),
        result(4, kind="postmortem", key=f"docs/<!here>{hostile}.md", title=hostile),
    ]
    digest = build(outcome(results), report="reports/<!channel>ops-sync.html")
    for blocks in every_message(digest):
        text = all_text(blocks)
        for token in angle_tokens(text):
            assert re.fullmatch(r"@U[A-Z0-9]+", token) or re.fullmatch(
                r"https://[^|\s]+\|[^<]*", token
            ), token
        assert f"<@{OWNER_ID}>" in text and "<@U123>" not in text
        assert "&lt;!channel&gt;" in text and "&lt;script&gt;" in text
        assert "*bold*" not in text and "```" not in text and "\u202e" not in text
        assert "x" * 101 not in text and "y" * 241 not in text
        assert within_limits(blocks)
    assert "javascript" not in all_text(digest.blocks)  # an unsafe URL gives no link
    assert "• *Sev1* #3 Incident 3 (Checkout API)" in all_text(digest.blocks)


def test_many_violations_spill_into_thread_replies_within_limits() -> None:
    long_message = "Took far too long; " * 12
    results = [
        result(n, rule=rule, message=f"{long_message}{n}", title=f"Incident {n} " + "t" * 80)
        for n in range(1, 301)
        for rule in ("warroom.opened",)
    ]
    digest = build(outcome(results))
    assert len(digest.replies) >= 2
    for blocks in every_message(digest):
        assert within_limits(blocks)
    keys = [k for part in digest.placement for k in part]
    assert sorted(keys) == sorted(digest.announced) and len(keys) == 300
    main = all_text(digest.blocks)
    assert "in the thread below" in main and "*300 new violations*" in main
    assert "(continued)" in all_text(digest.replies[0])
    assert digest.blocks[-1]["type"] == "context"  # the footer stays in the main message
    json.dumps(digest.as_json())


def test_the_same_input_gives_the_same_fingerprint() -> None:
    results = [result(1), result(2)]
    one, two = build(outcome(results)), build(outcome(list(reversed(results))))
    assert one.fingerprint == two.fingerprint
    assert build(outcome(results[:1])).fingerprint != one.fingerprint


def test_a_report_path_is_shown_as_text_and_none_gives_no_link() -> None:
    digest = build(outcome([result(1)]), report="reports/ops-sync-2026-W46.html")
    assert "Full report: reports/ops-sync-2026-W46.html" in all_text(digest.blocks)
    assert "Full report" not in all_text(build(outcome([result(1)]), report=None).blocks)


def test_a_failed_source_is_said_at_the_top() -> None:
    digest = build(outcome([result(1)], ctx=small_context(failed=["github"])))
    assert digest.blocks[2]["type"] == "context"
    assert "Source failed: github" in all_text(digest.blocks[2:3])

"""send_digest through slack_sdk to the sandbox over HTTPS: limits, threads, dedupe,
mentions, dry runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from digest_helpers import (
    AS_OF,
    TITLES,
    all_text,
    angle_tokens,
    outcome,
    result,
    small_context,
    within_limits,
)
from sqlalchemy import Engine, delete, update
from sqlalchemy.orm import Session

from opsaudit import store
from opsaudit.auditrun import AuditRun
from opsaudit.publish.digest import DigestOutcome, already_announced, send_digest
from opsaudit.sandbox.org import generate
from opsaudit.sandbox.server import Sandbox
from opsaudit.sandbox.state import World
from opsaudit.sources.base import Endpoint, RequestCounter, SourceError
from opsaudit.sources.slack_post import SlackPoster
from opsaudit.store.schema import DigestAnnouncementRow, DigestRow

OWNER_ID = "UOWNER0001"
CHANNEL = "ops-compliance"
POSTS = "slack chat.postMessage"


@dataclass
class Slack:
    sandbox: Sandbox
    world: World
    engine: Engine

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(self.sandbox.slack_url, self.world.tokens.slack, self.sandbox.ca_file)

    @property
    def channel_id(self) -> str:
        return str(next(c["id"] for c in self.world.slack.channels if c["name"] == CHANNEL))

    def messages(self) -> list[dict[str, Any]]:
        return list(self.world.slack.messages.get(self.channel_id, []))

    @property
    def posts(self) -> int:
        return self.sandbox.counts[POSTS]

    def send(self, out: AuditRun, **kwargs: Any) -> DigestOutcome:
        kwargs.setdefault("report_link", "https://reports.example/ops-sync.html")
        poster = SlackPoster(endpoint=self.endpoint, counter=kwargs.pop("counter", None))
        return send_digest(
            poster=poster,
            channel=CHANNEL,
            run=out,
            engine=self.engine,
            checks_titles=TITLES,
            **kwargs,
        )


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[Slack]:
    """A small generated Slack workspace, plus a member whose e-mail is the test
    service owner's (owner@example.com)."""
    org = generate(seed=3, incidents=5)
    member = json.loads(json.dumps(org.world.slack.users[0]))
    member["id"] = OWNER_ID
    member["profile"]["email"] = "Owner@Example.com"
    org.world.slack.users.append(member)
    engine = store.open_store(f"sqlite:///{tmp_path / 'store.db'}", migrate=True)
    with Sandbox(org.world) as sandbox:
        yield Slack(sandbox, org.world, engine)
    engine.dispose()


def test_posts_once_with_mentions_and_records_the_announcement(slack: Slack) -> None:
    counter = RequestCounter()
    sent = slack.send(outcome([result(1), result(2)]), counter=counter)
    assert sent.posted and sent.reason == "posted" and sent.channel_id == slack.channel_id
    [message] = slack.messages()
    assert message["ts"] == sent.ts
    text = all_text(message["blocks"])
    assert f"<@{OWNER_ID}>" in text  # looked up by e-mail, case-insensitively
    assert message["text"] == sent.digest.text
    assert slack.sandbox.counts["slack users.lookupByEmail"] == 1  # once per e-mail
    assert counter.count == slack.sandbox.counts["slack"]
    with Session(slack.engine) as session:
        [digest] = store.load_digests(session=session)
        announced = store.load_announcements(session=session)
    assert digest.fingerprint == sent.digest.fingerprint and digest.ts == sent.ts
    assert [(a.rule, a.subject_key, a.ts) for a in announced] == [
        ("warroom.opened", "QINC0001", sent.ts),
        ("warroom.opened", "QINC0002", sent.ts),
    ]


def test_a_second_send_posts_nothing(slack: Slack) -> None:
    out = outcome([result(1)])
    assert slack.send(out).posted
    posts = slack.posts
    again = slack.send(out)
    assert not again.posted and again.reason == "nothing_new_already_sent"
    assert slack.posts == posts and len(slack.messages()) == 1


def test_a_later_run_posts_only_the_new_violation(slack: Slack) -> None:
    slack.send(outcome([result(1), result(2)]))
    later = small_context(as_of=AS_OF + timedelta(days=7))
    sent = slack.send(outcome([result(1), result(2), result(3)], ctx=later))
    assert sent.posted and sent.digest.announced == [("warroom.opened", "QINC0003")]
    text = all_text(slack.messages()[-1]["blocks"])
    assert "*1 new violation* since the last digest · *3 still open*" in text
    assert "#3 Incident 3" in text and "#1 Incident 1" not in text


def test_nothing_new_posts_once_per_as_of(slack: Slack) -> None:
    first = slack.send(outcome([]))
    assert first.posted
    assert "No new violations since the last digest; 0 still open." in all_text(
        slack.messages()[0]["blocks"]
    )
    assert not slack.send(outcome([])).posted
    later = slack.send(outcome([], ctx=small_context(as_of=AS_OF + timedelta(days=7))))
    assert later.posted and len(slack.messages()) == 2


def test_an_identical_digest_is_not_posted_again(slack: Slack) -> None:
    out = outcome([result(1)])
    sent = slack.send(out)
    with Session(slack.engine) as session, session.begin():
        # forget the announcement, keep the digest: the same content is still known
        session.execute(delete(DigestAnnouncementRow))
        session.execute(update(DigestRow).values(as_of=AS_OF - timedelta(days=1)))
    again = slack.send(out)
    assert again.reason == "already_sent" and again.digest.fingerprint == sent.digest.fingerprint
    assert len(slack.messages()) == 1


def test_unknown_emails_give_no_mention_and_no_error(slack: Slack) -> None:
    slack.world.slack.users.pop()  # the owner's member is gone
    sent = slack.send(outcome([result(1)]))
    assert sent.posted and sent.warnings == ()
    assert [t for t in angle_tokens(all_text(slack.messages()[0]["blocks"])) if "@" in t] == []


def test_many_violations_go_into_thread_replies_the_sandbox_accepts(slack: Slack) -> None:
    results = [
        result(n, message=f"War room opened late; the details run long. {'x' * 150} {n}")
        for n in range(1, 301)
    ]
    sent = slack.send(outcome(results))
    assert sent.posted and len(sent.digest.replies) >= 2
    parent, *replies = slack.messages()
    assert parent["ts"] == sent.ts and parent["reply_count"] == len(replies)
    assert len(replies) == len(sent.digest.replies)
    for message in [parent, *replies]:
        assert within_limits(message["blocks"])
    assert all(r["thread_ts"] == sent.ts for r in replies)
    shown = "\n".join(all_text(m["blocks"]) for m in [parent, *replies])
    assert all(f"#{n} Incident {n}" in shown for n in range(1, 301))
    with Session(slack.engine) as session:
        announced = store.load_announcements(session=session)
    assert len(announced) == 300
    assert {a.ts for a in announced} == {m["ts"] for m in [parent, *replies]}


def test_hostile_text_posts_inert(slack: Slack) -> None:
    hostile = "<!channel> <@U123> & <script>x</script> *b* ```c``` \u202eRTL"
    sent = slack.send(outcome([result(1, title=hostile, message=hostile, service=hostile)]))
    text = all_text(slack.messages()[0]["blocks"])
    mentions = [t for t in angle_tokens(text) if not t.startswith("https://")]
    assert mentions == [f"@{OWNER_ID}"]
    assert "&lt;!channel&gt;" in text and "&lt;@U123&gt;" in text and sent.posted


def test_dry_run_posts_nothing_and_returns_serialisable_blocks(slack: Slack) -> None:
    sent = slack.send(outcome([result(1)]), dry_run=True)
    assert not sent.posted and sent.reason == "dry_run" and sent.ts is None
    assert slack.posts == 0 and slack.messages() == []
    assert f"<@{OWNER_ID}>" in json.dumps(sent.digest.as_json())
    with Session(slack.engine) as session:
        assert store.load_digests(session=session) == []
    assert slack.send(outcome([result(1)])).posted  # and the real run still posts
    after = slack.send(outcome([result(1)]), dry_run=True)
    assert after.reason == "nothing_new_already_sent" and slack.posts == 1


def test_a_failed_reply_records_what_was_posted_before_raising(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str | None] = []
    real_post = SlackPoster.post

    def post(self: SlackPoster, channel_id: str, **kwargs: Any) -> str:
        calls.append(kwargs["thread_ts"])
        if len(calls) == 3:
            raise SourceError("slack", "chat.postMessage failed: HTTP 500 after 6 attempts")
        return real_post(self, channel_id, **kwargs)

    monkeypatch.setattr(SlackPoster, "post", post)
    results = [result(n, message=f"Late. {'x' * 200} {n}") for n in range(1, 301)]
    with pytest.raises(SourceError, match="HTTP 500"):
        slack.send(outcome(results))
    parent, reply = slack.messages()
    with Session(slack.engine) as session:
        [digest] = store.load_digests(session=session)
        announced = store.load_announcements(session=session)
    assert (digest.ts, digest.replies) == (parent["ts"], 1)
    assert {a.ts for a in announced} == {parent["ts"], reply["ts"]}
    assert 0 < len(announced) < 300  # the third message's items stay new for next time


def test_a_violation_that_comes_back_is_new_again(slack: Slack) -> None:
    item = result(1)
    key = item.sort_key()

    def audit(days: int, status: str) -> None:
        as_of = AS_OF + timedelta(days=days)
        with Session(slack.engine) as session, session.begin():
            run = store.start_audit_run(
                session=session, started_at=as_of, as_of=as_of, since=as_of, until=as_of
            )
            document = replace(item, status=status).as_json()  # type: ignore[arg-type]
            store.save_results(session=session, run_id=run, as_of=as_of, results=[document])

    audit(0, "violation")
    slack.send(outcome([item]))
    with Session(slack.engine) as session:
        assert key in already_announced(session=session)
    audit(7, "pass")
    audit(14, "violation")
    with Session(slack.engine) as session:
        assert key not in already_announced(session=session)
    again = slack.send(outcome([item], ctx=small_context(as_of=AS_OF + timedelta(days=14))))
    assert again.posted and again.digest.announced == [key]
    with Session(slack.engine) as session:
        [announcement] = store.load_announcements(session=session)
    assert announcement.first_announced_at == AS_OF
    assert announcement.last_announced_at == AS_OF + timedelta(days=14)


def test_an_unknown_channel_is_a_clear_error_and_nothing_is_recorded(slack: Slack) -> None:
    with pytest.raises(SourceError, match="digest channel #nowhere not found"):
        send_digest(
            poster=SlackPoster(endpoint=slack.endpoint),
            channel="nowhere",
            run=outcome([result(1)]),
            engine=slack.engine,
            report_link=None,
            checks_titles=TITLES,
        )
    with Session(slack.engine) as session:
        assert store.load_digests(session=session) == []


def test_a_channel_id_is_used_as_it_is(slack: Slack) -> None:
    sent = send_digest(
        poster=SlackPoster(endpoint=slack.endpoint),
        channel=slack.channel_id,
        run=outcome([result(1)]),
        engine=slack.engine,
        report_link=None,
    )
    assert sent.posted and slack.sandbox.counts["slack conversations.list"] == 0

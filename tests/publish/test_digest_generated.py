"""The digest of the generator's organisation, audited and posted through the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from digest_helpers import all_text, angle_tokens, within_limits
from sqlalchemy import Engine

from opsaudit import store
from opsaudit.audit import evaluate_step
from opsaudit.auditrun import AuditRun
from opsaudit.checks.model import Result
from opsaudit.publish.digest import DigestOutcome, send_digest
from opsaudit.sandbox.org import generate
from opsaudit.sandbox.server import Sandbox
from opsaudit.sources.base import Endpoint
from opsaudit.sources.slack_post import SlackPoster
from sync_fixtures import Setup, write_config

POSTS = "slack chat.postMessage"


@pytest.fixture
def audited(tmp_path: Path) -> Iterator[tuple[Setup, AuditRun, Engine]]:
    org = generate(seed=7, incidents=60)
    with Sandbox(org.world) as sandbox:
        config, path = write_config(org=org, sandbox=sandbox, folder=tmp_path)
        setup = Setup(org=org, sandbox=sandbox, config=config, config_path=path)
        sources = setup.sync().outcomes
        engine = store.open_store(config.database.url)
        out = evaluate_step(
            config=config, engine=engine, window=setup.window, as_of=org.as_of, sources=sources
        )
        yield setup, out, engine
        engine.dispose()


def send(setup: Setup, out: AuditRun, engine: Engine) -> DigestOutcome:
    return send_digest(
        poster=SlackPoster(
            endpoint=Endpoint(
                setup.sandbox.slack_url, setup.org.world.tokens.slack, setup.sandbox.ca_file
            )
        ),
        channel=setup.config.digest.channel,
        run=out,
        engine=engine,
        report_link="https://reports.example/ops-sync-2026-W47.html",
    )


def channel_messages(setup: Setup) -> list[dict[str, Any]]:
    slack = setup.org.world.slack
    channel = next(c for c in slack.channels if c["name"] == setup.config.digest.channel)
    return list(slack.messages.get(channel["id"], []))


def test_the_digest_of_the_generated_org_lands_in_the_channel_once(
    audited: tuple[Setup, AuditRun, Engine],
) -> None:
    setup, out, engine = audited
    planted = {(p.rule, p.subject) for p in setup.org.planted}
    sent = send(setup, out, engine)
    assert sent.posted
    # one digest message (a long list goes on in its thread)
    [message] = [m for m in channel_messages(setup) if m.get("thread_ts") in (None, m["ts"])]
    blocks = message["blocks"]
    assert within_limits(blocks)
    assert set(sent.digest.announced) == planted
    text = all_text(blocks)
    assert f"*{len(planted)} new violations* since the last digest" in text
    members = {u["id"] for u in setup.org.world.slack.users}
    mentioned = {t[1:] for t in angle_tokens(text) if t.startswith("@")}
    assert mentioned and mentioned <= members  # service owners, looked up by e-mail
    posts = setup.sandbox.counts[POSTS]
    again = send(setup, out, engine)
    assert not again.posted and setup.sandbox.counts[POSTS] == posts


def test_a_later_run_with_one_more_violation_posts_only_that_one(
    audited: tuple[Setup, AuditRun, Engine],
) -> None:
    setup, out, engine = audited
    send(setup, out, engine)
    passing = next(r for r in out.results if r.status == "pass" and r.subject.kind == "incident")
    extra: Result = passing.with_status("violation", "Now a violation.")
    later = replace(out, results=[*out.results, extra])
    sent = send(setup, later, engine)
    assert sent.posted and sent.digest.announced == [extra.sort_key()]
    text = all_text(channel_messages(setup)[-1]["blocks"])
    assert "*1 new violation* since the last digest" in text
    assert f"#{extra.subject.number} " in text
    assert not send(setup, later, engine).posted

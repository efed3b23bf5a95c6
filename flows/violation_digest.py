"""The Slack digest as a Prefect flow: sync, evaluate, post what is new since the last one.

What ``opsaudit digest`` runs (:func:`opsaudit.posting.post_digest`), with one sync task
per source step. The run publishes what was posted (or would be) as an artifact, and
ends Failed when a source failed, after posting what it could.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger

from opsaudit import flowtasks
from opsaudit.config import load_config
from opsaudit.posting import chat_poster_for, digest_window, post_digest
from opsaudit.publish.artifacts import publish_digest_artifact
from opsaudit.runtime import open_runtime
from opsaudit.secrets import resolve_tokens


@flow(name="violation-digest", log_prints=True)
def violation_digest(
    config: str | None = None,
    as_of: datetime | None = None,
    dry_run: bool = False,
    offline: bool = False,
) -> dict[str, Any]:
    """Sync the sources, evaluate every check, post the new violations to the digest channel.

    Args:
        config: Path of the configuration file. Empty: $OPSAUDIT_CONFIG, else
            opsaudit.yaml in the worker's working directory (prefect.yaml's pull step
            sets it to the folder the deployment was made from).
        as_of: "Now" for every deadline. Empty: the real current time.
        dry_run: Build the digest and show it as an artifact; post nothing.
        offline: Evaluate what is stored, without syncing (the digest is still posted).
    """
    logger = get_run_logger()
    settings = load_config(config)
    moment = flowtasks.aware(as_of) if as_of else datetime.now(UTC)
    poster = chat_poster_for(settings, resolve_tokens(settings), why="post the digest")
    with open_runtime(settings) as runtime:
        sources = flowtasks.sync_in_tasks(
            runtime=runtime,
            window=digest_window(settings, moment),
            offline=offline,
            progress=logger.info,
        )
        outcome, sent = post_digest(
            runtime=runtime, poster=poster, sources=sources, as_of=moment, dry_run=dry_run
        )
    publish_digest_artifact(sent, channel=settings.digest.channel)
    for warning in sent.warnings:
        logger.warning("%s", warning)
    logger.info("digest: %s, %d new violations", sent.reason, len(sent.digest.announced))
    flowtasks.raise_if_failed(outcome.sources, what=f"digest {sent.reason.replace('_', ' ')}")
    return {
        "run_id": outcome.run_id,
        "posted": sent.posted,
        "reason": sent.reason,
        "ts": sent.ts,
        "new_violations": len(sent.digest.announced),
        "failed_sources": outcome.failed_sources,
    }

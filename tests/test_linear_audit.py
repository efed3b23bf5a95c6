"""The audit grows linearly with the organisation (issue 11, "Done when").

Two generated organisations, one four times the other, are synced through the sandbox;
then each check is timed alone over a fresh context (its shared indexes and parses made
again, so that whatever it needs counts), the minimum of a few runs. The time per
incident of the larger must stay under twice the smaller's: a check that scans every
post, file or incident for each incident grows four times per incident and fails.
A whole check also does work proportional to its subjects, which hides a scan that is
cheap per pair until the organisation is large (at 10,000 incidents the summary-post scan
took most of the audit; at 600 a tenth of its check). So the questions every check asks
of the context (an incident's summary posts, war room and post-mortems, a post-mortem's
incidents) are timed on their own as well: their time per subject must not grow at all.
Ratios of CPU time, not absolute times: the machine's speed and load cancel out.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsaudit.audit import build_context
from opsaudit.checks.catalogue import catalogue
from opsaudit.checks.context import Context
from opsaudit.checks.spec import CheckSpec
from opsaudit.engine import evaluate
from opsaudit.parsing.cache import ParseCache
from opsaudit.runtime import open_runtime
from opsaudit.sandbox.org import generate
from opsaudit.sources.table import providers
from sync_fixtures import serve_org

SMALL, LARGE = 150, 600
RUNS = 3
MAX_GROWTH = 2.0  # per incident, LARGE against SMALL; linear is 1.0, quadratic 4.0
FLOOR_S = 0.03  # checks faster than this at LARGE are below the timer's noise


def _synced_context(incidents: int, folder: Path) -> Context:
    with serve_org(generate(seed=11, incidents=incidents), folder) as setup:
        assert not setup.sync(full=True).failed
        with open_runtime(setup.config) as runtime:
            return build_context(
                config=setup.config,
                engine=runtime.engine,
                window=setup.window,
                as_of=setup.org.as_of,
                sources=runtime.stored_statuses(),
            )


def _fresh(context: Context) -> Context:
    return Context(
        snapshot=context.snapshot,
        policy=context.policy,
        settings=context.settings,
        calendar=context.calendar,
        parses=ParseCache(),
    )


def _seconds(context: Context, spec: CheckSpec) -> float:
    best = float("inf")
    for _ in range(RUNS):
        fresh = _fresh(context)
        gc.collect()
        began = time.process_time()  # CPU time: other work on the machine cancels out
        evaluate(fresh, providers=providers(), checks=[spec])
        best = min(best, time.process_time() - began)
    return best


@pytest.fixture(scope="module")
def contexts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Context, Context]]:
    small = _synced_context(SMALL, tmp_path_factory.mktemp("small"))
    large = _synced_context(LARGE, tmp_path_factory.mktemp("large"))
    yield small, large


@pytest.mark.slow
def test_each_check_grows_linearly_with_the_incidents(contexts: tuple[Context, Context]) -> None:
    small, large = contexts
    scale = len(large.window_incidents) / len(small.window_incidents)
    assert scale > 3, "the larger organisation is not larger enough to tell"
    grown: dict[str, float] = {}
    for spec in catalogue():
        at_large = _seconds(large, spec)
        if at_large < FLOOR_S:
            continue
        grown[spec.id] = at_large / max(_seconds(small, spec), 1e-6) / scale
    assert grown, "no check took long enough to be measured"
    too_fast = {rule: round(g, 2) for rule, g in grown.items() if g >= MAX_GROWTH}
    assert not too_fast, f"per-incident time grew {too_fast} (x{scale:.1f} incidents)"


def _lookups(context: Context) -> float:
    """CPU time of the context's per-subject questions over every subject, with the
    indexes they need built (the minimum of a few runs), per audited incident. The
    texts are parsed beforehand: that is linear work per post or file, which would
    hide what the questions cost."""
    best = float("inf")
    for _ in range(RUNS):
        fresh = _fresh(context)
        assert fresh.parsed_posts is not None
        for file in fresh.snapshot.postmortems:
            fresh.refs_of(file)
        gc.collect()
        began = time.process_time()
        for view in fresh.incidents:
            fresh.summary_posts(view.incident)
            fresh.war_room(view.incident)
            fresh.postmortems_of(view.incident)
        for file in fresh.snapshot.postmortems:
            fresh.incidents_of(file)
        best = min(best, time.process_time() - began)
    return best / len(context.incidents)


@pytest.mark.slow
def test_the_contexts_questions_take_the_same_time_per_subject(
    contexts: tuple[Context, Context],
) -> None:
    small, large = contexts
    grown = _lookups(large) / _lookups(small)
    assert grown < MAX_GROWTH, f"per-incident time of the context's questions grew x{grown:.2f}"

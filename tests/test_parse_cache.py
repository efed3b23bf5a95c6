"""A post-mortem is parsed once per blob: neither a later sync nor a later audit parses an
unchanged file again (issue 11, item 1); what is read back is what the parser gave."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsaudit.parsing.cache import PARSES, ParseCache
from opsaudit.parsing.postmortem import parse_postmortem
from opsaudit.runtime import open_runtime
from opsaudit.sandbox.org import generate
from opsaudit.store.schema import ParseRow
from sync_fixtures import Setup, serve_org


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    with serve_org(generate(seed=7, incidents=60), tmp_path) as setup:
        yield setup


def _audit(setup: Setup) -> None:
    with open_runtime(setup.config) as runtime:
        sources = runtime.stored_statuses()
        runtime.evaluate(window=setup.window, as_of=setup.org.as_of, sources=sources)


def _parses_since(before: Counter[str]) -> dict[str, int]:
    return {kind: n - before[kind] for kind, n in PARSES.items() if n - before[kind]}


def test_an_unchanged_post_mortem_is_parsed_once_across_syncs_and_audits(setup: Setup) -> None:
    before = Counter(PARSES)
    assert not setup.sync(full=True).failed
    first_sync = _parses_since(before)
    assert first_sync.get("refs", 0) > 0, "the first sync reads the post-mortems' links"

    before = Counter(PARSES)
    assert not setup.sync().failed
    assert _parses_since(before) == {}, "a second sync parsed an unchanged post-mortem"

    before = Counter(PARSES)
    _audit(setup)
    first_audit = _parses_since(before)
    # the links were read by the sync under the same settings: only the Markdown is new
    assert "refs" not in first_audit
    assert first_audit["markdown"] == first_sync["refs"]
    assert first_audit["blank"] == first_sync["refs"]

    before = Counter(PARSES)
    _audit(setup)
    assert _parses_since(before) == {}, "a second audit parsed an unchanged post-mortem"

    with open_runtime(setup.config) as runtime, Session(runtime.engine) as session:
        kept = session.scalar(select(func.count()).select_from(ParseRow))
    assert kept == first_sync["refs"] * 3  # refs, markdown and blank sections per blob


HOSTILE = [
    "---\nincident: 12\n---\n# T\n\n## Timeline\n\n- 10:00 UTC paged\n  - nested `code`\n",
    "# A\n\n| Owner | Due |\n|---|---|\n| @a | 2026-01-02 |\n\n<!-- hidden -->\n\x00\udc80",
    "Title\n=====\n\n> # quoted\n\n```\n# not a heading\n```\n- [x] done\n- [ ] TBD\n",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_kept_markdown_parse_reads_back_as_the_parser_gave_it(text: str) -> None:
    made = ParseCache()
    made.skeleton("sha", text)
    kept = ParseCache(made.fresh())  # as the store gives it back: JSON text
    doc = parse_postmortem(text, path="x.md", skeleton=kept.skeleton("sha", text))
    fresh = parse_postmortem(text, path="x.md")
    assert doc.sections() == fresh.sections()
    assert (doc._entries, doc._prose) == (fresh._entries, fresh._prose)
    assert doc.front_matter == fresh.front_matter
    assert kept.fresh() == {}, "a kept parse is not made again"

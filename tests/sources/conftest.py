"""The Slack source tests' organisation and its sandbox (a module may define its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_fixtures import Org, build_org

from opsaudit.sandbox.server import Sandbox


@pytest.fixture
def org() -> Org:
    return build_org()


@pytest.fixture
def sb(org: Org) -> Iterator[Sandbox]:
    with Sandbox(org.world) as sandbox:
        yield sandbox

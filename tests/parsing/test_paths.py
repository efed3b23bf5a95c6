"""Paths that leave the post-mortem folder are not post-mortems (``rules.md``)."""

from __future__ import annotations

import pytest

from opsaudit.parsing.paths import is_plain_path, is_postmortem_path

FOLDER = "docs/incidents"


@pytest.mark.parametrize(
    "path",
    [
        "docs/incidents/2026-01-01-a.md",
        "docs/incidents/2026/2026-01-01-a.md",
        "docs/incidents/..md",  # a name with dots is a name
        "docs/incidents/a..b.md",
    ],
)
def test_plain_paths_under_the_folder_are_post_mortems(path: str) -> None:
    assert is_postmortem_path(path, FOLDER)
    assert is_postmortem_path(path, FOLDER + "/")
    assert is_postmortem_path(path, "")


@pytest.mark.parametrize(
    "path",
    [
        "docs/incidents/../../etc/passwd.md",
        "docs/incidents/../incidents/2026-01-01-a.md",  # back inside, but not plainly
        "docs/incidents/./2026-01-01-a.md",
        "docs/incidents//2026-01-01-a.md",
        "/docs/incidents/2026-01-01-a.md",
        "docs/incidents/..\\..\\etc\\passwd.md",
        "docs/incidents/a\0.md",
        "docs/incidents-archive/2026-01-01-a.md",
        "docs/incidents",
        "docs/incidents/",
        "",
    ],
)
def test_paths_that_leave_or_miss_the_folder_are_not(path: str) -> None:
    assert not is_postmortem_path(path, FOLDER)


def test_plain_paths() -> None:
    assert is_plain_path("a/b.md")
    assert not is_plain_path("a/../b.md")
    assert not is_plain_path("../b.md")

"""``opsaudit init``: a commented configuration that the project's loader accepts."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from opsaudit.cli import main
from opsaudit.config import ConfigError, load_config
from opsaudit.setup.init_config import InitAnswers, complete

FLAGS = [
    "--pagerduty-subdomain",
    "acme",
    "--incidents-channel",
    "#major-incidents",
    "--digest-channel",
    "ops-compliance",
    "--github-repo",
    "acme/ops-docs",
    "--github-path",
    "docs/postmortems/",
    "--database-url",
    "postgresql://opsaudit@db/opsaudit",
]


def test_flags_give_a_commented_file_the_loader_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "opsaudit.yaml"
    assert main(["init", "--output", str(path), *FLAGS]) == 0
    config = load_config(path)
    pagerduty, slack, github = (config.sources.section(n) for n in ("pagerduty", "slack", "github"))
    assert getattr(pagerduty, "web_url", None) == "https://acme.pagerduty.com"
    assert getattr(slack, "incidents_channel", None) == "major-incidents"
    assert getattr(github, "repo", None) == "acme/ops-docs"
    assert getattr(github, "path", None) == "docs/postmortems"
    assert config.database.url == "postgresql://opsaudit@db/opsaudit"
    assert config.digest.channel == "ops-compliance"
    text = path.read_text(encoding="utf-8")
    for said in ("PAGERDUTY_API_TOKEN", "SLACK_BOT_TOKEN", "GITHUB_TOKEN", "OPSAUDIT_CONFIG"):
        assert said in text  # where tokens come from, and where the file is looked for
    assert "# where `opsaudit digest` posts new violations" in text
    assert f"opsaudit check-config --config {path}" in capsys.readouterr().out


def test_without_a_repository_github_is_written_commented_out(tmp_path: Path) -> None:
    path = tmp_path / "opsaudit.yaml"
    assert main(["init", "--output", str(path)]) == 0  # stdin is not a terminal: no question
    config = load_config(path)
    assert config.sources.configured() == ["pagerduty", "slack"]
    assert "  # github:\n" in path.read_text(encoding="utf-8")
    assert config.database.url == "sqlite:///.opsaudit/opsaudit.db"


def test_the_file_goes_where_commands_look_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSAUDIT_CONFIG", str(tmp_path / "conf" / "audit.yaml"))
    assert main(["init", "--github-repo", "acme/ops-docs"]) == 0
    assert load_config(None).sources.configured() == ["pagerduty", "slack", "github"]


def test_an_existing_file_is_kept_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "opsaudit.yaml"
    path.write_text("database: {url: 'sqlite:///mine.db'}\n", encoding="utf-8")
    assert main(["init", "--output", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"opsaudit: {path}: exists already; use --force to overwrite it\n"
    )
    assert "mine.db" in path.read_text(encoding="utf-8")
    assert main(["init", "--output", str(path), "--force"]) == 0
    assert "mine.db" not in path.read_text(encoding="utf-8")


def test_a_bad_flag_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "opsaudit.yaml"
    assert main(["init", "--output", str(path), "--github-repo", "not a repo"]) == 2
    assert capsys.readouterr().err == (
        "opsaudit: --github-repo: 'not a repo' is not a valid GitHub repository of the "
        "post-mortems\n"
    )
    assert not path.exists()


def test_questions_are_asked_for_missing_values_only_and_bad_answers_again() -> None:
    asked: list[str] = []
    answers = iter(["https://acme.pagerduty.com/", "", "#Bad Name", "digest", "", ""])

    def ask(question: str) -> str:
        asked.append(question)
        return next(answers)

    said: list[str] = []
    done = complete(InitAnswers(database_url="sqlite:///x.db"), ask=ask, say=said.append)
    assert done == InitAnswers(
        pagerduty_subdomain="acme",
        incidents_channel="incidents",
        digest_channel="digest",
        github_repo="",
        github_path="docs/incidents",  # not asked: no repository
        database_url="sqlite:///x.db",  # given: not asked
    )
    assert len(asked) == 5
    assert asked[2] == asked[3]  # asked again after a bad answer
    assert said == ["  '#Bad Name' is not a valid answer"]


def test_endless_bad_answers_give_up() -> None:
    with pytest.raises(ConfigError, match=r"no valid answer .* after 3 tries"):
        complete(InitAnswers(), ask=lambda _q: "no/such/thing/", say=lambda _s: None)


def _read_until(fd: int, marker: bytes, seconds: float = 60) -> bytes:
    """What the terminal shows until ``marker`` (bounded)."""
    import select

    seen = b""
    ends = time.monotonic() + seconds
    while marker not in seen:
        left = ends - time.monotonic()
        assert left > 0, f"no {marker!r} on the terminal: {seen!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_on_a_terminal_the_missing_values_are_asked_for(tmp_path: Path) -> None:
    import pty

    opsaudit = str(Path(sys.executable).with_name("opsaudit"))
    pid, fd = pty.fork()
    if pid == 0:  # the child: init on a terminal, flags for two values
        os.chdir(tmp_path)
        os.execv(opsaudit, [opsaudit, "init", "--database-url", "sqlite:///x.db"])
    try:
        shown = b""
        for answer in (b"acme", b"", b"#ops", b"acme/ops-docs", b"docs/pm"):
            shown += _read_until(fd, b"]: ")
            os.write(fd, answer + b"\n")
        shown += _read_until(fd, b"wrote opsaudit.yaml")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert shown.count(b"]: ") == 5  # the database URL was given: not asked
    config = load_config(tmp_path / "opsaudit.yaml")
    assert getattr(config.sources.section("pagerduty"), "web_url", None) == (
        "https://acme.pagerduty.com"
    )
    assert getattr(config.sources.section("github"), "path", None) == "docs/pm"
    assert config.digest.channel == "ops"
    assert config.database.url == "sqlite:///x.db"

"""``opsaudit check-config`` against the sandbox, through the real clients: a line per
finding, ``ok`` or ``FAIL`` with what to fix; exit 0, 3, or 2 for a bad configuration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
import yaml

from opsaudit.cli import main
from opsaudit.sandbox.org import generate
from opsaudit.sandbox.slack_access import ALL_SCOPES
from sync_fixtures import Setup, serve_org


@pytest.fixture(scope="module")
def org_setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    with serve_org(generate(seed=5, incidents=20), tmp_path_factory.mktemp("check")) as setup:
        yield setup


@pytest.fixture
def setup(org_setup: Setup, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    tokens = org_setup.org.world.tokens
    monkeypatch.setenv("PAGERDUTY_API_TOKEN", tokens.pagerduty)
    monkeypatch.setenv("SLACK_BOT_TOKEN", tokens.slack)
    monkeypatch.setenv("GITHUB_TOKEN", tokens.github)
    yield org_setup
    org_setup.org.world.slack.scopes = None


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["check-config", "--config", str(path)])
    return code, capsys.readouterr().out.splitlines()


def _fails(path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The FAIL lines of a check that must exit 3."""
    code, lines = _check(path, capsys)
    assert code == 3
    return [line for line in lines if line.startswith("FAIL")]


def _variant(setup: Setup, folder: Path, change: dict[str, dict[str, object]]) -> Path:
    """The setup's configuration with some source keys changed."""
    mapping = yaml.safe_load(setup.config_path.read_text(encoding="utf-8"))
    for name, keys in change.items():
        mapping["sources"][name].update(keys)
    path = folder / "variant.yaml"
    path.write_text(yaml.safe_dump(mapping), encoding="utf-8")
    return path


def test_all_ok_exits_0_with_a_line_per_finding(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = _check(setup.config_path, capsys)
    assert code == 0
    assert [line.split()[:2] for line in lines] == [
        ["ok", "config"],
        ["ok", "pagerduty"],
        ["ok", "slack"],
        ["ok", "slack"],
        ["ok", "slack"],
        ["ok", "slack"],
        ["ok", "github"],
        ["ok", "github"],
    ]
    text = "\n".join(lines)
    assert "pagerduty  token accepted: GET /incidents lists" in text
    assert "slack      scopes: the 9 needed are granted" in text
    assert "slack      incidents channel #incidents found (C" in text
    assert "slack      digest channel #ops-compliance found (C" in text
    assert "github     token accepted: repository acme/ops-docs found (rate limit: " in text
    assert "github     folder docs/incidents found (" in text


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            {"repo": "acme/no-such-repo"},
            "FAIL  github     repository acme/no-such-repo not found (HTTP 404): check "
            "sources.github.repo, and that the token can read it (GitHub answers 404 for a "
            "private repository a token cannot see)",
        ),
        (
            {"path": "docs/no-such-folder"},
            "FAIL  github     folder docs/no-such-folder not found on main: check "
            "sources.github.path",
        ),
    ],
    ids=["repository", "folder"],
)
def test_a_repository_or_folder_not_found_is_one_fail_line_and_exit_3(
    setup: Setup,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, object],
    line: str,
) -> None:
    code, lines = _check(_variant(setup, tmp_path, {"github": change}), capsys)
    assert code == 3
    assert [found for found in lines if found.startswith("FAIL")] == [line]
    assert lines[-1] == line


def test_refused_tokens_say_which_variable_to_fix_and_never_show_the_token(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAGERDUTY_API_TOKEN", "pd-wrong-sentinel")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong-sentinel")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrong_sentinel")
    code, lines = _check(setup.config_path, capsys)
    assert code == 3
    fails = [line for line in lines if line.startswith("FAIL")]
    assert len(fails) == 3
    assert fails[0].startswith("FAIL  pagerduty  token refused (GET https://127.0.0.1:")
    assert fails[0].endswith(
        "/pagerduty/incidents: HTTP 401, the token was refused or lacks access): set "
        "PAGERDUTY_API_TOKEN to a REST API key of the account (read-only is enough)"
    )
    assert fails[1] == (
        "FAIL  slack      token refused (auth.test failed: HTTP 200, error 'invalid_auth'): "
        "set SLACK_BOT_TOKEN to the app's bot token (xoxb-)"
    )
    assert fails[2] == (
        "FAIL  github     token refused (bad credentials, HTTP 401): set GITHUB_TOKEN to a "
        "token that can read acme/ops-docs"
    )
    assert "sentinel" not in "\n".join(lines)


def test_a_missing_slack_scope_is_named_with_what_it_is_for(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.org.world.slack.scopes = set(ALL_SCOPES) - {"groups:read", "users:read.email"}
    assert _fails(setup.config_path, capsys) == [
        "FAIL  slack      scope groups:read missing (to list private war rooms): add it to "
        "the app's bot token scopes, then reinstall the app",
        "FAIL  slack      scope users:read.email missing (to mention owners by e-mail in the "
        "digest): add it to the app's bot token scopes, then reinstall the app",
        "FAIL  slack      incidents channel: conversations.list failed: the Slack app lacks "
        "the scope 'groups:read' (add it to the app's bot token scopes and reinstall the app)",
    ]


def test_missing_channels_and_a_missing_token(
    setup: Setup,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _variant(setup, tmp_path, {"slack": {"incidents_channel": "no-such-channel"}})
    mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump({**mapping, "digest": {"channel": "gone"}}), encoding="utf-8")
    monkeypatch.delenv("GITHUB_TOKEN")
    assert _fails(path, capsys) == [
        "FAIL  slack      incidents channel #no-such-channel not found (a private channel is "
        "seen only when the bot is in it): check sources.slack.incidents_channel",
        "FAIL  slack      digest channel #gone not found among the public channels (for a "
        "private channel, configure its id)",
        "FAIL  github     GITHUB_TOKEN is not set",
    ]


def test_an_incidents_channel_the_bot_is_not_in_says_to_invite_it(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    world = setup.org.world
    channel = next(c for c in world.slack.channels if c["name"] == "incidents")
    with world.lock:
        channel["is_member"] = False
    try:
        code, lines = _check(setup.config_path, capsys)
    finally:
        with world.lock:
            channel["is_member"] = True
    assert code == 0
    assert (
        f"ok    slack      incidents channel #incidents found ({channel['id']}); the bot is "
        "not in it: invite it (/invite @bot in #incidents)"
    ) in lines


def test_an_untrusted_certificate_names_the_ca_file(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    path = _variant(setup, tmp_path, {"pagerduty": {"ca_file": str(other)}})
    code, lines = _check(path, capsys)
    assert code == 3
    fails = [line for line in lines if line.startswith("FAIL")]
    assert len(fails) == 1
    assert fails[0].startswith("FAIL  pagerduty  ")
    assert f"not trusted by ca_file {other}: is ca_file the CA that signed https://" in fails[0]


def test_a_bad_configuration_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "opsaudit.yaml"
    path.write_text("sources:\n  github: {repo: 12 34}\n", encoding="utf-8")
    assert main(["check-config", "--config", str(path)]) == 2
    assert capsys.readouterr().err.startswith(f"opsaudit: {path}:2: sources.github.repo")

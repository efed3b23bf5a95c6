"""Configuration: interface.md's file, validated; every error names file, key and line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from opsaudit.config import ConfigError, load_config, parse_config
from opsaudit.policy import NEXT_BUSINESS_DAY
from opsaudit.sandbox.tls import make_server_tls

INTERFACE_EXAMPLE = """\
database:
  url: sqlite:///.opsaudit/opsaudit.db
sources:
  pagerduty:
    api_url: https://api.pagerduty.com
    web_url: https://example.pagerduty.com
  slack:
    api_url: https://slack.com/api/
    incidents_channel: incidents
  github:
    api_url: https://api.github.com
    repo: example-org/ops-docs
    path: docs/incidents
people:
  cto: {pagerduty_id: PXXXXXX, email: cto@example.com}
services:
  Checkout API: {brand: shop, owner: {pagerduty_id: PYYYYYY}}
policy: {}
waivers: []
digest:
  channel: ops-compliance
report:
  output_dir: reports
"""


def parse(text: str) -> object:
    return parse_config(text, source=Path("opsaudit.yaml"))


def test_the_interface_example_loads_with_the_rules_defaults() -> None:
    config = parse_config(INTERFACE_EXAMPLE, source=Path("opsaudit.yaml"))
    assert config.sources.github is not None
    assert config.sources.github.repo == "example-org/ops-docs"
    assert config.services["Checkout API"].brand == "shop"
    assert config.people.cto is not None and config.people.cto.pagerduty_id == "PXXXXXX"
    policy = config.policy
    assert policy.response["Sev1"] == timedelta(minutes=15)
    assert policy.response["Sev4"] == NEXT_BUSINESS_DAY
    assert policy.lookback_days == 90
    assert policy.postmortem.due_business_days == 5
    assert "Blameless framing" in policy.postmortem.sections


def test_an_empty_file_is_the_defaults_with_no_source() -> None:
    config = parse("")
    assert config.database.url == "sqlite:///.opsaudit/opsaudit.db"
    assert config.sources.pagerduty is None and config.sources.slack is None


def test_policy_mappings_merge_key_by_key_and_null_removes() -> None:
    config = parse(
        "policy:\n"
        "  response: {Sev1: 10m}\n"
        "  postmortem:\n"
        "    sections: {Blameless framing: null}\n"
        "  exclude: {title_contains: ['[GAMEDAY]']}\n"
    )
    policy = config.policy  # type: ignore[attr-defined]
    assert policy.response["Sev1"] == timedelta(minutes=10)
    assert policy.response["Sev2"] == timedelta(minutes=30)  # untouched default
    assert "Blameless framing" not in policy.postmortem.sections
    assert "Timeline" in policy.postmortem.sections
    assert policy.exclude.title_contains == ("[GAMEDAY]",)  # lists replace


def test_a_scalar_set_to_null_is_missing_not_defaulted() -> None:
    policy = parse("policy:\n  warroom: {open_within: null}\n").policy  # type: ignore[attr-defined]
    assert policy.warroom.open_within is None
    assert policy.warroom.update_every == timedelta(minutes=15)


def test_a_relative_ca_file_is_relative_to_the_config_folder(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "opsaudit.yaml"
    (tmp_path / "conf" / "certs").mkdir(parents=True)
    make_server_tls(directory=tmp_path / "conf" / "certs").ca_file.rename(
        tmp_path / "conf" / "certs" / "ca.pem"
    )
    path.write_text("sources:\n  github: {repo: a/b, ca_file: certs/ca.pem}\n")
    config = load_config(path)
    assert config.sources.github is not None
    assert config.sources.github.ca_file == tmp_path / "conf" / "certs" / "ca.pem"


def test_a_missing_ca_file_names_the_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "opsaudit.yaml"
    path.write_text("sources:\n  github:\n    repo: a/b\n    ca_file: nowhere/ca.pem\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}:4: sources.github.ca_file: {tmp_path / 'nowhere' / 'ca.pem'} "
        "does not exist or is not a file"
    )


def test_a_ca_file_without_certificates_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate\n")
    path = tmp_path / "opsaudit.yaml"
    path.write_text("sources:\n  slack: {ca_file: ca.pem}\n")
    with pytest.raises(ConfigError, match=r"^.*:2: sources\.slack\.ca_file: .* no usable PEM"):
        load_config(path)


def test_a_file_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "opsaudit.yaml"
    path.write_bytes(b"sources:\n  slack: {incidents_channel: caf\xe9}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}:2: not UTF-8 text (byte 0xe9); save it as UTF-8"


def test_a_source_timeout_is_a_duration_with_a_default_of_two_hours() -> None:
    config = parse("sources:\n  slack: {timeout: 90s}\n  github: {repo: a/b}\n")
    assert config.sources.slack.timeout == timedelta(seconds=90)  # type: ignore[attr-defined]
    assert config.sources.github.timeout == timedelta(hours=2)  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", ["0s", "90", "2 hours", "8d", "-1m"])
def test_a_bad_source_timeout_names_the_key(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^opsaudit\.yaml:2: sources\.slack\.timeout: "):
        parse(f"sources:\n  slack: {{timeout: '{value}'}}\n")


def test_slack_api_url_gets_its_trailing_slash() -> None:
    config = parse("sources:\n  slack: {api_url: 'https://slack.example/api'}\n")
    assert config.sources.slack.api_url == "https://slack.example/api/"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("foo: 1\n", "opsaudit.yaml:1: foo: Extra inputs are not permitted"),
        (
            "sources:\n  pagerduty:\n    api_url: http://pd.local\n",
            "opsaudit.yaml:3: sources.pagerduty.api_url: must be an https:// URL",
        ),
        (
            "policy:\n  response:\n    Sev2: 15 minutes\n",
            "opsaudit.yaml:3: policy.response.Sev2: '15 minutes' is not a duration",
        ),
        ("policy:\n  timezone: Mars/Base\n", "opsaudit.yaml:2: policy.timezone: unknown time zone"),
        ("policy:\n  lookback_days: 0\n", "opsaudit.yaml:2: policy.lookback_days:"),
        ("policy:\n  severity_map: {P1: Sev9}\n", "opsaudit.yaml:2: policy.severity_map.P1:"),
        ("sources:\n  github: {path: x}\n", "opsaudit.yaml:2: sources.github.repo: Field required"),
        ("waivers:\n  - {rule: a}\n", "opsaudit.yaml:2: waivers.0.subject: Field required"),
        ("sources: [1\n", "opsaudit.yaml:2: expected ','"),
        ("- a\n- b\n", "opsaudit.yaml: the top level must be a mapping"),
    ],
)
def test_bad_values_name_the_file_the_line_and_the_key(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(text)
    message = str(caught.value)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.yaml")


def test_the_file_is_found_the_same_way_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from opsaudit.cli import main

    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    (here / "opsaudit.yaml").write_text("digest: {channel: from-cwd}\n", encoding="utf-8")
    (there / "ops.yaml").write_text("digest: {channel: from-env}\n", encoding="utf-8")
    monkeypatch.chdir(here)
    monkeypatch.delenv("OPSAUDIT_CONFIG", raising=False)
    assert load_config().digest.channel == "from-cwd"
    monkeypatch.setenv("OPSAUDIT_CONFIG", str(there / "ops.yaml"))
    assert load_config().digest.channel == "from-env"
    assert load_config(here / "opsaudit.yaml").digest.channel == "from-cwd"  # given wins
    monkeypatch.setenv("OPSAUDIT_CONFIG", str(there / "missing.yaml"))
    with pytest.raises(ConfigError, match=r"missing\.yaml: configuration file not found"):
        load_config()
    assert main(["sync"]) == 2  # the CLI looks the same way
    assert "from OPSAUDIT_CONFIG" in capsys.readouterr().err
    monkeypatch.delenv("OPSAUDIT_CONFIG")
    monkeypatch.chdir(there)
    with pytest.raises(ConfigError, match="no --config and no OPSAUDIT_CONFIG: looked in"):
        load_config()


def test_report_base_url_is_optional_and_must_be_an_http_url(tmp_path: Path) -> None:
    assert parse("").report.link("ops-sync-2026-W47.html") is None
    served = parse("report:\n  base_url: https://ops.example.com/reports/\n")
    link = served.report.link("ops-sync-2026-W47.html")
    assert link == "https://ops.example.com/reports/ops-sync-2026-W47.html"
    path = tmp_path / "opsaudit.yaml"
    path.write_text("report:\n  base_url: reports.example.com\n")
    with pytest.raises(ConfigError, match=r"^.*:2: report\.base_url: "):
        load_config(path)

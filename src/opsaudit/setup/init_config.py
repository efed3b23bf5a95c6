"""``opsaudit init``: a commented ``opsaudit.yaml`` to start from.

Values come from flags; the ones missing are asked for when standard input is a
terminal, else take their defaults. A source whose identifying value is not known (the
GitHub repository) is written commented out. The text is validated with the project's
own loader before it is written, and an existing file is kept unless ``force``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path

from opsaudit.config import DEFAULT_DATABASE_URL, ConfigError, parse_config

MAX_ASKS = 3  # tries at one question before giving up
_SUBDOMAIN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_CHANNEL = re.compile(r"[a-z0-9_-]{1,80}")  # Slack's channel names
_REPO = re.compile(r"[\w.-]{1,100}/[\w.-]{1,100}")
_FOLDER = re.compile(r"[^\s\\][^\\]{0,299}")


@dataclass(frozen=True)
class InitAnswers:
    """What ``init`` fills in; None is "not given" (asked for, or the default)."""

    pagerduty_subdomain: str | None = None
    incidents_channel: str | None = None
    digest_channel: str | None = None
    github_repo: str | None = None
    github_path: str | None = None
    database_url: str | None = None


# field -> (question, default, check); a check returns the cleaned value or None if bad
Question = tuple[str, str, Callable[[str], str | None]]


def _subdomain(text: str) -> str | None:
    # "acme", "acme.pagerduty.com" or "https://acme.pagerduty.com/" all mean acme
    name = text.strip().lower().removeprefix("https://").split(".", 1)[0].rstrip("/")
    return name if _SUBDOMAIN.fullmatch(name) else None


def _channel(text: str) -> str | None:
    name = text.strip().removeprefix("#")
    return name if _CHANNEL.fullmatch(name) else None


def _repo(text: str) -> str | None:
    name = text.strip().removeprefix("https://github.com/").strip("/")
    return name if _REPO.fullmatch(name) else None


def _folder(text: str) -> str | None:
    name = text.strip().strip("/")
    return name if _FOLDER.fullmatch(name) else None


def _url(text: str) -> str | None:
    return text.strip() if "://" in text and not any(c.isspace() for c in text.strip()) else None


QUESTIONS: dict[str, Question] = {
    "pagerduty_subdomain": ("PagerDuty subdomain (acme for acme.pagerduty.com)", "", _subdomain),
    "incidents_channel": ("Slack channel of incident summary posts", "incidents", _channel),
    "digest_channel": ("Slack channel for the violation digest", "ops-compliance", _channel),
    "github_repo": ("GitHub repository of the post-mortems (owner/name)", "", _repo),
    "github_path": ("its post-mortem folder", "docs/incidents", _folder),
    "database_url": ("database URL (SQLAlchemy)", DEFAULT_DATABASE_URL, _url),
}


def complete(
    answers: InitAnswers, *, ask: Callable[[str], str] | None, say: Callable[[str], None]
) -> InitAnswers:
    """``answers`` with every value checked and the missing ones asked for (``ask``) or
    defaulted; a bad flag, or bad answers :data:`MAX_ASKS` times, is a ConfigError."""
    done: dict[str, str] = {}
    for field in fields(InitAnswers):
        question, default, check = QUESTIONS[field.name]
        given = getattr(answers, field.name)
        flag = "--" + field.name.replace("_", "-")
        if given is not None:
            value = check(given) if given.strip() else ""
            if value is None:
                raise ConfigError(f"{flag}: {given!r} is not a valid {question.split(' (')[0]}")
            done[field.name] = value
            continue
        if field.name == "github_path" and not done.get("github_repo"):
            done[field.name] = default
            continue
        done[field.name] = _ask(question, default, check, ask=ask, say=say) if ask else default
    return replace(answers, **done)


def _ask(
    question: str,
    default: str,
    check: Callable[[str], str | None],
    *,
    ask: Callable[[str], str],
    say: Callable[[str], None],
) -> str:
    shown = f" [{default}]" if default else " [leave empty to skip]"
    for _ in range(MAX_ASKS):
        answer = ask(f"{question}{shown}: ").strip()
        if not answer:
            return default
        value = check(answer)
        if value is not None:
            return value
        say(f"  {answer!r} is not a valid answer")
    raise ConfigError(f"init: no valid answer to {question!r} after {MAX_ASKS} tries")


def render(answers: InitAnswers) -> str:
    """The commented configuration text for complete ``answers``."""
    q = json.dumps  # a JSON string is a YAML double-quoted scalar
    pd = answers.pagerduty_subdomain
    web_url = f"https://{pd}.pagerduty.com" if pd else "https://example.pagerduty.com"
    return TEMPLATE.format(
        database_url=q(answers.database_url or DEFAULT_DATABASE_URL),
        web_url=q(web_url),
        web_url_note="" if pd else "  # a placeholder: set your subdomain",
        incidents_channel=q(answers.incidents_channel or "incidents"),
        github=_github_block(answers),
        digest_channel=q(answers.digest_channel or "ops-compliance"),
    )


def refuse_overwrite(path: Path, *, force: bool) -> None:
    """A ConfigError when ``path`` exists and ``force`` is not given."""
    if path.exists() and not force:
        raise ConfigError(f"{path}: exists already; use --force to overwrite it")


def write_config(path: Path, answers: InitAnswers, *, force: bool) -> Path:
    """Validate the rendered text with the configuration loader, then write it."""
    refuse_overwrite(path, force=force)
    text = render(answers)
    parse_config(text, source=path)  # what init writes always loads
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _github_block(answers: InitAnswers) -> str:
    """The GitHub section: commented out, saying so, while no repository is known."""
    q = json.dumps
    path = q(answers.github_path or "docs/incidents")
    if answers.github_repo:
        return (
            "  github:\n"
            "    # the repository and folder holding the post-mortems (a Markdown file each)\n"
            f"    repo: {q(answers.github_repo)}\n"
            f"    path: {path}\n"
        )
    return (
        "  # GitHub is not configured yet (its checks are unknown): uncomment and set\n"
        "  # the repository and folder holding the post-mortems\n"
        "  # github:\n"
        '  #   repo: "example-org/ops-docs"\n'
        f"  #   path: {path}\n"
    )


TEMPLATE = """\
# opsaudit configuration, written by `opsaudit init`.
# Every command and flow finds it the same way: --config (a flow's `config`
# parameter), else the file named by $OPSAUDIT_CONFIG, else ./opsaudit.yaml.
# Check it with `opsaudit check-config`: it tries each source with one cheap call.
#
# Tokens never go in this file. Set them in the environment:
#   PAGERDUTY_API_TOKEN  a PagerDuty REST API key (read-only is enough)
#   SLACK_BOT_TOKEN      the Slack app's bot token (xoxb-...)
#   GITHUB_TOKEN         a GitHub token that can read the post-mortem repository
# Inside a Prefect flow run, the Secret blocks pagerduty-api-token, slack-bot-token
# and github-token are the fallback (`opsaudit sandbox secrets` creates them).

database:
  # where synced data and results are stored: any SQLAlchemy URL,
  # e.g. postgresql://opsaudit@db.internal/opsaudit in production
  url: {database_url}

# A source left out (or commented out) is not configured: its checks are unknown.
# Each source also takes api_url (GitHub Enterprise, a proxy), ca_file (a private CA,
# relative to this file; TLS verification is never off) and timeout (default 2h: all
# one source may take in one sync, retries and rate-limit waits included).
sources:
  pagerduty:
    # your account's web address: for links in reports and the digest
    web_url: {web_url}{web_url_note}
  slack:
    # the channel where incident summary posts (comms checks) are read
    incidents_channel: {incidents_channel}
{github}
# The CTO and service owners, for the escalation checks (PagerDuty user ids):
people: {{}}
#   cto: {{pagerduty_id: PXXXXXX, email: cto@example.com}}
services: {{}}
#   Checkout API: {{brand: shop, owner: {{pagerduty_id: PYYYYYY}}}}

# Overrides of the runbook's defaults; `opsaudit rules` lists every key and its value.
policy: {{}}

# Approved exceptions: {{rule, subject, reason, approved_by, expires}} each.
waivers: []

digest:
  # where `opsaudit digest` posts new violations (the bot must be in it)
  channel: {digest_channel}

report:
  # where `opsaudit report` writes the weekly ops-sync report
  output_dir: reports
"""

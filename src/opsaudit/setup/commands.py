"""The command line of getting started: ``opsaudit init``, ``check-config``,
``sandbox serve`` and ``sandbox secrets`` (wired into :mod:`opsaudit.cli`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

COMMANDS = ("init", "check-config", "sandbox")


def add_commands(commands: Any, *, config_help: str, instant: Callable[[str], datetime]) -> None:
    """Add the getting-started subcommands to ``commands`` (argparse's subparsers)."""
    init = commands.add_parser("init", help="write a commented opsaudit.yaml to start from")
    init.add_argument(
        "--output", type=Path, help="where (default: $OPSAUDIT_CONFIG, else ./opsaudit.yaml)"
    )
    init.add_argument("--pagerduty-subdomain", help="acme for acme.pagerduty.com")
    init.add_argument("--incidents-channel", help="Slack channel of summary posts (incidents)")
    init.add_argument("--digest-channel", help="Slack channel of the digest (ops-compliance)")
    init.add_argument("--github-repo", help="owner/name of the post-mortem repository")
    init.add_argument("--github-path", help="its post-mortem folder (docs/incidents)")
    init.add_argument("--database-url", help="SQLAlchemy URL of the store")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    check = commands.add_parser("check-config", help="try each configured source, say what works")
    check.add_argument("--config", type=Path, help=config_help)

    sandbox = commands.add_parser("sandbox", help="the built-in sandbox, for trying opsaudit")
    actions = sandbox.add_subparsers(dest="action", required=True, parser_class=type(sandbox))
    serve = actions.add_parser("serve", help="serve a generated organisation until stopped")
    serve.add_argument(
        "--port", type=int, default=0, help="port of 127.0.0.1 (default: a free one)"
    )
    serve.add_argument("--incidents", type=int, default=200, help="size of the generated org")
    serve.add_argument("--seed", type=int, default=7)
    serve.add_argument("--as-of", type=instant, help="the org's now (default: now)")
    serve.add_argument("--dir", type=Path, default=Path(".opsaudit/sandbox"), help="its files")
    serve.add_argument("--ready-file", type=Path, help="written (JSON) once it serves")
    secrets = actions.add_parser("secrets", help="create the Prefect Secret blocks of the tokens")
    secrets.add_argument(
        "--env-file", type=Path, help="read the tokens there (default: environment)"
    )


def run_command(args: argparse.Namespace) -> int:
    """Run one of :data:`COMMANDS`; ConfigError propagates (exit 2 in the CLI)."""
    from opsaudit.config import load_config

    if args.command == "init":
        return _init(args)
    if args.command == "check-config":
        from opsaudit.setup.check_config import check_config

        return check_config(load_config(args.config))
    if args.action == "serve":
        from opsaudit.sandbox.serve import serve_sandbox

        return serve_sandbox(
            port=args.port,
            incidents=args.incidents,
            seed=args.seed,
            directory=args.dir,
            as_of=args.as_of or datetime.now(UTC).replace(second=0, microsecond=0),
            ready_file=args.ready_file,
            say=lambda line: print(line, flush=True),
        )
    from opsaudit.setup.prefect_secrets import save_secret_blocks

    save_secret_blocks(env_file=args.env_file)
    return 0


def _init(args: argparse.Namespace) -> int:
    from opsaudit.config import config_path
    from opsaudit.setup.init_config import InitAnswers, complete, refuse_overwrite, write_config

    answers = InitAnswers(
        pagerduty_subdomain=args.pagerduty_subdomain,
        incidents_channel=args.incidents_channel,
        digest_channel=args.digest_channel,
        github_repo=args.github_repo,
        github_path=args.github_path,
        database_url=args.database_url,
    )
    path = config_path(args.output)
    refuse_overwrite(path, force=args.force)  # said before any question is asked
    ask = _ask if sys.stdin.isatty() else None
    answers = complete(answers, ask=ask, say=print)
    write_config(path, answers, force=args.force)
    print(f"wrote {path}; set the tokens, then try it: opsaudit check-config --config {path}")
    return 0


def _ask(question: str) -> str:
    """One answer from the terminal; end of input (Ctrl-D) stops init, writing nothing."""
    from opsaudit.config import ConfigError

    try:
        return input(question)
    except EOFError:
        print()
        raise ConfigError("init: stopped at end of input; nothing written") from None

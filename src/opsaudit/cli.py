"""``opsaudit``: the command line of ``interface.md``.

Exit status: 0 done; 2 bad usage or configuration (one line on stderr, no traceback);
3 done, but a source failed; 4 with ``--fail-on-violation`` and a violation; 1 anything
else.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from opsaudit.publish.formats import FORMATS
from opsaudit.setup.commands import COMMANDS, add_commands, run_command
from opsaudit.timeparse import parse_instant

# only what the parser needs is imported here, so that ``opsaudit --help`` is quick:
# the configuration (pydantic, the sources) loads once a command runs
if TYPE_CHECKING:
    from opsaudit.runtime import Runtime
    from opsaudit.weekly import ReportFiles

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_SOURCE_FAILED = 0, 1, 2, 3
CONFIG_HELP = "the configuration file (default: $OPSAUDIT_CONFIG, else ./opsaudit.yaml)"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # one clear line, exit 2, as interface.md wants (argparse prints the usage too)
        self.exit(EXIT_USAGE, f"opsaudit: {message}\n")


def _instant(text: str) -> datetime:
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="opsaudit", description="Audit incident response against the runbook.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sync = commands.add_parser("sync", help="pull PagerDuty, Slack and GitHub into the store")
    sync.add_argument("--config", type=Path, help=CONFIG_HELP)
    sync.add_argument("--since", type=_instant, help="start of the window (default: lookback)")
    sync.add_argument("--full", action="store_true", help="ignore the watermarks, fetch all")

    audit = commands.add_parser("audit", help="sync, evaluate every check, store and print")
    audit.add_argument("--config", type=Path, help=CONFIG_HELP)
    audit.add_argument("--since", type=_instant, help="window start (default: as-of - lookback)")
    audit.add_argument("--until", type=_instant, help="window end, exclusive (default: as-of)")
    audit.add_argument("--as-of", type=_instant, help='"now" for every deadline (default: now)')
    audit.add_argument("--format", choices=FORMATS, default="table")
    audit.add_argument("--output", type=Path, help="write there instead of standard output")
    audit.add_argument("--fail-on-violation", action="store_true", help="exit 4 on a violation")
    audit.add_argument(
        "--offline", action="store_true", help="evaluate what is stored, without syncing"
    )

    report = commands.add_parser("report", help="audit, then write the weekly ops-sync report")
    report.add_argument("--config", type=Path, help=CONFIG_HELP)
    report.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: the last complete one)")
    report.add_argument("--since", type=_instant, help="window start, instead of --week")
    report.add_argument("--until", type=_instant, help="window end (exclusive), with --since")
    report.add_argument("--as-of", type=_instant, help='"now" for every deadline (default: now)')
    report.add_argument(
        "--publish",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="also upload the report (HTML, Markdown) to the digest channel, once a period",
    )
    report.add_argument("--output-dir", type=Path, help="default: report.output_dir")
    report.add_argument("--offline", action="store_true", help="report on stored data only")

    digest = commands.add_parser("digest", help="post the new violations to Slack")
    digest.add_argument("--config", type=Path, help=CONFIG_HELP)
    digest.add_argument("--as-of", type=_instant, help='"now" for every deadline (default: now)')
    digest.add_argument("--dry-run", action="store_true", help="print the blocks, post nothing")

    rules = commands.add_parser("rules", help="the catalogue, with each check's policy values")
    rules.add_argument("--config", type=Path, help="show this configuration's policy values")

    demo = commands.add_parser("demo", help="the whole pipeline on the built-in sandbox")
    demo.add_argument("--incidents", type=int, default=200, help="size of the generated org")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--workdir", type=Path, default=Path(".opsaudit/demo"))
    add_commands(commands, config_help=CONFIG_HELP, instant=_instant)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    from opsaudit.config import ConfigError
    from opsaudit.secrets import Redactor, install_redaction

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    install_redaction()
    try:
        if args.command == "sync":
            return _sync(args)
        if args.command == "audit":
            return _audit(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "report":
            return _report(args)
        if args.command == "digest":
            return _digest(args)
        if args.command == "demo":
            from opsaudit.demo import run_demo

            return run_demo(incidents=args.incidents, seed=args.seed, workdir=args.workdir)
        if args.command in COMMANDS:
            return run_command(args)
    except ConfigError as exc:
        print(f"opsaudit: {Redactor.scrub(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("opsaudit: interrupted; what was stored is kept", file=sys.stderr)
        return EXIT_ERROR
    raise AssertionError(f"unhandled command {args.command}")


def _sync(args: argparse.Namespace) -> int:
    from opsaudit.audit import audit_window
    from opsaudit.config import load_config
    from opsaudit.runtime import open_runtime
    from opsaudit.secrets import resolve_tokens

    config = load_config(args.config)
    tokens = resolve_tokens(config)
    now = datetime.now(UTC)
    window = audit_window(config=config, as_of=now, since=args.since, until=None)
    with open_runtime(config) as runtime:
        report = runtime.sync(
            tokens=tokens, window=window, now=now, full=args.full, progress=_progress
        )
    for line in report.summary_lines():
        print(line)
    return EXIT_SOURCE_FAILED if report.failed else EXIT_OK


def _audit(args: argparse.Namespace) -> int:
    from opsaudit.audit import audit_window
    from opsaudit.config import load_config
    from opsaudit.measures import measure
    from opsaudit.publish.formats import render
    from opsaudit.runtime import run_audit
    from opsaudit.secrets import resolve_tokens

    config = load_config(args.config)
    tokens = {} if args.offline else resolve_tokens(config)
    as_of = args.as_of or datetime.now(UTC)
    window = audit_window(config=config, as_of=as_of, since=args.since, until=args.until)
    outcome = run_audit(
        config=config,
        tokens=tokens,
        window=window,
        as_of=as_of,
        offline=args.offline,
        progress=_progress,
    )
    metrics = measure(outcome) if args.format in ("table", "md") else None
    text = render(outcome.document, args.format, metrics=metrics)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        _progress(f"results written to {args.output}")
    else:
        sys.stdout.write(text)
    for name in outcome.failed_sources:
        _progress(f"opsaudit: the {name} source failed; its checks are unknown")
    return outcome.exit_code(fail_on_violation=args.fail_on_violation)


def _report(args: argparse.Namespace) -> int:
    from opsaudit.config import ConfigError, load_config
    from opsaudit.metrics import iso_week
    from opsaudit.runtime import open_runtime
    from opsaudit.secrets import resolve_tokens
    from opsaudit.sources.base import Window
    from opsaudit.weekly import default_week, parse_week, report_window, write_report

    if args.week and (args.since or args.until):
        raise ConfigError("give either --week or --since/--until, not both")
    if bool(args.since) != bool(args.until):
        raise ConfigError("--since and --until go together")
    config = load_config(args.config)
    as_of = args.as_of or datetime.now(UTC)
    try:
        week = parse_week(args.week) if args.week else default_week(as_of)
        window = Window(args.since, args.until) if args.since else None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if window is not None:
        week = iso_week(window.until - timedelta(microseconds=1))
    tokens = {} if args.offline and not args.publish else resolve_tokens(config)
    with open_runtime(config) as runtime:
        sources = runtime.statuses(
            tokens=tokens,
            window=report_window(week, window),
            offline=args.offline,
            progress=_progress,
        )
        files = write_report(
            runtime=runtime,
            week=week,
            as_of=as_of,
            sources=sources,
            output_dir=args.output_dir or config.report.output_dir,
            window=window,
        )
        for path in (files.markdown, files.html, files.evidence, files.manifest):
            print(path)
        published = _publish(runtime, files, tokens) if args.publish else EXIT_OK
    return 3 if files.outcome.failed_sources else published


def _publish(runtime: Runtime, files: ReportFiles, tokens: dict[str, str]) -> int:
    """Upload the written report; a chat workspace that refuses is one line and exit 1
    (the files stay written; no source failed)."""
    from opsaudit.posting import publish_report
    from opsaudit.sources.base import SourceError

    try:
        uploaded = publish_report(runtime=runtime, files=files, tokens=tokens)
    except SourceError as exc:
        _progress(f"opsaudit: the report is written but not published: {exc}")
        return EXIT_ERROR
    _progress(uploaded.describe(runtime.config.digest.channel))
    return EXIT_OK


def _digest(args: argparse.Namespace) -> int:
    import json

    from opsaudit.config import config_path, load_config
    from opsaudit.posting import chat_poster_for, digest_window, post_digest
    from opsaudit.runtime import open_runtime
    from opsaudit.secrets import resolve_tokens
    from opsaudit.sources.base import SourceError

    config = load_config(args.config)
    tokens = resolve_tokens(config)
    poster = chat_poster_for(config, tokens, why=f"{config_path(args.config)}: post the digest")
    as_of = args.as_of or datetime.now(UTC)
    with open_runtime(config) as runtime:
        sources = runtime.statuses(
            tokens=tokens,
            window=digest_window(config, as_of),
            offline=False,
            progress=_progress,
        )
        try:
            outcome, sent = post_digest(
                runtime=runtime, poster=poster, sources=sources, as_of=as_of, dry_run=args.dry_run
            )
        except SourceError as exc:  # the workspace refused: nothing is recorded as sent
            _progress(f"opsaudit: the digest is not posted: {exc}")
            return EXIT_ERROR
    for warning in sent.warnings:
        _progress(f"opsaudit: {warning}")
    if args.dry_run:
        print(json.dumps(sent.digest.as_json(), indent=2, ensure_ascii=False))
    elif sent.posted:
        _progress(f"digest posted to #{config.digest.channel} (ts {sent.ts})")
    else:
        _progress(f"nothing posted: {sent.reason.replace('_', ' ')}")
    return 3 if outcome.failed_sources else EXIT_OK


def _rules(args: argparse.Namespace) -> int:
    from opsaudit.config import load_config
    from opsaudit.publish.catalogue import render_catalogue

    policy = load_config(args.config).policy if args.config else None
    sys.stdout.write(render_catalogue(policy))
    return EXIT_OK


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


__all__ = ["build_parser", "main"]

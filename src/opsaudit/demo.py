"""``opsaudit demo``: the pipeline on the built-in sandbox, no credentials needed.

A seeded organisation is generated, served by the local HTTPS sandbox, and synced with
the same code, clients and configuration file a real deployment uses: only the URLs,
the CA file and the tokens point at the sandbox.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from opsaudit.auditrun import AuditRun
from opsaudit.config import load_config
from opsaudit.measures import measure
from opsaudit.metrics import iso_week
from opsaudit.publish.formats import render
from opsaudit.runtime import Runtime, open_runtime
from opsaudit.sandbox.org import GeneratedOrg, generate
from opsaudit.sandbox.server import Sandbox
from opsaudit.snapshot import SourceStatus
from opsaudit.sources.base import Window
from opsaudit.sources.table import SOURCES
from opsaudit.sync import SyncReport


def sandbox_config(*, org: GeneratedOrg, sandbox: Sandbox, database_url: str) -> dict[str, Any]:
    """An ``opsaudit.yaml`` mapping that points every source at ``sandbox``."""
    generated = org.config
    sources = generated.get("sources", {})
    ca = str(sandbox.ca_file)
    return {
        "database": {"url": database_url},
        "sources": {
            "pagerduty": {
                "api_url": sandbox.pagerduty_url,
                "web_url": "https://sandbox.pagerduty.com",
                "ca_file": ca,
            },
            "slack": {"api_url": sandbox.slack_url, "ca_file": ca, **sources.get("slack", {})},
            "github": {"api_url": sandbox.github_url, "ca_file": ca, **sources.get("github", {})},
        },
        "people": generated.get("people", {}),
        "services": generated.get("services", {}),
        "policy": generated.get("policy", {}),
        "waivers": generated.get("waivers", []),
        "digest": generated.get("digest", {"channel": "ops-compliance"}),
    }


def write_sandbox_config(
    path: Path,
    *,
    org: GeneratedOrg,
    sandbox: Sandbox,
    database_url: str,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write :func:`sandbox_config` (with the sections of ``extra`` added) to ``path``."""
    mapping = sandbox_config(org=org, sandbox=sandbox, database_url=database_url)
    path.write_text(yaml.safe_dump(mapping | (extra or {}), sort_keys=False), encoding="utf-8")
    return path


def run_demo(*, incidents: int, seed: int, workdir: Path) -> int:
    """Generate, serve, sync twice (full, then incremental), audit and print the results."""
    say = _say
    workdir.mkdir(parents=True, exist_ok=True)
    for name in ("opsaudit.db", "opsaudit.yaml"):  # a fresh start, but only our own files
        (workdir / name).unlink(missing_ok=True)
    say(f"generating an organisation: {incidents} incidents, seed {seed}")
    org = generate(seed=seed, incidents=incidents)
    with Sandbox(org.world) as sandbox:  # serves the flow at the end too
        config_path = write_sandbox_config(
            workdir / "opsaudit.yaml",
            org=org,
            sandbox=sandbox,
            database_url=f"sqlite:///{workdir / 'opsaudit.db'}",
        )
        config = load_config(config_path)
        tokens = {s.name: getattr(org.world.tokens, s.name) for s in SOURCES}
        window = Window(since=org.window[0], until=org.window[1])
        say(f"sandbox listening at {sandbox.pagerduty_url.rsplit('/', 1)[0]}")
        with open_runtime(config) as runtime:
            first = _timed_sync("first sync (full)", runtime, tokens=tokens, org=org, window=window)
            second = _timed_sync(
                "second sync (incremental)", runtime, tokens=tokens, org=org, window=window
            )
            total_first = sum(o.requests for o in first.outcomes.values())
            total_second = sum(o.requests for o in second.outcomes.values())
            share = 100.0 * total_second / total_first if total_first else 0.0
            say(
                f"incremental sync: {total_second} requests, "
                f"{share:.1f}% of the first's {total_first}"
            )
            outcome = _audit(runtime, org=org, window=window, sources=dict(second.outcomes))
        html = _weekly_report(config_path=config_path, org=org, output=workdir / "reports")
    say(f"store: {workdir / 'opsaudit.db'}  config: {config_path}")
    say(f"report: {html}")
    return outcome.exit_code(fail_on_violation=False)


def _weekly_report(*, config_path: Path, org: GeneratedOrg, output: Path) -> Path:
    """The weekly ops-sync flow (flows/weekly_ops_sync.py) for the as-of's week."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # the flow reads tokens as a deployment does: from the environment (here: the sandbox's)
    for source in SOURCES:
        os.environ[source.token_env] = getattr(org.world.tokens, source.name)
    flow_file = Path(__file__).resolve().parents[2] / "flows" / "weekly_ops_sync.py"
    spec = importlib.util.spec_from_file_location("opsaudit_flows_weekly_ops_sync", flow_file)
    if spec is None or spec.loader is None or not flow_file.is_file():
        raise FileNotFoundError(f"{flow_file}: the demo runs from a checkout of the repository")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    _say("\nthe weekly ops-sync flow (Prefect starts a temporary local server first):")
    summary = module.weekly_ops_sync(
        config=str(config_path),
        week=iso_week(org.as_of),
        as_of=org.as_of,
        output_dir=str(output),
    )
    return Path(summary["html"])


def _audit(
    runtime: Runtime, *, org: GeneratedOrg, window: Window, sources: dict[str, SourceStatus]
) -> AuditRun:
    """Evaluate the stored data at the org's as-of, print it, and compare with the plants."""
    outcome = runtime.evaluate(window=window, as_of=org.as_of, sources=sources)
    _say("")
    _say(render(outcome.document, "table", metrics=measure(outcome)))
    found = {(r.rule, r.subject.key) for r in outcome.results if r.status == "violation"}
    planted = {(p.rule, p.subject) for p in org.planted}
    _say(
        f"the generator planted {len(planted)} violations; the audit found {len(found)}: "
        f"{len(found & planted)} planted, {len(found - planted)} not planted, "
        f"{len(planted - found)} missed"
    )
    return outcome


def _timed_sync(
    title: str, runtime: Runtime, *, tokens: dict[str, str], org: GeneratedOrg, window: Window
) -> SyncReport:
    _say(f"{title}:")
    started = time.perf_counter()
    report = runtime.sync(tokens=tokens, window=window, now=org.as_of)
    for line in report.summary_lines():
        _say(f"  {line}")
    _say(f"  took {time.perf_counter() - started:.1f} s")
    return report


def _say(message: str) -> None:
    print(message, file=sys.stdout, flush=True)

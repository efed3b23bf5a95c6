"""Sync benchmark: a generated organisation of N incidents, synced in full, then again.

    .venv/bin/python benchmarks/sync_benchmark.py --incidents 100000

Prints, for each sync, the wall time and the requests each API received (the sandbox's
own count), and the second sync's share of the first. Targets live here, not in unit
tests: a second sync of an unchanged organisation stays under 10% of the first.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

from opsaudit.config import load_config
from opsaudit.demo import sandbox_config
from opsaudit.runtime import open_runtime
from opsaudit.sandbox.org import generate
from opsaudit.sandbox.server import Sandbox
from opsaudit.sources.base import Window

APIS = ("pagerduty", "slack", "github")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    started = time.perf_counter()
    org = generate(seed=args.seed, incidents=args.incidents, weeks=args.weeks)
    print(f"generated {args.incidents:,} incidents in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp, Sandbox(org.world) as sandbox:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        path = Path(tmp) / "opsaudit.yaml"
        mapping = sandbox_config(org=org, sandbox=sandbox, database_url=url)
        path.write_text(yaml.safe_dump(mapping), encoding="utf-8")
        config = load_config(path)
        tokens = {api: getattr(org.world.tokens, api) for api in APIS}
        window = Window(since=org.window[0], until=org.window[1])
        totals = []
        for title, full in (("first sync (full)", True), ("second sync (unchanged)", False)):
            sandbox.reset_counts()
            began = time.perf_counter()
            with open_runtime(config) as runtime:
                report = runtime.sync(tokens=tokens, window=window, now=org.as_of, full=full)
            elapsed = time.perf_counter() - began
            counts = {api: sandbox.counts[api] for api in APIS}
            totals.append(sum(counts.values()))
            detail = "  ".join(f"{api} {n:,}" for api, n in counts.items())
            print(f"{title:<24} {elapsed:7.1f} s  {totals[-1]:>7,} requests  ({detail})")
            if report.failed:
                for name in report.failed:
                    print(f"  {name} failed: {report.outcomes[name].error}", file=sys.stderr)
                return 1
    share = 100.0 * totals[1] / totals[0]
    print(f"second sync: {share:.2f}% of the first's requests (target: at most 10%)")
    return 0 if share <= 10.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Audit benchmark: ``opsaudit audit --offline`` over a synced organisation of N incidents.

    .venv/bin/python benchmarks/audit_benchmark.py --incidents 10000 [--workdir DIR]
    .venv/bin/python benchmarks/audit_benchmark.py --incidents 10000 --profile audit.prof

The organisation is generated, served by the sandbox and synced once into a SQLite file
in ``--workdir`` (kept, so later runs only audit); then ``opsaudit audit --offline`` runs
in a child process, and its wall time and peak memory (max RSS) are printed. With
``--profile`` the child runs under cProfile and writes its statistics there.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
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


def prepare(*, incidents: int, seed: int, workdir: Path) -> dict[str, str]:
    """Generate and sync once into ``workdir``; the audit's arguments (kept in a file)."""
    meta = workdir / "audit.json"
    if meta.exists():
        found: dict[str, str] = json.loads(meta.read_text(encoding="utf-8"))
        return found
    workdir.mkdir(parents=True, exist_ok=True)
    org = generate(seed=seed, incidents=incidents)
    with Sandbox(org.world) as sandbox:
        url = f"sqlite:///{workdir / 'opsaudit.db'}"
        path = workdir / "opsaudit.yaml"
        mapping = sandbox_config(org=org, sandbox=sandbox, database_url=url)
        # the sandbox's CA goes with it: keep a copy, so the configuration stays valid
        ca_file = workdir / "sandbox-ca.pem"
        shutil.copyfile(sandbox.ca_file, ca_file)
        for section in mapping["sources"].values():
            section["ca_file"] = str(ca_file)
        path.write_text(yaml.safe_dump(mapping), encoding="utf-8")
        tokens = {api: getattr(org.world.tokens, api) for api in APIS}
        window = Window(since=org.window[0], until=org.window[1])
        began = time.perf_counter()
        with open_runtime(load_config(path)) as runtime:
            report = runtime.sync(tokens=tokens, window=window, now=org.as_of, full=True)
        if report.failed:
            raise SystemExit(f"sync failed: {sorted(report.failed)}")
        print(f"synced {incidents:,} incidents in {time.perf_counter() - began:.1f} s")
    args = {
        "config": str(path),
        "since": org.window[0].isoformat(),
        "until": org.window[1].isoformat(),
        "as_of": org.as_of.isoformat(),
    }
    meta.write_text(json.dumps(args), encoding="utf-8")
    return args


def audit_offline(args: dict[str, str], *, profile: str | None) -> tuple[float, float, float]:
    """Run ``opsaudit audit --offline`` in a child; its wall time and CPU time (s), and
    its peak RSS (MB). CPU time holds still on a busy machine; wall time does not."""
    command = [sys.executable]
    if profile:
        command += ["-m", "cProfile", "-o", profile]
    command += [str(Path(sys.executable).parent / "opsaudit"), "audit", "--offline"]
    command += ["--format", "json"]
    command += ["--config", args["config"], "--since", args["since"]]
    command += ["--until", args["until"], "--as-of", args["as_of"]]
    cpu = _children_cpu()
    began = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - began
    if done.returncode not in (0, 3):
        raise SystemExit(f"audit exited {done.returncode}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, _children_cpu() - cpu, peak_kb / 1024


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, help="default: .opsaudit/bench/audit-<N>")
    parser.add_argument("--profile", help="write cProfile statistics of the audit there")
    opts = parser.parse_args()
    workdir = opts.workdir or Path(".opsaudit/bench") / f"audit-{opts.incidents}"
    args = prepare(incidents=opts.incidents, seed=opts.seed, workdir=workdir)
    wall, cpu, peak = audit_offline(args, profile=opts.profile)
    print(
        f"audit --offline, {opts.incidents:,} incidents: {wall:.1f} s wall, {cpu:.1f} s CPU, "
        f"peak RSS {peak:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

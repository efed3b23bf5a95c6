"""Every deployment of prefect.yaml, served from this one process: no work pool, no worker.

    export PREFECT_API_URL=http://127.0.0.1:4200/api   # a Prefect server, or Prefect Cloud
    python flows/serve.py [--limit 2]

For a small team on one machine. The deployments, their schedules, run forms and
concurrency limits are read from prefect.yaml, so the two ways of running never disagree;
each flow run is a subprocess of this one, in the repository's folder (where
``opsaudit.yaml`` is looked for, unless ``OPSAUDIT_CONFIG`` or a run's ``config`` says
otherwise). Stop it with Ctrl-C: its deployments are paused until it serves again.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import yaml
from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.flows import load_flow_from_entrypoint
from prefect.schedules import Cron, Schedule

ROOT = Path(__file__).resolve().parents[1]


def deployments(spec_path: Path = ROOT / "prefect.yaml") -> list[RunnerDeployment]:
    """prefect.yaml's deployments as runner deployments of this process."""
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    return [_deployment(entry) for entry in spec["deployments"]]


def _deployment(entry: dict[str, Any]) -> RunnerDeployment:
    flow = load_flow_from_entrypoint(str(ROOT / entry["entrypoint"]))
    return flow.to_deployment(
        name=entry["name"],
        description=entry.get("description"),
        tags=entry.get("tags"),
        parameters=entry.get("parameters"),
        schedules=[_schedule(s) for s in entry.get("schedules") or []],
        concurrency_limit=entry.get("concurrency_limit"),
    )


def _schedule(entry: dict[str, Any]) -> Schedule:
    return Cron(entry["cron"], timezone=entry.get("timezone"), active=entry.get("active", True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--limit", type=int, default=2, help="flow runs at once (default 2)")
    args = parser.parse_args()
    os.chdir(ROOT)  # the runs' working directory: where opsaudit.yaml is looked for
    serve(*deployments(), limit=args.limit)


if __name__ == "__main__":
    main()

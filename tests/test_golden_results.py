"""The JSON results of one fixed organisation, kept byte for byte.

Refactors must not change what the audit says: the same generated organisation
(seed 11, 40 incidents), synced through the sandbox and audited at its as-of with one
waiver and one policy override, gives exactly the bytes of
``data/golden/results-seed11.json``. A change of behaviour that is meant shows up as a
diff of that file; regenerate it with ``OPSAUDIT_BLESS=1 pytest tests/test_golden_results.py``
and review the diff like code.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from opsaudit.config import load_config
from opsaudit.runtime import run_audit
from opsaudit.sandbox.org import generate
from opsaudit.sandbox.server import Sandbox
from opsaudit.sources.base import RetryPolicy, Window
from sync_fixtures import write_config

GOLDEN = Path(__file__).parent / "data" / "golden" / "results-seed11.json"
FAST = RetryPolicy(attempts=3, backoff=0.01, max_wait=0.5)


def test_the_results_of_a_fixed_organisation_are_byte_identical(tmp_path: Path) -> None:
    org = generate(seed=11, incidents=40)
    planted = {p.rule: p.subject for p in org.planted}
    with Sandbox(org.world) as sandbox:
        _, path = write_config(org=org, sandbox=sandbox, folder=tmp_path)
        mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
        # a waived violation and a policy the generator did not choose: both paths kept too
        mapping["waivers"] = [
            {
                "rule": "warroom.opened",
                "subject": planted["warroom.opened"],
                "reason": "Slack outage",
                "approved_by": "cto@example.com",
                "expires": "2099-01-01",
            }
        ]
        mapping["policy"] = {**mapping.get("policy", {}), "response": {"Sev4": None}}
        path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
        outcome = run_audit(
            config=load_config(path),
            tokens={n: getattr(org.world.tokens, n) for n in ("pagerduty", "slack", "github")},
            window=Window(*org.window),
            as_of=org.as_of,
            retry=FAST,
        )
    text = outcome.to_json()
    if os.environ.get("OPSAUDIT_BLESS") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    statuses = {r.status for r in outcome.results}
    assert statuses == {"pass", "violation", "pending", "waived", "unknown"}
    assert text == GOLDEN.read_text(encoding="utf-8")

"""``opsaudit check-config``: each configured source tried with a cheap call or two
(:mod:`opsaudit.sources.probes`), a line per finding: ``ok`` or ``FAIL`` and what to fix."""

from __future__ import annotations

import os
from collections.abc import Callable

from opsaudit.config import Config
from opsaudit.secrets import TOKENS, Redactor
from opsaudit.sources.probes import Finding, probe
from opsaudit.sync import short_line

EXIT_OK, EXIT_FAILED = 0, 3


def check_config(config: Config, *, say: Callable[[str], None] = print) -> int:
    """Try every configured source; 0 when all work, 3 when any finding failed."""
    configured = config.sources.configured()
    say(f"{'ok':<4}  {'config':<9}  {config.file}: {len(configured)} sources configured")
    failed = False
    for spec in TOKENS:
        if spec.source not in configured:
            say(f"{'--':<4}  {spec.source:<9}  not configured: its checks are unknown")
            continue
        token = os.environ.get(spec.env, "").strip()
        if not token:
            findings = [Finding(spec.source, False, f"{spec.env} is not set")]
        else:
            Redactor.register(token)
            findings = probe(spec.source, config, token)
        for finding in findings:
            failed = failed or not finding.ok
            status = "ok" if finding.ok else "FAIL"
            say(f"{status:<4}  {finding.source:<9}  {short_line(finding.text)}")
    return EXIT_FAILED if failed else EXIT_OK

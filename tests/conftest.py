"""Suite-wide settings: Prefect runs in a throwaway home, never against a real server."""

from __future__ import annotations

import os
import tempfile

# Before anything imports prefect: a private home, no analytics, no API server.
_PREFECT_HOME = tempfile.mkdtemp(prefix="opsaudit-prefect-")
os.environ.setdefault("PREFECT_HOME", _PREFECT_HOME)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
os.environ.pop("PREFECT_API_URL", None)
for _token in ("PAGERDUTY_API_TOKEN", "SLACK_BOT_TOKEN", "GITHUB_TOKEN"):
    os.environ.pop(_token, None)

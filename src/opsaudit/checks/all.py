"""Importing this module registers every check (one module per area of the runbook)."""

import opsaudit.checks.action_items
import opsaudit.checks.comms
import opsaudit.checks.escalation
import opsaudit.checks.postmortem
import opsaudit.checks.postmortem_content
import opsaudit.checks.postmortem_file
import opsaudit.checks.response
import opsaudit.checks.warroom  # noqa: F401

"""PagerDuty's directory for the generated organisation: teams, users, escalation
policies, services (each with a Datadog integration) and priorities."""

from __future__ import annotations

from opsaudit.sandbox.org_common import pd_ref
from opsaudit.sandbox.org_pagerduty_cases import integration_ref
from opsaudit.sandbox.org_people import TEAMS, Directory
from opsaudit.sandbox.state import JSON, PagerDutyWorld


def fill_directory(pd: PagerDutyWorld, d: Directory) -> None:
    """Teams, users, escalation policies, services and priorities."""
    for tid, name in zip(d.team_ids, TEAMS, strict=True):
        pd.teams.append(
            pd_ref("team", tid, name)
            | {"type": "team", "name": name, "description": f"{name} engineering"}
        )
    for p in [*d.oncall, *d.managers, d.cto]:
        pd.users.append(
            p.ref()
            | {
                "type": "user",
                "name": p.name,
                "email": p.email,
                "time_zone": "Etc/UTC",
                "color": "green",
                "role": "user" if p.title != "CTO" else "admin",
                "job_title": p.title,
                "description": "",
                "invitation_sent": False,
                "contact_methods": [],
                "notification_rules": [],
                "teams": [team_ref(d, p.team)],
            }
        )
    for team, (pid, name) in enumerate(zip(d.policy_ids, TEAMS, strict=True)):
        crew = d.team_oncall(team)
        pd.escalation_policies.append(
            pd_ref("escalation_policy", pid, f"{name} on-call")
            | {
                "type": "escalation_policy",
                "name": f"{name} on-call",
                "num_loops": 1,
                "on_call_handoff_notifications": "if_has_services",
                "escalation_rules": [
                    {
                        "id": f"{pid}{level}",
                        "escalation_delay_in_minutes": 10,
                        "targets": [u.ref() for u in crew[level::2]],
                    }
                    for level in (0, 1)
                ],
                "services": [s.ref() for s in d.services if s.team == team],
                "teams": [team_ref(d, team)],
            }
        )
    for s in d.services:
        pd.services.append(
            s.ref()
            | {
                "type": "service",
                "name": s.name,
                "description": f"{s.name} ({s.brand})",
                "status": "active",
                "auto_resolve_timeout": 14400,
                "acknowledgement_timeout": 1800,
                "created_at": "2024-01-15T10:00:00Z",
                "alert_creation": "create_alerts_and_incidents",
                "escalation_policy": pd_ref("escalation_policy", s.policy_id, "on-call"),
                "teams": [team_ref(d, s.team)],
                "integrations": [integration_ref(s)],
                "incident_urgency_rule": {"type": "constant", "urgency": "high"},
            }
        )
    pd.priorities.extend(d.priorities)


def team_ref(d: Directory, team: int) -> JSON:
    """The team's ``team_reference``."""
    return pd_ref("team", d.team_ids[team], TEAMS[team])

"""PagerDuty as real accounts log it: the cases the generator plants on a few plans.

Real accounts log acknowledgements by integrations, resolutions by monitoring tools and
by the service's auto-resolve timeout, and first assignments that lag the trigger
(urgency rules, support hours, alert grouping). ``rules.md`` ("Real-world data,
settled") rules on each; every case is planted with the result it must give, chosen
so that misreading the log gives another one:

- ``integration_ack``: Datadog acknowledges a Sev1/Sev2 a minute after the trigger, the
  person only after the response time (40 min): ``response.ack`` violation (planted).
- ``integration_ack_ok``: the same early integration ack, the person in time: pass.
- ``timeout_resolve``: a Sev3/Sev4 nobody acknowledged, resolved by the service's
  auto-resolve timeout (4 h): ``response.ack`` violation (planted).
- ``monitor_resolve``: a Sev3/Sev4 nobody acknowledged, resolved by Datadog when its
  condition cleared, within the response time: pass.
- ``delayed_assign``: a Sev1/Sev2 whose first assignment (the primary's) came minutes
  after the trigger, with no escalation and a resolution after 30 min:
  ``escalation.secondary`` violation (planted).

The cases are picked with their own random generator and rendered without a draw
from the organisation's (an added entry's id comes from its incident's, a dropped ack
still makes its draws), so everything else stays as the seed makes it; in an
organisation too small to hold a case, it is left out.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from opsaudit.sandbox.org_common import MIN, PD_API, PD_WEB, Plan, Svc
from opsaudit.sandbox.state import JSON

INTEGRATION = "Datadog"
AUTO_RESOLVE = timedelta(seconds=14400)  # every generated service's auto_resolve_timeout
INTEGRATION_ACK_AFTER = MIN  # Datadog's ack, a minute after the trigger
ASSIGN_DELAY = 6 * MIN  # the delayed primary's assignment
# cases nobody acknowledges: the plan keeps its ack time, the rendering drops the ack
UNACKNOWLEDGED = ("timeout_resolve", "monitor_resolve")
ESCALATING = ("escalate", "assign", "delegate", "responder", "repeat")
CASES = (
    "integration_ack",
    "delayed_assign",
    "timeout_resolve",
    "monitor_resolve",
    "integration_ack_ok",
)


def integration_ref(service: Svc) -> JSON:
    """The service's Datadog integration (Events API v2), as a log entry's agent."""
    iid = f"{service.pd_id}I"  # eight characters: no generated id has as many
    return {
        "id": iid,
        "type": "events_api_v2_inbound_integration_reference",
        "summary": INTEGRATION,
        "self": f"{PD_API}/services/{service.pd_id}/integrations/{iid}",
        "html_url": f"{PD_WEB}/services/{service.pd_id}/integrations/{iid}",
    }


def plant_cases(plans: list[Plan], *, now: datetime, seed: int) -> None:
    """Give each case to one fitting plan (a closed, audited one with no fault yet)."""
    rng = random.Random(f"pagerduty-cases-{seed}")
    for case in CASES:
        options = [p for p in plans if _fits(case, p, now)]
        # Sev2 first where either fits: the war rooms' cases are Sev1's
        options = [p for p in options if p.sev != 1] or options
        if options:
            _apply(case, rng.choice(options))


def _fits(case: str, plan: Plan, now: datetime) -> bool:
    duration = plan.duration
    if plan.kind != "normal" or plan.fault or plan.pd_case or duration is None:
        return False
    if plan.created + duration > now - timedelta(days=5):
        return False  # every deadline, Sev4's next business day too, is behind as-of
    minutes = duration / MIN
    if case in ("integration_ack", "delayed_assign"):
        # resolved after the person's late ack (40 min), or after the 30 min to escalate
        return plan.sev in (1, 2) and minutes >= (50 if case == "integration_ack" else 34)
    if case == "integration_ack_ok":
        return plan.sev in (1, 2) and plan.ack_after is not None and plan.ack_after > 2 * MIN
    # nobody acknowledges: the plan's ack, dropped when rendered (its draws still made),
    # must come before either resolution, as it did before the case
    ack = plan.ack_after
    return plan.sev in (3, 4) and ack is not None and ack < min(duration, 3 * 60 * MIN)


def _apply(case: str, plan: Plan) -> None:
    plan.pd_case = case
    if case == "integration_ack":
        plan.fault = "response.ack"
        plan.ack_after = 40 * MIN  # Sev1: 15 min, Sev2: 30 min
    elif case == "delayed_assign":
        plan.fault = "escalation.secondary"
        plan.ack_after = ASSIGN_DELAY + 2 * MIN
        # no escalation by the deadline: the one planned comes after it
        late = plan.created + 33 * MIN
        plan.steps = [
            replace(s, at=late) if s.kind in ESCALATING and s.at < late else s for s in plan.steps
        ]
    elif case == "timeout_resolve":
        plan.fault = "response.ack"
        plan.duration = AUTO_RESOLVE
    elif case == "monitor_resolve":
        assert plan.duration is not None
        plan.duration = min(plan.duration, 3 * 60 * MIN)  # Sev3: within 4 h

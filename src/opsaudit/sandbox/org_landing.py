"""How the generated post-mortems reach the default branch: pushed, merged with a merge
commit, squashed or rebased, with the committer time that counts (rules.md, "When a
post-mortem landed") and the author or branch-commit time that does not."""

from __future__ import annotations

from datetime import datetime, timedelta

from opsaudit.sandbox.org_common import Plan, postmortem_due
from opsaudit.sandbox.org_github import PostMortem

REALISTIC = 20  # incidents: from this many, a late merged post-mortem is always planted


def plant_a_late_merge(plans: list[Plan], now: datetime) -> None:
    """Make sure a realistic organisation has a ``postmortem.late``: the first one is
    merged with a merge commit whose branch commit was in time (see :func:`arrival`).
    The first compliant Sev1/Sev2 incident resolved long enough ago gets the fault."""
    if len(plans) < REALISTIC or any(p.fault == "postmortem.late" for p in plans):
        return
    for plan in plans:
        resolved = plan.resolved
        if (
            plan.kind == "normal"
            and plan.sev in (1, 2)
            and plan.fault is None
            and plan.pm_fault is None
            and resolved is not None
            and postmortem_due(resolved) < now - timedelta(hours=3)
        ):
            plan.fault = "postmortem.late"
            return


def arrival(pm: PostMortem, resolved: datetime, n: int, *, late: bool) -> None:
    """How the ``n``-th post-mortem of its kind reaches the default branch at ``landed``.

    Late ones: by a pull request merged with a merge commit, whose branch commit was made
    in time (20 min after the resolution, more than the sync's 7-day look-back before
    the merge); by a rebase authored in time; or pushed late. In time: merged (the
    branch commit 5 h before), squashed or rebased (authored a day before), or pushed.
    Only the committer time of the commit on the
    default branch counts (rules.md), so each late one stays a ``postmortem.late``.
    """
    landed = pm.landed
    if late:
        style = ("merge", "rebase", "push")[n % 3]
        written = resolved + (timedelta(minutes=20) if style == "merge" else timedelta(0))
        if style == "rebase":
            written = postmortem_due(resolved) - timedelta(hours=1)
    else:
        style = ("merge", "squash", "rebase", "push")[n % 4]
        back = timedelta(hours=5) if style == "merge" else timedelta(days=1)
        written = max(resolved + timedelta(minutes=10), landed - back)
    if style != "push":
        pm.style, pm.written = style, min(written, landed - timedelta(minutes=1))

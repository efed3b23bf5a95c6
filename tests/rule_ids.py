"""The check ids of rules.md, copied by hand: tests must not read files outside the repo."""

RULE_IDS = frozenset(
    {
        "incident.severity",
        "response.ack",
        "escalation.secondary",
        "escalation.leadership",
        "warroom.opened",
        "warroom.cadence",
        "comms.initial",
        "comms.template",
        "comms.next_update",
        "postmortem.missing",
        "postmortem.late",
        "postmortem.unlinked",
        "postmortem.filename",
        "postmortem.sections",
        "postmortem.timeline",
        "postmortem.action_items",
        "postmortem.blameless",
        "action_item.overdue",
    }
)

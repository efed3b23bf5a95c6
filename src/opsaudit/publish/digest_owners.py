"""Who owns a result, as e-mail addresses the digest can look up in Slack.

An incident's owner is its service's ``owner`` in the configuration (a ``Person``: its
``email``, else its ``pagerduty_id``'s PagerDuty user's e-mail). A post-mortem's owners
are the owners of the services of the incidents it links to; an action item's are those
plus its own owner when that is written as an e-mail address. Pure: everything is read
from the audit's context.
"""

from __future__ import annotations

import re
from functools import cached_property

from opsaudit.audit import AuditOutcome
from opsaudit.checks.context import Context
from opsaudit.checks.model import Result
from opsaudit.config import Person
from opsaudit.parsing.postmortem import ActionItem
from opsaudit.records import Incident
from opsaudit.snapshot import PostMortemFile

_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"']+@[^@\s<>()\[\],;:\"']+\.[A-Za-z]{2,}")
ACTION_ITEMS = "Action items"  # the policy's section name, as the action-item check reads it


class OwnerIndex:
    """Owners of many results of one audit; the lookups' tables are built once."""

    def __init__(self, context: Context) -> None:
        self.ctx = context
        self._items: dict[str, list[ActionItem]] = {}

    @cached_property
    def _incidents(self) -> dict[str, Incident]:
        return {i.id: i for i in self.ctx.snapshot.incidents}

    @cached_property
    def _files(self) -> dict[str, PostMortemFile]:
        return {f.path: f for f in self.ctx.snapshot.postmortems}

    def emails(self, result: Result) -> list[str]:
        """The owners' addresses (lower case, first seen first, no repeats)."""
        subject = result.subject
        found: list[str | None] = []
        if subject.kind == "incident":
            found.append(self._incident_owner(subject.key))
        else:
            path = subject.key.rsplit("#", 1)[0] if subject.kind == "action_item" else subject.key
            file = self._files.get(path)
            if file is not None:
                found.extend(self._incident_owner(i.id) for i in self.ctx.incidents_of(file))
                if subject.kind == "action_item":
                    found.append(self._item_owner(file, subject.key))
        return list(dict.fromkeys(e for e in found if e))

    def _incident_owner(self, incident_id: str) -> str | None:
        incident = self._incidents.get(incident_id)
        if incident is None:
            return None
        return self._person_email(self.ctx.view(incident).owner)

    def _person_email(self, person: Person | None) -> str | None:
        if person is None:
            return None
        if person.email:
            return person.email.strip().lower()
        user = self.ctx.snapshot.users.get(person.pagerduty_id or "")
        return user.email.strip().lower() if user is not None and user.email else None

    def _item_owner(self, file: PostMortemFile, key: str) -> str | None:
        index = key.rsplit("#", 1)[-1]
        if not index.isdigit():
            return None
        item = next((i for i in self._action_items(file) if i.index == int(index)), None)
        if item is None or not item.owner:
            return None
        match = _EMAIL.search(item.owner)
        return match.group(0).lower() if match else None

    def _action_items(self, file: PostMortemFile) -> list[ActionItem]:
        # parsed as the action-item check parses them, once per file
        if file.path not in self._items:
            aliases = self.ctx.policy.postmortem.sections.get(ACTION_ITEMS)
            doc = self.ctx.documents.get(file.path)
            items = None
            if aliases is not None and doc is not None:
                items = doc.action_items(
                    aliases,
                    repo=self.ctx.settings.github_repo or "",
                    github_web=self.ctx.settings.github_web,
                    placeholders=self.ctx.policy.postmortem.placeholders,
                )
            self._items[file.path] = items or []
        return self._items[file.path]


def owner_emails(outcome: AuditOutcome, result: Result) -> list[str]:
    """The e-mail addresses of ``result``'s owners (see the module docstring).

    For many results build one :class:`OwnerIndex` and ask it: this builds one per call.
    """
    return OwnerIndex(outcome.context).emails(result)

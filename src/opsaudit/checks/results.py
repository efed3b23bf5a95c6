"""Who owns a result, as publishers need it (the views make the results themselves).

Owners are e-mail addresses (lower case, first seen first, no repeats): an incident's is
its service's owner; a post-mortem's are the owners of the services of the incidents it
links to; an action item's are those plus its own owner when written as an address. The
action item's owner as written is kept too (``Result.owner``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from opsaudit.checks.model import Evidence, Result, Status, Subject

if TYPE_CHECKING:
    from opsaudit.checks.views import PostMortemView

_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"']+@[^@\s<>()\[\],;:\"']+\.[A-Za-z]{2,}")


def action_item_result(
    view: PostMortemView,
    rule: str,
    status: Status,
    message: str,
    *,
    subject: Subject,
    owner: str | None,
    deadline: datetime | None = None,
    evidence: tuple[Evidence, ...] = (),
) -> Result:
    """A result about one action item of a post-mortem, owned by the post-mortem's owners
    and by the item's own owner when it is written as an e-mail address."""
    found = view.result(rule, status, message, deadline=deadline, evidence=evidence)
    owners = unique([*view.owners, email_in(owner)])
    return replace(found, subject=subject, owners=owners, owner=owner)


def email_in(text: str | None) -> str | None:
    """The first e-mail address written in ``text`` (lower case), if any."""
    match = _EMAIL.search(text or "")
    return match.group(0).lower() if match else None


def unique(found: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e for e in found if e))

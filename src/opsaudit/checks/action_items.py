"""Action items after the post-mortem: done by their due date ("Action items with owners +
due dates").

Unlike the post-mortem checks, this one looks at every post-mortem of the repository at
the as-of time, not only the audit window's: an item promised months ago is still owed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from opsaudit.checks.context import Context
from opsaudit.checks.model import Result, Status, Subject
from opsaudit.checks.results import action_item_result
from opsaudit.checks.spec import check, unset_message
from opsaudit.parsing.links import IssueRef
from opsaudit.parsing.postmortem import ActionItem
from opsaudit.records import WorkItem
from opsaudit.snapshot import PostMortemFile

RULE = "action_item.overdue"
TITLE_LENGTH = 80


@check(
    RULE,
    title="Action items are done by their due date",
    subject="action_item",
    group="action_item",
    runbook="Action items with owners + due dates",
    needs=("documents", "tracker"),
    policy=("postmortem.sections", "timezone", "postmortem.max_bytes"),
    deadline=True,
)
def overdue(ctx: Context) -> Iterator[Result]:
    """Every action item with a due date, in every post-mortem of the repository, passes
    when done: its box is checked, its Status says done, closed or complete, or all the
    issues and pull requests it links are closed (a pull request also when merged). A
    violation is an item not done when its due date has ended (23:59:59.999999 in the
    policy timezone) at or before the as-of time; pending, when it ends later. A linked
    issue that could not be read makes the result unknown, unless the text says done.
    A post-mortem larger than ``postmortem.max_bytes`` or not valid UTF-8 is not parsed:
    one unknown result stands for its action items (key ``<path>#*``).
    """
    for file in ctx.snapshot.postmortems:
        if ctx.unparsed(file) is not None:
            yield _unparsed(ctx, file)
            continue
        for item in ctx.action_items(file) or []:
            if item.due is not None:
                yield _judge(ctx, file, item, due=item.due)


def _judge(ctx: Context, file: PostMortemFile, item: ActionItem, *, due: date) -> Result:
    states = [(ref, ctx.snapshot.issue(ref.repo, ref.number)) for ref in item.links]
    issues = (ctx.links.issue(ref, state) for ref, state in states)
    evidence = (ctx.links.document(file, item.line), *issues)

    def result(status: Status, message: str, deadline: datetime | None = None) -> Result:
        return action_item_result(
            ctx.postmortem_view(file),
            RULE,
            status,
            message,
            subject=_subject(ctx, file, item),
            owner=item.owner,
            deadline=deadline,
            evidence=evidence,
        )

    if item.done_by_text:
        return result("pass", f"Done ({_how_done(item)}); it was due {due}.")
    unread = [ref for ref, state in states if state is None]
    if unread:
        names = ", ".join(_name(ref) for ref in unread)
        return result("unknown", f"Cannot tell whether it is done: {names} could not be read.")
    if states and all(_closed(ctx, state) for _, state in states):
        return result("pass", f"Done: {_linked(len(states))} closed; it was due {due}.")
    if ctx.policy.timezone is None:
        # done items pass without it; ending a due date needs the time zone
        return result("unknown", unset_message("timezone", "time zone to end the due date in"))
    end = ctx.calendar.end_of_day(due)
    still = f" ({_open(ctx, states)} still open)" if states else ""
    if end <= ctx.as_of:
        return result("violation", f"Due {due} and not done{still}.", end)
    return result("pending", f"Due {due}, not done yet{still}.", end)


def _unparsed(ctx: Context, file: PostMortemFile) -> Result:
    found = ctx.unparsed_result(file, RULE)
    assert found is not None
    url = ctx.links.document(file).url
    title = "the action items of a file that is not parsed"
    subject = Subject(kind="action_item", key=f"{file.path}#*", title=title, url=url)
    return action_item_result(
        ctx.postmortem_view(file),
        RULE,
        "unknown",
        found.message,
        subject=subject,
        owner=None,
        evidence=found.evidence,
    )


def _closed(ctx: Context, state: WorkItem | None) -> bool:
    """Closed (or, for a pull request, merged) at or before as-of."""
    if state is None:
        return False
    merged = state.merged_at is not None and state.merged_at <= ctx.as_of
    closed = state.state == "closed" and (state.closed_at is None or state.closed_at <= ctx.as_of)
    return merged or closed


def _open(ctx: Context, states: list[tuple[IssueRef, WorkItem | None]]) -> str:
    return ", ".join(_name(ref) for ref, state in states if not _closed(ctx, state))


def _how_done(item: ActionItem) -> str:
    if item.checked:
        return "checked"
    return f"Status {item.status}" if item.status else "marked done"


def _linked(count: int) -> str:
    return "its linked issue is" if count == 1 else f"all {count} linked issues are"


def _name(ref: IssueRef) -> str:
    return f"{ref.repo}#{ref.number}"


def _subject(ctx: Context, file: PostMortemFile, item: ActionItem) -> Subject:
    text = " ".join(item.text.split())
    if len(text) > TITLE_LENGTH:
        text = text[: TITLE_LENGTH - 1].rstrip() + "…"
    url = ctx.links.document(file, item.line).url
    return Subject(kind="action_item", key=f"{file.path}#{item.index}", title=text, url=url)

"""Post-mortem files: link, name and required sections (``rules.md``:
``postmortem.unlinked``, ``postmortem.filename``, ``postmortem.sections``).

The subjects are the post-mortems linked to an incident of the window or first landed
inside it, as the repository held them at the as-of time. A link may name any stored
incident, also one outside the window, merged or excluded: the file is linked all the
same.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date
from pathlib import PurePosixPath

from opsaudit.checks.context import Context
from opsaudit.checks.model import Result, Status
from opsaudit.checks.spec import check
from opsaudit.parsing.postmortem import check_filename
from opsaudit.records import Incident
from opsaudit.snapshot import PostMortemFile

TEMPLATE = "Use `docs/incidents/<YYYY-MM-DD>-<short-name>.md` template:"


@check(
    "postmortem.unlinked",
    title="A post-mortem links to its PagerDuty incident",
    subject="postmortem",
    group="postmortem",
    runbook="Within 5 business days of resolution. Required for Sev1 and Sev2.",
    needs=("documents", "incidents"),
    policy=("ticket_id", "warroom.prefix", "postmortem.max_bytes"),
)
def postmortem_unlinked(ctx: Context) -> Iterator[Result]:
    """Pass: the file links to at least one stored PagerDuty incident, through its
    front-matter ``incident`` key (number, id or URL, or a list of them), a PagerDuty
    incident URL in the body, or an ``incident-<ticket-id>`` mention; any incident
    counts, also one outside the window, merged or excluded. Violation: it names no
    incident that exists (the message lists what it names that is not stored). A file
    larger than ``postmortem.max_bytes`` or not valid UTF-8 is not parsed: it passes when
    its first ``postmortem.max_bytes`` link to an incident, and is unknown otherwise."""
    rule = "postmortem.unlinked"
    for file in ctx.subject_postmortems:
        linked = ctx.incidents_of(file)
        evidence = (ctx.links.document(file),)
        if linked:
            message = f"Links to {_names(ctx, linked)}."
            yield ctx.postmortem_view(file).result(rule, "pass", message, evidence=evidence)
            continue
        if (unparsed := ctx.unparsed_result(file, rule)) is not None:
            yield unparsed
            continue
        dangling = _dangling(ctx, file)
        message = "Links to no existing PagerDuty incident"
        if dangling:
            message += f" (it names {', '.join(dangling)}, which no stored incident matches)"
        yield ctx.postmortem_view(file).result(rule, "violation", message + ".", evidence=evidence)


@check(
    "postmortem.filename",
    title="A post-mortem is named <YYYY-MM-DD>-<short-name>.md after its trigger date",
    subject="postmortem",
    group="postmortem",
    runbook=TEMPLATE,
    needs=("documents", "incidents"),
    policy=("postmortem.max_bytes",),
)
def postmortem_filename(ctx: Context) -> Iterator[Result]:
    """Violation: the file's name is not ``<YYYY-MM-DD>-<short-name>.md`` with a real
    date and a short name of lowercase letters and digits in words joined by ``-``; or
    the file links to incidents and its date is the UTC trigger date of none of them.
    Pass otherwise (an unlinked file is judged by the shape of its name alone). A well
    named file that is not parsed (larger than ``postmortem.max_bytes``, not valid
    UTF-8) and names no incident in its first ``postmortem.max_bytes`` is unknown."""
    rule = "postmortem.filename"
    for file in ctx.subject_postmortems:
        name = PurePosixPath(file.path).name
        day, reason = check_filename(file.path)
        linked = ctx.incidents_of(file)
        triggers = {_utc_day(i) for i in linked}
        evidence = (ctx.links.document(file),)
        status: Status = "pass"
        if reason is not None or day is None:
            status = "violation"
            message = f"File name is not <YYYY-MM-DD>-<short-name>.md: {reason}."
        elif not linked and (unparsed := ctx.unparsed_result(file, rule)) is not None:
            yield unparsed
            continue
        elif linked and day not in triggers:
            status = "violation"
            message = (
                f"File name {name} is dated {day}, not the UTC trigger date of "
                f"{_dated(ctx, linked)}."
            )
        elif linked:
            matching = [i for i in linked if _utc_day(i) == day]
            message = f"File name {name} is dated {day}, the UTC trigger date of "
            message += f"{_dated(ctx, matching)}."
        else:
            message = f"File name {name} is well formed (no linked incident)."
        yield ctx.postmortem_view(file).result(rule, status, message, evidence=evidence)


@check(
    "postmortem.sections",
    title="A post-mortem has every required section, filled in",
    subject="postmortem",
    group="postmortem",
    runbook=TEMPLATE,
    needs=("documents",),
    policy=("postmortem.sections", "postmortem.placeholders", "postmortem.max_bytes"),
)
def postmortem_sections(ctx: Context) -> Iterator[Result]:
    """Violation: a section required by ``postmortem.sections`` has no heading (any
    level) matching one of its accepted headings after normalisation, or its section
    holds nothing but white space, HTML comments and placeholders (``<…>``, TBD, TODO,
    N/A...); the message lists every missing or empty section. Pass otherwise; a
    section removed from the policy is not required. A file larger than
    ``postmortem.max_bytes`` or not valid UTF-8 is not parsed: unknown."""
    rule = "postmortem.sections"
    required = ctx.policy.postmortem.sections
    for file in ctx.subject_postmortems:
        if (unparsed := ctx.unparsed_result(file, rule)) is not None:
            yield unparsed
            continue
        doc = ctx.documents[file.path]
        missing: list[str] = []
        empty: list[str] = []
        evidence = [ctx.links.document(file)]
        for name, headings in required.items():
            section = doc.find_section(headings)
            if section is None:
                missing.append(name)
            elif ctx.section_empty(file, section):
                empty.append(f"{name} (line {section.heading.line})")
                evidence.append(ctx.links.document(file, section.heading.line))
        problems = [f"missing: {', '.join(missing)}"] if missing else []
        problems += [f"empty: {', '.join(empty)}"] if empty else []
        status: Status = "violation" if problems else "pass"
        message = f"Required sections {'; '.join(problems)}."
        if not problems:
            message = f"All {len(required)} required sections are present and filled in."
        yield ctx.postmortem_view(file).result(rule, status, message, evidence=tuple(evidence))


def _utc_day(incident: Incident) -> date:
    return incident.created_at.astimezone(UTC).date()


def _name(ctx: Context, incident: Incident) -> str:
    why = ctx.exclusion(incident)
    label = f"incident #{incident.number} ({incident.id}"
    return f"{label}, {why})" if why else f"{label})"


def _names(ctx: Context, incidents: Sequence[Incident]) -> str:
    return ", ".join(_name(ctx, i) for i in incidents)


def _dated(ctx: Context, incidents: Sequence[Incident]) -> str:
    return ", ".join(f"{_name(ctx, i)} triggered {_utc_day(i)}" for i in incidents)


def _dangling(ctx: Context, file: PostMortemFile) -> list[str]:
    """What the file names that matches no stored incident (``#12``, ``Q1ABC...``)."""
    return [
        f"#{ref.value}" if ref.kind == "number" else ref.value for ref in ctx.dangling_refs(file)
    ]

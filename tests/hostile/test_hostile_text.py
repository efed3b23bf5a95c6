"""Hostile post-mortems, synced and audited through the sandbox and the real clients.

A generated organisation's post-mortem folder gets, in one commit before the as-of
time: a 540 KB run of ``https://a`` (once 70 s to sync and 586 s to audit), a YAML alias
bomb (once 222 s and 2.2 GB), a 20 MB post-mortem, one that is not valid UTF-8 (bytes,
served base64 as GitHub serves any blob), one with NUL characters, a path that climbs
out of the folder (``docs/incidents/../../etc/passwd.md``) and a symbolic link. The
audit must say what ``rules.md`` says ("Files that are not post-mortems"), in about the
time the same organisation takes without them (printed, not asserted tightly).
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from pathlib import Path

import yaml

from opsaudit.auditrun import AuditRun
from opsaudit.checks.model import Result
from opsaudit.config import load_config
from opsaudit.demo import sandbox_config
from opsaudit.parsing.incident_refs import incident_refs
from opsaudit.runtime import run_audit
from opsaudit.sandbox.org import GeneratedOrg, generate
from opsaudit.sandbox.server import Sandbox
from opsaudit.sandbox.state import GitCommit, RepoWorld
from opsaudit.sources.base import RetryPolicy, Window

FAST = RetryPolicy(attempts=3, backoff=0.01, max_wait=0.5)
FOLDER = "docs/incidents"
CONTENT_RULES = (
    "postmortem.sections",
    "postmortem.timeline",
    "postmortem.action_items",
    "postmortem.blameless",
)
ALIAS_BOMB = (
    "---\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
        for prev, name in zip("abcdefg", "bcdefgh", strict=True)
    )
    + "incident: [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n---\n# Alias bomb\n"
)
LARGE = "Not parsed: the file is larger than postmortem.max_bytes (1 MiB)."
NOT_UTF8 = "Not parsed: the file is not valid UTF-8."


def audit(org: GeneratedOrg, folder: Path, database_url: str) -> tuple[AuditRun, float]:
    """Sync the org through the sandbox and audit it at its as-of; and how long it took."""
    folder.mkdir(parents=True, exist_ok=True)
    with Sandbox(org.world) as sandbox:
        mapping = sandbox_config(org=org, sandbox=sandbox, database_url=database_url)
        path = folder / "opsaudit.yaml"
        path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
        start = time.perf_counter()
        outcome = run_audit(
            config=load_config(path),
            tokens={n: getattr(org.world.tokens, n) for n in ("pagerduty", "slack", "github")},
            window=Window(*org.window),
            as_of=org.as_of,
            retry=FAST,
        )
        return outcome, time.perf_counter() - start


def head_files(repo: RepoWorld) -> dict[str, str]:
    """The post-mortem folder's text files at the last commit."""
    files: dict[str, str] = {}
    for commit in repo.commits:
        for new, old in commit.renames.items():
            if old in files:
                files[new] = files.pop(old)
        for path, content in commit.changes.items():
            if content is None:
                files.pop(path, None)
            elif isinstance(content, str):
                files[path] = content
    return {p: t for p, t in files.items() if p.startswith(FOLDER + "/") and p.endswith(".md")}


def by_rule(outcome: AuditRun, key: str) -> dict[str, Result]:
    return {r.rule: r for r in outcome.results if r.subject.key == key}


def missing_of(outcome: AuditRun, incident_id: str) -> Result:
    (found,) = [
        r
        for r in outcome.results
        if r.rule == "postmortem.missing" and r.subject.key == incident_id
    ]
    return found


def spoil(org: GeneratedOrg, baseline: AuditRun, *, not_utf8: bool) -> dict[str, str]:
    """Add the hostile commit to the org's post-mortem repository; the paths used, by role
    (``huge``, ``latin``: existing post-mortems spoiled, with ``*_incident`` their incident)."""
    repo = org.world.github.repos["acme/ops-docs"]
    ids = {str(i["incident_number"]): i["id"] for i in org.world.pagerduty.incidents}
    chosen: list[tuple[str, str, str]] = []  # (path, text, incident id) passing missing
    for path, text in sorted(head_files(repo).items()):
        refs = incident_refs(text, web_hosts=("sandbox.pagerduty.com",))
        incident = next((ids.get(r.value, r.value) for r in refs), None)
        if incident is not None and missing_of(baseline, incident).status == "pass":
            chosen.append((path, text, incident))
    (huge, huge_text, huge_incident), (latin, latin_text, latin_incident) = chosen[:2]
    day = org.as_of.date() - timedelta(days=1)
    names = {
        "huge": huge,
        "huge_incident": huge_incident,
        "latin": latin,
        "latin_incident": latin_incident,
        "redos": f"{FOLDER}/{day}-url-run.md",
        "bomb": f"{FOLDER}/{day}-alias-bomb.md",
        "nul": f"{FOLDER}/{day}-nul.md",
        "climb": f"{FOLDER}/../../etc/passwd.md",
        "link": f"{FOLDER}/{day}-link.md",
    }
    front = f"---\nincident: {latin_incident}\n---\n"
    changes: dict[str, str | bytes | None] = {
        huge: huge_text + "\n" + ("x" * 99 + "\n") * 200_000,  # 20 MB
        names["redos"]: front + "https://a" * 60_000,  # 540 KB
        names["bomb"]: ALIAS_BOMB,
        names["nul"]: front + "# Nul\0 here\n\n## Timeline\0\n",
        names["climb"]: front + "# root:x:0:0\n",
        names["link"]: "../../etc/passwd",
    }
    if not_utf8:
        changes[latin] = latin_text.encode() + b"\n## Caf\xe9 \xff\xfe\n"
    repo.symlinks.add(names["link"])
    last = repo.commits[-1].committed_at
    repo.commits.append(
        GitCommit(
            sha=hashlib.sha1(b"hostile", usedforsecurity=False).hexdigest(),
            committed_at=min(last + timedelta(hours=1), org.as_of - timedelta(hours=1)),
            message="Hostile post-mortems",
            changes=changes,
        )
    )
    return names


def audit_both(
    tmp_path: Path, database_url: str, *, not_utf8: bool
) -> tuple[AuditRun, dict[str, str]]:
    """The org audited plainly (SQLite), then with the hostile commit (``database_url``)."""
    org = generate(seed=3, incidents=24)
    baseline, plain_time = audit(org, tmp_path / "plain", f"sqlite:///{tmp_path / 'plain.db'}")
    assert baseline.failed_sources == []
    names = spoil(org, baseline, not_utf8=not_utf8)
    outcome, hostile_time = audit(org, tmp_path / "hostile", database_url)
    print(
        f"\nsync + audit: {plain_time:.1f}s plain, {hostile_time:.1f}s with hostile files "
        f"(x{hostile_time / plain_time:.1f})"
    )
    assert hostile_time < plain_time + 120  # minutes before; seconds now
    assert outcome.failed_sources == [], outcome.sources
    return outcome, names


def assert_unparsed(outcome: AuditRun, path: str, incident: str, message: str) -> None:
    """Content checks unknown with the reason; postmortem.missing still counts the file."""
    results = by_rule(outcome, path)
    for rule in CONTENT_RULES:
        assert (results[rule].status, results[rule].message) == ("unknown", message), rule
    overdue = by_rule(outcome, f"{path}#*")["action_item.overdue"]
    assert (overdue.status, overdue.message) == ("unknown", message)
    items = [r for r in outcome.results if r.subject.key.startswith(f"{path}#")]
    assert items == [overdue]
    assert missing_of(outcome, incident).status == "pass"


def test_hostile_post_mortems_are_audited_as_rules_md_says(
    tmp_path: Path, database_url: str
) -> None:
    outcome, names = audit_both(tmp_path, database_url, not_utf8=False)

    assert_unparsed(outcome, names["huge"], names["huge_incident"], LARGE)
    # parsed, in time: the URL run and the NUL file are judged; the bomb's front matter
    # is refused, so it links nothing
    for name in ("redos", "nul"):
        results = by_rule(outcome, names[name])
        assert results["postmortem.sections"].status == "violation", name
        assert results["postmortem.unlinked"].status == "pass", name
    assert by_rule(outcome, names["bomb"])["postmortem.unlinked"].status == "violation"
    # not post-mortems at all: the climbing path and the symbolic link
    keys = {r.subject.key for r in outcome.results}
    assert not any("passwd" in key or names["link"] in key for key in keys)


def test_a_post_mortem_that_is_not_utf8_is_unknown_and_present(
    tmp_path: Path, database_url: str
) -> None:
    outcome, names = audit_both(tmp_path, database_url, not_utf8=True)
    outcome.to_json().encode("utf-8")  # nothing of the bad bytes reaches the results JSON
    assert_unparsed(outcome, names["latin"], names["latin_incident"], NOT_UTF8)
    assert_unparsed(outcome, names["huge"], names["huge_incident"], LARGE)

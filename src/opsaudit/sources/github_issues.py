"""The GitHub source's issue tracking: the states of the issues and pull requests that
post-mortems' action items link to, read as cheaply as GitHub allows (see
:mod:`opsaudit.sources.github`: one listing of the repository's issues changed since the
last sync, one listing per other repository with linked issues still open, issues
linked for the first time one by one; a closed issue is not read again)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from github import Github
from github.GithubException import GithubException
from github.GithubObject import NotSet
from github.Issue import Issue
from github.Repository import Repository

from opsaudit.parsing.links import IssueRef, extract_issue_refs
from opsaudit.records import Blob, WorkItem
from opsaudit.sources.base import Cursor, iso, utc
from opsaudit.sources.github_client import Calls, T, guarded

log = logging.getLogger("opsaudit.sources.github")
_UNREADABLE = frozenset({404, 410})  # an issue that is gone, or in a repo we cannot see


class IssueSync:
    """What one sync reads of the tracker; ``state`` is the source's cursor."""

    def __init__(
        self,
        *,
        gh: Github,
        calls: Calls,
        repo: Repository,
        name: str,
        state: Cursor,
        page_size: int,
    ) -> None:
        self.gh, self.calls, self.repo, self.name = gh, calls, repo, name
        self.state, self.page_size = state, page_size

    def _guarded(self, items: Iterable[T], what: str, key: Callable[[T], object]) -> Iterator[T]:
        return guarded(items, what=what, key=key, page_size=self.page_size)

    def issues(
        self, issue_refs: Iterable[IssueRef], blobs: list[Blob], *, web: str
    ) -> list[WorkItem]:
        refs = list(issue_refs)
        for blob in blobs:
            refs += extract_issue_refs(blob.text, default_repo=self.name, github_web=web)
        own = self.name.lower()
        if any(r.repo.lower() == own for r in refs):
            self.state["own_issues"] = True
        found = self._own_issues() if self.state["own_issues"] else []
        opened: dict[str, str] = self.state["open"]
        closed = set(self.state["closed"])
        # GitHub's names ignore case: acme/API#2 and acme/api#2 are one issue
        known = {key.lower() for key in [*opened, *closed]}
        for ref in refs:
            key = _key(ref)
            if ref.repo.lower() != own and key.lower() not in known:
                known.add(key.lower())
                opened[key] = ""
        for name, keys in sorted(_by_repo(opened).items()):
            for key, issue in self._tracked(name, keys, opened).items():
                if issue.state == "closed":
                    del opened[key]
                    closed.add(key)
                else:
                    opened[key] = iso(issue.updated_at)
                if iso(issue.updated_at) != keys[key]:
                    found.append(self._issue_state(name, issue))
        self.state["closed"] = sorted(closed)
        return found

    def _tracked(self, name: str, keys: dict[str, str], opened: dict[str, str]) -> dict[str, Issue]:
        """The open issues tracked in another repository ``name``, as they are now.

        Issues never read are read one by one. Those read before are found with one
        listing of the repository's issues updated since the newest change seen there:
        any later change to one of them moves its ``updated_at`` past that mark.
        """
        marks: dict[str, str] = self.state["marks"]
        mark = marks.get(name.lower())
        fresh = [key for key, seen in keys.items() if not seen or mark is None]
        read: dict[str, Issue] = {}
        if mark is not None and len(fresh) < len(keys):
            wanted = {key.lower(): key for key in keys if key not in fresh}
            with self.calls.call(f"list issues of {name}"):
                listed = self.gh.get_repo(name).get_issues(state="all", since=when(mark))
                for issue in self._guarded(listed, f"list issues of {name}", _number):
                    key = wanted.get(f"{name}#{issue.number}".lower())
                    if key is not None:
                        read[key] = issue
        for key in fresh:
            single = self._other_issue(key)
            if single is not None:
                read[key] = single
        seen = [issue.updated_at.astimezone(UTC) for issue in read.values()]
        if mark is not None:
            seen.append(when(mark))
        if seen:
            marks[name.lower()] = iso(max(seen))
        return read

    def _own_issues(self) -> list[WorkItem]:
        since = utc(self.state["issues_since"])
        edge: dict[str, str] = self.state["issues_edge"]
        changed: list[Issue] = []
        with self.calls.call(f"list issues of {self.name}"):
            listing = self.repo.get_issues(state="all", since=since or NotSet)
            for issue in self._guarded(listing, f"list issues of {self.name}", _number):
                if edge.get(str(issue.number)) != iso(issue.updated_at):
                    changed.append(issue)
        if changed:
            newest = max(i.updated_at for i in changed).astimezone(UTC)
            if since is None or newest > since:
                self.state["issues_since"] = iso(newest)
                edge = {}
            edge.update(
                (str(i.number), iso(i.updated_at)) for i in changed if i.updated_at == newest
            )
            self.state["issues_edge"] = edge
        return [self._issue_state(self.name, issue) for issue in changed]

    def _other_issue(self, key: str) -> Issue | None:
        name, _, number = key.rpartition("#")
        with self.calls.call(f"get issue {key}"):
            issue = self.gh.get_repo(name).get_issue(int(number))
            try:
                issue.state  # noqa: B018  -- a lazy issue is read on first use: read it now
            except GithubException as exc:
                if exc.status not in _UNREADABLE:
                    raise
                # the check reports an unreadable issue as unknown; the sync goes on
                log.warning("github: get issue %s: HTTP %s, skipped", key, exc.status)
                return None
            return issue

    def _issue_state(self, repo: str, issue: Issue) -> WorkItem:
        is_pull = "/pull/" in (issue.html_url or "")
        merged_at: datetime | None = None
        if is_pull:
            pull = issue.pull_request
            if pull is not None and "merged_at" in pull.raw_data:
                merged_at = pull.merged_at
            elif issue.state == "closed":  # older servers leave merged_at out of the issue
                with self.calls.call(f"get pull {repo}#{issue.number}"):
                    merged_at = self.gh.get_repo(repo).get_pull(issue.number).merged_at
        return WorkItem(
            repo=repo,
            number=issue.number,
            state=issue.state,
            html_url=issue.html_url or "",
            title=issue.title or "",
            closed_at=issue.closed_at.astimezone(UTC) if issue.closed_at else None,
            is_pull_request=is_pull,
            merged_at=merged_at.astimezone(UTC) if merged_at else None,
        )


def _by_repo(opened: dict[str, str]) -> dict[str, dict[str, str]]:
    """Tracked issue keys grouped by repository (named as first written), with when seen."""
    groups: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    for key, seen in opened.items():
        repo = key.rpartition("#")[0]
        name = names.setdefault(repo.lower(), repo)
        groups.setdefault(name, {})[key] = seen
    return groups


def _number(issue: Issue) -> object:
    return issue.number


def _key(ref: IssueRef) -> str:
    return f"{ref.repo}#{ref.number}"


def when(text: str) -> datetime:
    """A cursor's date, which must be there."""
    moment = utc(text)
    if moment is None:
        raise ValueError(f"cursor holds an empty date: {text!r}")
    return moment

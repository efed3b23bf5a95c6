"""The GitHub adapter: provides ``documents`` (the post-mortem folder) and ``tracker``
(the issues and pull requests action items link to)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from opsaudit.parsing.links import IssueRef, extract_issue_refs
from opsaudit.parsing.postmortem_text import is_parsable
from opsaudit.records import Capability, DocumentBatch
from opsaudit.sources.protocol import Fetched, FetchJob, SourceSection, literal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class GitHubSection(SourceSection):
    api_url: str = "https://api.github.com"
    repo: str = Field(pattern=r"^[\w.-]+/[\w.-]+$")
    path: str = "docs/incidents"
    web_url: str = "https://github.com"

    def postmortem_folder(self) -> str | None:
        return self.path

    def audit_settings(self) -> dict[str, Any]:
        web, repo = literal(self.web_url), literal(self.repo)
        return {
            "document_url": f"{web}/{repo}/blob/{{commit}}/{{path}}{{anchor}}",
            "commit_url": f"{web}/{repo}/commit/{{sha}}",
            "work_item_url": f"{web}/{{repo}}/issues/{{number}}",
            "documents_repo": self.repo,
            "tracker_web": self.web_url,
        }


class GitHub:
    name: ClassVar[str] = "github"
    provides: ClassVar[frozenset[Capability]] = frozenset({"documents", "tracker"})
    section: ClassVar[type[SourceSection]] = GitHubSection
    token_env: ClassVar[str] = "GITHUB_TOKEN"
    secret_block: ClassVar[str] = "github-token"
    steps: ClassVar[tuple[str, ...]] = ("github",)

    def fetch(self, step: str, job: FetchJob) -> Fetched | None:
        """The post-mortem folder's new commits and blobs, and the linked issues."""
        # the vendor client loads only when a sync runs, never with the table
        from opsaudit.sources.github import fetch_github

        section = job.section
        assert isinstance(section, GitHubSection)
        batch, cursor = fetch_github(
            endpoint=job.endpoint,
            repo=section.repo,
            path=section.path,
            cursor=job.cursor,
            known_blobs=job.stored.known_document_versions(),
            issue_refs=_issue_refs(job, section),
            max_bytes=job.policy.postmortem.max_bytes,
            counter=job.counter,
            retry=job.retry,
        )
        return Fetched(batch, cursor)

    def save(self, session: Session, batch: Any) -> Mapping[str, int]:
        """Save the batch; counts commits, blobs and issues."""
        from opsaudit.store import save_documents  # SQLAlchemy only when saving

        assert isinstance(batch, DocumentBatch)
        save_documents(session=session, batch=batch)
        return {
            "commits": len(batch.commits),
            "blobs": len(batch.blobs),
            "issues": len(batch.issues),
        }


def _issue_refs(job: FetchJob, section: GitHubSection) -> list[IssueRef]:
    """The issues the stored post-mortems link to, each once, in order of mention;
    post-mortems that are not parsed (too large, not UTF-8) have no action items."""
    refs: dict[IssueRef, None] = {}
    limit = job.policy.postmortem.max_bytes
    for text in job.stored.postmortem_texts():
        if not is_parsable(text, max_bytes=limit):
            continue
        for ref in extract_issue_refs(text, default_repo=section.repo, github_web=section.web_url):
            refs[ref] = None
    return list(refs)


SOURCE = GitHub()

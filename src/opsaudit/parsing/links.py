"""Which GitHub issues or pull requests a text links to (``rules.md``, "Action item").

Three spellings count: ``#123`` (an issue of the post-mortems' own repository),
``owner/repo#123``, and the web URL of an issue or pull request,
``https://github.com/owner/repo/issues/123`` or ``.../pull/123``. A ``#`` heading, a
``#123abc`` tag, an HTML entity like ``&#123;`` and a ``#`` inside a word are not links.
Linear in the text: every quantifier is bounded and possessive (the character after each
run cannot belong to it, so giving characters back could never help a match).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}+)"
_NAME = r"[A-Za-z0-9._-]{1,100}+"
# a reference must not continue into a word (#12abc) or a longer number
_END = r"(?![\w])"
_SHORT = re.compile(
    rf"(?<![\w/#&.-])(?:(?P<repo>{_OWNER}/{_NAME})#|#)(?P<number>[0-9]{{1,10}}+){_END}"
)


@dataclass(frozen=True)
class IssueRef:
    """An issue or pull request: ``owner/name`` and its number."""

    repo: str
    number: int


def extract_issue_refs(
    text: str, *, default_repo: str, github_web: str = "https://github.com"
) -> list[IssueRef]:
    """The issues and pull requests ``text`` links to, first mention first, each once.

    ``default_repo`` is the repository a bare ``#123`` points into; ``github_web`` is the
    web address issue URLs start with (GitHub Enterprise has its own). Repository names
    are compared without regard to case, as GitHub does; with no ``github_web`` only
    the short forms are read. Never raises.
    """
    found: list[tuple[int, str, str]] = []
    if github_web:
        web = re.escape(github_web.rstrip("/"))
        url = re.compile(
            rf"{web}/(?P<repo>{_OWNER}/{_NAME})/(?:issues|pull)/(?P<number>[0-9]{{1,10}}+){_END}"
        )
        for match in url.finditer(text):
            found.append((match.start(), match["repo"], match["number"]))
    for match in _SHORT.finditer(text):
        found.append((match.start(), match["repo"] or default_repo, match["number"]))
    refs: list[IssueRef] = []
    seen: set[tuple[str, int]] = set()
    for _, repo, digits in sorted(found, key=lambda item: item[0]):
        number = int(digits)
        key = (repo.lower(), number)
        if number > 0 and key not in seen:
            seen.add(key)
            refs.append(IssueRef(repo=repo, number=number))
    return refs

"""Issue links in post-mortem text: ``#123``, ``owner/repo#123`` and issue/pull URLs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from opsaudit.parsing.links import IssueRef, extract_issue_refs

OWN = "acme/ops-docs"


def refs(text: str, *, web: str = "https://github.com") -> list[tuple[str, int]]:
    found = extract_issue_refs(text, default_repo=OWN, github_web=web)
    return [(r.repo, r.number) for r in found]


def test_bare_number_points_into_the_post_mortems_repository() -> None:
    assert refs("- [ ] add alert (#123)") == [(OWN, 123)]


def test_owner_repo_number() -> None:
    assert refs("tracked in acme/payments#45.") == [("acme/payments", 45)]


def test_issue_and_pull_urls() -> None:
    text = "see https://github.com/acme/api/issues/7 and https://github.com/acme/web/pull/8/files"
    assert refs(text) == [("acme/api", 7), ("acme/web", 8)]


def test_enterprise_web_address() -> None:
    text = "https://ghe.example.com/acme/api/issues/7 https://github.com/acme/api/issues/9"
    assert refs(text, web="https://ghe.example.com/") == [("acme/api", 7)]


def test_headings_tags_entities_and_words_are_not_links() -> None:
    text = "# Action items\n## 2 things\n#123abc\nfoo#12\n&#123;\nv1.2#3\ncolor #fff\nx/#4"
    assert refs(text) == []


def test_longer_number_or_trailing_word_does_not_match_a_prefix() -> None:
    assert refs("#12345678901234567890") == []
    assert refs("https://github.com/acme/api/issues/12abc") == []


def test_dedupes_in_order_of_first_mention_across_spellings() -> None:
    text = (
        "Fix (#5), then acme/api#2; also https://github.com/acme/ops-docs/issues/5, "
        "ACME/API#2 and #1"
    )
    assert refs(text) == [(OWN, 5), ("acme/api", 2), (OWN, 1)]


def test_line_start_and_punctuation_around_a_number() -> None:
    assert refs("#9 is done\n(#10), [#11]") == [(OWN, 9), (OWN, 10), (OWN, 11)]


def test_issue_ref_is_a_value() -> None:
    assert IssueRef("a/b", 1) == IssueRef(repo="a/b", number=1)
    assert len({IssueRef("a/b", 1), IssueRef("a/b", 1)}) == 1


@given(st.text())
def test_never_raises_on_arbitrary_text(text: str) -> None:
    found = extract_issue_refs(text, default_repo=OWN)
    assert all(ref.number > 0 for ref in found)
    assert len({(r.repo.lower(), r.number) for r in found}) == len(found)


@given(st.lists(st.sampled_from(["#", "/", "a", "1", " ", "-", ".", "&", "\n", "github.com/"])))
def test_never_raises_on_link_like_noise(parts: list[str]) -> None:
    extract_issue_refs("".join(parts), default_repo=OWN, github_web="https://github.com")

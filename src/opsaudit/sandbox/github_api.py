"""The GitHub REST subset the auditor reads, served from ``world.github``.

Page-numbered lists with ``Link`` headers (next/last/first/prev), ``ETag`` and
``Last-Modified`` on every 200 and a ``304`` to a matching conditional request (which,
as on GitHub, costs no rate limit), ``x-ratelimit-*`` headers on every answer, and
GitHub's JSON error bodies.
"""

from __future__ import annotations

from urllib.parse import urlencode

from opsaudit.sandbox import github_shapes as shapes
from opsaudit.sandbox.github_git import CommitState, GitCache, RepoGit
from opsaudit.sandbox.github_history import listing
from opsaudit.sandbox.github_http import (
    DOCS,
    NotFound,
    RateMeter,
    conditional,
    find_issue,
    not_found,
    ok,
    paged,
    rebased,
    request_path,
    time_arg,
)
from opsaudit.sandbox.state import JSON, RepoWorld, World
from opsaudit.sandbox.web import (
    Request,
    Response,
    Route,
    json_response,
    match_route,
    parse_time,
)

PRIMARY_LIMIT_MESSAGE = (
    "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, "
    "please include the request ID SANDBOX."
)
SECONDARY_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
    "again. If you reach out to GitHub Support for help, please include the request ID "
    "SANDBOX."
)


class GitHubApi:
    """Answers ``/github/...`` requests."""

    name = "github"

    def __init__(self, world: World) -> None:
        self.world = world
        self.git = GitCache()
        self.meter = RateMeter()
        repo = "/repos/{owner}/{repo}"
        self.routes = [
            Route("GET", "/rate_limit", self._rate_limit),
            Route("GET", "/user", self._user),
            Route("GET", repo, self._repo),
            Route("GET", f"{repo}/branches/{{branch+}}", self._branch),
            Route("GET", f"{repo}/commits", self._commits),
            Route("GET", f"{repo}/commits/{{ref+}}", self._commit),
            Route("GET", f"{repo}/git/trees/{{sha+}}", self._tree),
            Route("GET", f"{repo}/git/blobs/{{sha}}", self._blob),
            Route("GET", f"{repo}/contents", self._contents),
            Route("GET", f"{repo}/contents/{{path+}}", self._contents),
            Route("GET", f"{repo}/issues", self._issues),
            Route("GET", f"{repo}/issues/{{number}}", self._issue),
            Route("GET", f"{repo}/pulls/{{number}}", self._pull),
        ]

    # -- the server's hooks ----------------------------------------------------------

    def route(self, request: Request) -> str | None:
        """The endpoint template a request hits, for counting."""
        found = match_route(self.routes, request.method, request_path(request))
        return found[0].name if found else None

    def handle(self, request: Request) -> Response:
        """Authenticate, answer under the world lock, then add the caching headers."""
        auth = request.header("authorization")
        if auth is None:
            return json_response(
                401,
                {"message": "Requires authentication", "documentation_url": DOCS, "status": "401"},
            )
        scheme, _, token = auth.partition(" ")
        if scheme.lower() not in ("token", "bearer") or token != self.world.tokens.github:
            return json_response(
                401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}
            )
        found = match_route(self.routes, request.method, request_path(request))
        if found is None:
            return not_found()
        route, params = found
        base = f"https://{request.host}/github"
        try:
            with self.world.lock:
                response = route.handler(request, {**params, "base": base})
        except NotFound:
            return not_found()
        return conditional(request, response)

    def rate_limited(self, retry_after: int) -> Response:
        """GitHub's rate-limit answer, as ``world.github`` chooses it: a primary limit
        (``x-ratelimit-remaining: 0``, reset in ``retry_after`` seconds) or a secondary
        one, 403 or 429, with or without ``Retry-After``: GitHub documents all of them."""
        gh = self.world.github
        primary = gh.limit_kind == "primary"
        body = {
            "message": PRIMARY_LIMIT_MESSAGE if primary else SECONDARY_LIMIT_MESSAGE,
            "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api"
            + ("#about-primary-rate-limits" if primary else "#about-secondary-rate-limits"),
        }
        headers = [("Retry-After", str(retry_after))] if gh.limit_retry_after else []
        if primary:
            headers += self.meter.exhausted(reset_in=retry_after)
        return json_response(gh.limit_status, body, headers)

    def server_error(self, status: int) -> Response:
        """An injected 5xx."""
        return json_response(status, {"message": "Server Error"})

    def decorate(self, request: Request, response: Response) -> Response:
        """``x-ratelimit-*`` on every answer (a primary limit's set already); a 304 is
        free, as on GitHub."""
        if any(k == "x-ratelimit-remaining" for k, _ in response.headers):
            return response
        response.headers.extend(self.meter.spend(free=response.status == 304))
        return response

    def endless(self, request: Request, *, empty: bool = False) -> Response:
        """A fault: every page of a list links ``next`` back to itself; with ``empty``,
        every page is empty and links the next one."""
        response = self.handle(request)
        if response.status == 200 and response.body.startswith(b"["):
            query = {k: v[0] for k, v in request.query.items() if v}
            if empty:
                query["page"] = str(int(query.get("page", "1")) + 1)
                response.body = b"[]"
            here = f"https://{request.host}/github{request.path}?{urlencode(query)}"
            response.headers = [(k, v) for k, v in response.headers if k.lower() != "link"]
            response.headers.append(("Link", f'<{here}>; rel="next"'))
        return response

    # -- endpoints -------------------------------------------------------------------

    def _rate_limit(self, request: Request, params: dict[str, str]) -> Response:
        return json_response(200, self.meter.body())

    def _user(self, request: Request, params: dict[str, str]) -> Response:
        return json_response(200, shapes.user_json(params["base"], self.world.github.login))

    def _repo(self, request: Request, params: dict[str, str]) -> Response:
        repo, git = self._lookup(params)
        last = git.commits[-1].commit.committed_at if git.commits else None
        return ok(shapes.repo_json(params["base"], repo, git), last)

    def _branch(self, request: Request, params: dict[str, str]) -> Response:
        repo, git = self._lookup(params)
        if params["branch"] != repo.default_branch or not git.commits:
            raise NotFound
        body = shapes.branch_json(params["base"], repo, git)
        return ok(body, git.commits[-1].commit.committed_at)

    def _commits(self, request: Request, params: dict[str, str]) -> Response:
        repo, git = self._lookup(params)
        head = git.resolve(request.arg("sha") or repo.default_branch)
        if head is None:
            if not git.commits:
                return json_response(
                    409,
                    {
                        "message": "Git Repository is empty.",
                        "documentation_url": DOCS,
                        "status": "409",
                    },
                )
            raise NotFound
        picked = listing(
            git,
            head,
            path=(request.arg("path") or "").strip("/"),
            since=time_arg(request.arg("since")),
            until=time_arg(request.arg("until")),
        )
        author = request.arg("author")
        if author:
            picked = [s for s in picked if author in (s.commit.author_email, s.commit.author_name)]

        def render(state: CommitState) -> JSON:
            return shapes.commit_json(params["base"], repo, git, state, detail=False)

        return paged(
            request,
            params["base"],
            picked,
            render,
            lambda page: page[0].commit.committed_at if page else None,
        )

    def _commit(self, request: Request, params: dict[str, str]) -> Response:
        repo, git = self._lookup(params)
        state = git.resolve(params["ref"])
        if state is None:
            return json_response(
                422,
                {
                    "message": f"No commit found for SHA: {params['ref']}",
                    "documentation_url": DOCS,
                    "status": "422",
                },
            )
        body = shapes.commit_json(params["base"], repo, git, state, detail=True)
        return ok(body, state.commit.committed_at)

    def _tree(self, request: Request, params: dict[str, str]) -> Response:
        repo, git = self._lookup(params)
        sha = git.find_tree(params["sha"])
        if sha is None:
            raise NotFound
        recursive = request.arg("recursive") not in (None, "", "0", "false")
        return ok(shapes.tree_json(params["base"], repo, git, sha, recursive=recursive), None)

    def _blob(self, request: Request, params: dict[str, str]) -> Response:
        repo, git = self._lookup(params)
        data = git.blobs.get(params["sha"])
        if data is None:
            raise NotFound
        return ok(shapes.blob_json(params["base"], repo, params["sha"], data), None)

    def _contents(self, request: Request, params: dict[str, str]) -> Response:
        repo, git = self._lookup(params)
        ref = request.arg("ref") or repo.default_branch
        state = git.resolve(ref)
        if state is None:
            raise NotFound
        path = params.get("path", "").strip("/")
        sha = git.tree_sha(state)
        entries = git.walk(sha, recursive=True)
        base = params["base"]
        moment = state.commit.committed_at
        if not path:
            listing = [
                shapes.content_json(base, repo, p, e, ref, None) for p, e in entries if "/" not in p
            ]
            return ok(listing, moment)
        match = next((e for p, e in entries if p == path), None)
        if match is None:
            raise NotFound
        if match.type == "blob":
            return ok(
                shapes.content_json(base, repo, path, match, ref, git.blobs[match.sha]), moment
            )
        prefix = path + "/"
        listing = [
            shapes.content_json(base, repo, p, e, ref, None)
            for p, e in entries
            if p.startswith(prefix) and "/" not in p[len(prefix) :]
        ]
        return ok(listing, moment)

    def _issues(self, request: Request, params: dict[str, str]) -> Response:
        repo, _ = self._lookup(params)
        state = request.arg("state") or "open"
        since = time_arg(request.arg("since"))
        labels = {x for x in (request.arg("labels") or "").split(",") if x}
        sort = request.arg("sort") or "created"
        field = {"created": "created_at", "updated": "updated_at"}.get(sort, "created_at")
        picked = [
            issue
            for issue in repo.issues
            if (state == "all" or issue.get("state") == state)
            and (since is None or parse_time(issue["updated_at"]) >= since)
            and labels <= {label["name"] for label in issue.get("labels", [])}
        ]
        picked.sort(key=lambda i: parse_time(i[field]), reverse=request.arg("direction") != "asc")

        def render(issue: JSON) -> JSON:
            out: JSON = rebased(issue, params["base"])
            return out

        return paged(
            request,
            params["base"],
            picked,
            render,
            lambda page: max((parse_time(i["updated_at"]) for i in page), default=None),
        )

    def _issue(self, request: Request, params: dict[str, str]) -> Response:
        repo, _ = self._lookup(params)
        issue = find_issue(repo, params["number"])
        return ok(rebased(issue, params["base"]), parse_time(issue["updated_at"]))

    def _pull(self, request: Request, params: dict[str, str]) -> Response:
        repo, git = self._lookup(params)
        issue = find_issue(repo, params["number"])
        if "pull_request" not in issue:
            raise NotFound
        body = rebased(shapes.pull_json(params["base"], repo, git, issue), params["base"])
        return ok(body, parse_time(issue["updated_at"]))

    def _lookup(self, params: dict[str, str]) -> tuple[RepoWorld, RepoGit]:
        wanted = f"{params['owner']}/{params['repo']}".lower()
        for full_name, repo in self.world.github.repos.items():
            if full_name.lower() == wanted:
                return repo, self.git.get(repo)
        raise NotFound

"""One local HTTPS server that plays PagerDuty, Slack and GitHub from a :class:`World`.

    with Sandbox(world, faults=Faults()) as sb:
        client = pagerduty.RestApiV2Client(token, base_url=sb.pagerduty_url, verify=ctx)

The three APIs live under path prefixes of the same port (``/pagerduty``, ``/slack/api/``,
``/github``). Every request is counted (``sb.counts``), then may be delayed, rate-limited
or failed on purpose (``sb.faults``, changeable while the server runs), then answered by
the API module. Request headers are never logged: they carry the tokens.
"""

from __future__ import annotations

import contextlib
import logging
import random
import shutil
import socket
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol

from opsaudit.sandbox.github_api import GitHubApi
from opsaudit.sandbox.pagerduty_api import PagerDutyApi
from opsaudit.sandbox.slack_api import SlackApi
from opsaudit.sandbox.state import World
from opsaudit.sandbox.tls import make_server_tls
from opsaudit.sandbox.web import Request, Response, json_response, parse_query

logger = logging.getLogger(__name__)


@dataclass
class Faults:
    """Misbehaviour to inject; the fields may be changed while the server runs."""

    rate_limit_every: int = 0  # every Nth request to an API gets its rate-limit answer
    error_rate: float = 0.0  # share of requests answered 500/502/503 (seeded)
    delay: float = 0.0  # seconds to wait before answering
    retry_after: int = 1  # seconds put in Retry-After / ratelimit-reset
    seed: int = 0
    # pagination that never ends, each API its own way: Slack repeats a cursor,
    # PagerDuty says more with an empty page, GitHub's Link: next points back (with
    # "empty": GitHub's pages are empty and link the next one)
    endless_pages: bool | Literal["empty"] = False
    trickle: float = 0.0  # > 0: headers at once, then one body byte every this many seconds
    apis: tuple[str, ...] = ()  # the APIs ("slack", ...) the faults apply to; () is all


class Api(Protocol):
    """What the server needs from each fake vendor API."""

    name: str

    def route(self, request: Request) -> str | None: ...

    def handle(self, request: Request) -> Response: ...

    def rate_limited(self, retry_after: int) -> Response: ...

    def server_error(self, status: int) -> Response: ...

    def decorate(self, request: Request, response: Response) -> Response: ...

    def endless(self, request: Request, *, empty: bool = False) -> Response: ...


class Sandbox:
    """The sandbox server: start it (or use it as a context manager), point clients at it."""

    def __init__(
        self,
        world: World,
        *,
        faults: Faults | None = None,
        port: int = 0,
        ca_dir: Path | None = None,
    ) -> None:
        """``port`` 0 is a free one; the CA certificate goes into ``ca_dir`` (kept after
        :meth:`stop`), or into a temporary folder removed at :meth:`stop`."""
        self.world = world
        self._port_asked = port
        self._ca_dir = ca_dir
        self.faults = faults if faults is not None else Faults()
        self.counts: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        self._random = random.Random(self.faults.seed)
        self._seeded_with = self.faults.seed
        self._apis: dict[str, Api] = {
            "/pagerduty": PagerDutyApi(world),
            "/slack/api": SlackApi(world),
            "/github": GitHubApi(world),
        }
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tempdir: Path | None = None
        self._ca_file: Path | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Listen on the port asked (a free one by default) of 127.0.0.1 and serve in a
        background thread."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", self._port_asked))  # a port in use fails here, first
        if self._ca_dir is not None:
            self._ca_dir.mkdir(parents=True, exist_ok=True)
            directory = self._ca_dir
        else:
            directory = self._tempdir = Path(tempfile.mkdtemp(prefix="opsaudit-sandbox-"))
        tls = make_server_tls(directory=directory)
        self._ca_file = tls.ca_file
        server.sandbox = self
        server.tls_context = tls.context
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and remove the CA file's temporary directory (a ``ca_dir`` stays)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.hang_up()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None
        self._ca_file = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the server listens on (only while started)."""
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return int(self._server.server_address[1])

    @property
    def ca_file(self) -> Path:
        """The CA certificate (PEM) clients must trust."""
        if self._ca_file is None:
            raise RuntimeError("the sandbox is not started")
        return self._ca_file

    @property
    def base_url(self) -> str:
        """``https://127.0.0.1:PORT``: the three APIs live under paths of it."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def pagerduty_url(self) -> str:
        """PagerDuty REST v2 base URL (``RestApiV2Client(base_url=...)``)."""
        return f"{self.base_url}/pagerduty"

    @property
    def slack_url(self) -> str:
        """Slack Web API base URL, ending in "/" as slack_sdk joins method names to it."""
        return f"{self.base_url}/slack/api/"

    @property
    def github_url(self) -> str:
        """GitHub REST base URL, like a GitHub Enterprise ``/api/v3`` root."""
        return f"{self.base_url}/github"

    def reset_counts(self) -> None:
        """Forget every request counted so far (the rate-limit fault counts from here)."""
        with self._count_lock:
            self.counts.clear()

    # -- answering -------------------------------------------------------------------

    def answer(self, request: Request) -> Response:
        """Route, count, inject faults, then let the API answer."""
        for prefix, api in self._apis.items():
            if request.path == prefix or request.path.startswith(prefix + "/"):
                inner = Request(
                    method=request.method,
                    path=request.path[len(prefix) :] or "/",
                    query=request.query,
                    headers=request.headers,
                    body=request.body,
                    host=request.host,
                )
                return api.decorate(inner, self._answer_api(api, inner))
        return json_response(404, {"message": "Not Found"})

    def _answer_api(self, api: Api, request: Request) -> Response:
        endpoint = api.route(request) or f"{request.method} (unknown)"
        with self._count_lock:
            self.counts[api.name] += 1
            self.counts[f"{api.name} {endpoint}"] += 1
            nth = self.counts[api.name]
            failure = self._draw_failure()
        faults = self.faults
        if faults.apis and api.name not in faults.apis:
            return api.handle(request)
        if faults.delay > 0:
            time.sleep(faults.delay)
        if faults.rate_limit_every > 0 and nth % faults.rate_limit_every == 0:
            return api.rate_limited(faults.retry_after)
        if failure is not None:
            return api.server_error(failure)
        if faults.endless_pages:
            response = api.endless(request, empty=faults.endless_pages == "empty")
        else:
            response = api.handle(request)
        response.trickle = faults.trickle
        return response

    def _draw_failure(self) -> int | None:
        # called under the count lock, so the seeded sequence is the same run after run
        if self.faults.seed != self._seeded_with:
            self._random.seed(self.faults.seed)
            self._seeded_with = self.faults.seed
        if self.faults.error_rate <= 0:
            return None
        if self._random.random() >= self.faults.error_rate:
            return None
        return self._random.choice((500, 502, 503))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: Sandbox
    tls_context: Any

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()

    def finish_request(self, request: Any, client_address: Any) -> None:
        # the TLS handshake runs in the connection's own thread, not the accept loop
        with self.sockets_lock:
            self.open_sockets.add(request)
        try:
            with self.tls_context.wrap_socket(request, server_side=True) as tls_socket:
                _Handler(tls_socket, client_address, self)
        finally:
            with self.sockets_lock:
                self.open_sockets.discard(request)

    def hang_up(self) -> None:
        """End every kept-alive connection, so that no handler thread outlives the server."""
        with self.sockets_lock:
            for open_socket in self.open_sockets:
                with contextlib.suppress(OSError):
                    open_socket.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client hanging up or refusing our certificate is not worth a traceback on stderr
        logger.debug("sandbox connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one TLS handshake per client, not per call
    disable_nagle_algorithm = True  # headers and body leave at once, no delayed-ACK stall
    server: _Server
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the default prints every request line to stderr."""

    def _serve(self) -> None:
        path, _, raw_query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        query = parse_query(raw_query)
        content_type = (self.headers.get("Content-Type") or "").lower()
        if body and content_type.startswith("application/x-www-form-urlencoded"):
            for key, values in parse_query(body.decode("utf-8", "replace")).items():
                query.setdefault(key, []).extend(values)
        request = Request(
            method=self.command,
            path=path,
            query=query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            host=self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}",
        )
        try:
            response = self.server.sandbox.answer(request)
        except Exception:
            # the path alone: query strings may carry a Slack token
            logger.exception("sandbox failed on %s %s", self.command, path)
            response = json_response(500, {"message": "sandbox internal error"})
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.status != 304 and self.command != "HEAD":
            if response.trickle > 0:
                self._trickle(response)
            else:
                self.wfile.write(response.body)

    def _trickle(self, response: Response) -> None:
        self.wfile.flush()  # the headers leave at once
        for n in range(len(response.body)):
            time.sleep(response.trickle)
            try:
                self.wfile.write(response.body[n : n + 1])
                self.wfile.flush()
            except OSError:  # the client gave up: so does the trickle
                self.close_connection = True
                return

    do_GET = _serve
    do_POST = _serve
    do_HEAD = _serve

"""Headway's HTTP front door: `/slack/events` for Slack, `/healthz` for the platform, and
with OAuth distribution `/slack/install` and `/slack/oauth_redirect`. In Socket Mode (no
app here) it serves `/healthz` only.

`/healthz` answers from the moment the port is bound: 503 `starting` while `serve` waits
for Slack, then 200 while the database answers (503 `database unavailable` when not).

A small threaded stdlib server is enough for Slack's traffic (a few requests per person
per week) and keeps the dependency list short; each request is handed to Bolt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from urllib.parse import parse_qsl, urlsplit

from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.request.internals import build_context

log = logging.getLogger(__name__)
MAX_BODY = 1 << 20  # Slack's payloads are far smaller; anything bigger is not Slack


class SlackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: App | None,
                 health: Callable[[], bool]) -> None:
        """`app` None: nothing but `/healthz`; until `ready` is set, it answers 503
        `starting` (a server made with an app is ready at once)."""
        super().__init__(address, _Handler)
        self.app = app
        self.health = health
        self.ready = app is not None

    def serve_forever(self, poll_interval: float = 0.05) -> None:
        # shutdown() waits for the loop's next poll: stdlib's 0.5 s made every stop (SIGTERM,
        # each test's teardown) take half a second; an idle poll costs microseconds.
        super().serve_forever(poll_interval)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def handle_error(self, request: object, client_address: object) -> None:
        # The default prints the traceback to stderr, outside logging and its redaction.
        log.error("request from %s failed", client_address, exc_info=True)

    def start_background(self) -> Thread:
        thread = Thread(target=self.serve_forever, name="headway-http", daemon=True)
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: SlackHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("http %s", format % args)

    def _send(self, status: int, body: str | bytes,
              headers: dict[str, str | list[str]] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        for key, value in (headers or {"Content-Type": "text/plain; charset=utf-8"}).items():
            for one in value if isinstance(value, list) else [value]:  # e.g. two Set-Cookie
                self.send_header(key, one)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _health(self) -> tuple[int, str]:
        if not self.server.ready:
            return 503, "starting\n"
        return (200, "ok\n") if self.server.health() else (503, "database unavailable\n")

    def _no_app(self) -> bool:
        """No app to hand the request to: 503 while starting, else (Socket Mode) 404."""
        if self.server.app is not None:
            return False
        self.close_connection = True  # a request body, if any, is left unread
        if self.server.ready:
            self._send(404, "not found\n")
        else:
            self._send(503, "starting\n")
        return True

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/healthz":
            self._send(*self._health())
            return
        if self._no_app():
            return
        flow = self.server.app.oauth_flow
        if flow is not None and path in (flow.install_path, flow.redirect_uri_path):
            request = BoltRequest(body="", query=urlsplit(self.path).query,
                                  headers={k.lower(): v for k, v in self.headers.items()})
            response = (flow.handle_installation(request) if path == flow.install_path
                        else flow.handle_callback(request))
            headers = {k: v for k, v in response.headers.items()
                       if k.lower() != "content-length"}
            self._send(response.status, response.body or "", headers)
            return
        self._send(404, "not found\n")

    def do_HEAD(self) -> None:
        """Platform health checks often use HEAD: `/healthz` answers as GET does, without
        the body; any other path is 404."""
        if urlsplit(self.path).path == "/healthz":
            status, body = self._health()
            length = len(body)
        else:
            status, length = 404, len("not found\n")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def do_POST(self) -> None:
        split = urlsplit(self.path)
        if split.path != "/slack/events":
            self._send(404, "not found\n")
            return
        if self._no_app():
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self._send(400, "bad Content-Length\n")
            return
        if length > MAX_BODY:
            self.close_connection = True
            self._send(413, "request body too large\n")
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            request = bolt_request(body=body, query=split.query, headers=headers)
        except Exception as exc:
            # Bolt parses before it verifies: bad JSON in `payload=` (or a body that is not
            # an object) raises here. Not Slack, or not a request Slack would send.
            log.warning("unreadable request body (%s): answered 400", type(exc).__name__)
            self._send(400, "malformed request\n")
            return
        response = self.server.app.dispatch(request)
        out_headers = {k: v[0] if isinstance(v, list) else v
                       for k, v in response.headers.items() if k.lower() != "content-length"}
        self._send(response.status, response.body or "", out_headers)


def bolt_request(*, body: str, query: str, headers: dict[str, str]) -> BoltRequest:
    """Bolt's request for an HTTP body, with one of its parsing shortcuts undone.

    Bolt takes any form body that contains the word "payload" for an interactivity payload
    and, finding no `payload=` field, drops the whole body: the request matches nothing and
    Slack gets a 404. A member typing `/headway … payload …`, or any command from a channel
    named #payload-…, would go unanswered. Such a body is parsed as the form it is.
    """
    request = BoltRequest(body=body, query=query, headers=headers)
    if not request.body and body and request.content_type == "application/x-www-form-urlencoded":
        form = dict(parse_qsl(body, keep_blank_values=True))
        if form and "payload" not in form:
            request.body = form
            request.context = build_context(BoltContext(), form)
    return request

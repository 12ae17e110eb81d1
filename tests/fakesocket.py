"""Socket Mode on loopback: the websocket side of the fake Slack (tests/fakeslack.py).

The bot connects the way it does in production: slack_sdk calls ``apps.connections.open`` on
the fake Web API with the app-level token (``xapp-…``) and gets a single-use
``ws://127.0.0.1:PORT/link/?ticket=…`` URL, then opens a real websocket to this server.

    with FakeSlack() as fake, FakeSocketMode(fake) as sock:
        handler = SocketModeHandler(app, sock.app_token)   # any slack_sdk client adapter
        handler.connect()
        sock.wait_connected()
        envelope_id = sock.slash_command({...})
        ack = sock.wait_for_ack(envelope_id)      # the very ack this test checks
        sock.disconnect("refresh_requested")      # Slack asks for a new connection

What it sends is Slack's envelopes: ``hello`` on connect, ``slash_commands``,
``interactive``, ``events_api`` (with ``retry_attempt``/``retry_reason``) and ``disconnect``
(``refresh_requested``, ``warning``). What it records is every ack the client writes back
(envelope id, optional payload, monotonic arrival time, the connection it came on) and every
envelope it was handed (when, and when it reached a socket), so tests wait for a specific
ack and the bench measures ack latency from the moment Slack had the envelope.

Envelopes go to the newest connection that has been greeted and not told to disconnect (so
those sent after a ``disconnect`` exercise the reconnect); with none, they wait for the next
``hello`` (latency still counts from when they were handed over). A connection told to
disconnect stays open for ``old_connection_grace`` seconds (10) unless the client closes it
first: Slack asks ahead of closing, and an old socket left open is what made slack_sdk's
built-in client ack after 3.1 s against Slack, its reader sitting in the old socket's 3 s
receive timeout while the new socket's envelopes waited unread.

The websocket protocol (RFC 6455) is written here on the standard library (no test
dependency for ~150 lines), server side only:
handshake, masked client frames, fragmentation, ping/pong and the close handshake. No
extension is ever accepted, so no client may compress.

``SocketDriver`` reuses ``tests/slackdriver.py``'s payload builders (``command``, ``dm``,
``click``, ``submit_view``, ``event``) and sends them as envelopes instead of signed HTTP.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

if __package__:  # imported as tests.fakesocket (e.g. from bench/)
    from .fakeslack import APP_ID, DEFAULT_TEAM_ID, FakeSlack, wait_on
    from .slackdriver import Response, SlackDriver
else:  # imported as a top-level module (pytest puts tests/ on sys.path)
    from fakeslack import APP_ID, DEFAULT_TEAM_ID, FakeSlack, wait_on
    from slackdriver import Response, SlackDriver

# An app-level token looks like xapp-<version>-<app id>-<number>-<secret>.
DEFAULT_APP_TOKEN = f"xapp-1-{APP_ID}-1-{'0123456789abcdef' * 4}"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MAX_FRAME = 16 * 1024 * 1024  # a client frame larger than this is a bug, not an ack

DISCONNECT_REASONS = frozenset({"refresh_requested", "warning", "too_many_websockets",
                                "link_disabled"})


@dataclass(frozen=True)
class Ack:
    """One acknowledgement the client wrote back: ``{"envelope_id": …, "payload": …}``."""

    envelope_id: str
    payload: dict[str, Any] | None
    at: float  # time.monotonic() on arrival
    connection: int  # the id of the connection that carried it


@dataclass
class Envelope:
    """One envelope Slack had to deliver."""

    envelope_id: str
    type: str
    body: dict[str, Any]  # the whole envelope as written to the socket
    queued_at: float  # time.monotonic() when it was handed to the fake (Slack had it)
    sent_at: float | None = None  # when it was written to a socket
    connection: int | None = None


@dataclass
class Connection:
    """One websocket the client opened (ids count from 1 in connect order)."""

    id: int
    ticket: str
    opened_at: float
    hello_at: float | None = None
    disconnect_reason: str | None = None  # set once a `disconnect` was sent on it
    disconnect_at: float | None = None
    closed_at: float | None = None
    closed_by: str | None = None  # "client" | "server" | "dropped"
    sock: socket.socket | None = field(default=None, repr=False)
    send_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def open(self) -> bool:
        return self.closed_at is None

    @property
    def routable(self) -> bool:
        return self.open and self.hello_at is not None and self.disconnect_reason is None


class FakeSocketMode:
    """Slack's Socket Mode server on 127.0.0.1, tied to a started FakeSlack; see the module
    docstring."""

    def __init__(self, fake: FakeSlack, *, app_token: str = DEFAULT_APP_TOKEN,
                 app_id: str = APP_ID, old_connection_grace: float = 10.0) -> None:
        if not app_token.startswith("xapp-"):
            raise ValueError("an app-level token starts with xapp-")
        self.fake = fake
        self.app_token = app_token
        self.app_id = app_id
        self.old_connection_grace = old_connection_grace
        self._lock = threading.Condition()
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._threads: list[threading.Thread] = []
        self._timers: list[threading.Timer] = []
        self._stopping = False
        self._ids = itertools.count(1)
        self._tickets: dict[str, bool] = {}  # ticket -> used
        self._connections: list[Connection] = []
        self._envelopes: dict[str, Envelope] = {}
        self._pending: list[Envelope] = []  # handed over while no connection could take them
        self._acks: list[Ack] = []
        self._problems: list[str] = []

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeSocketMode:
        if self._listener is None:
            listener = socket.create_server(("127.0.0.1", 0))
            listener.settimeout(0.1)  # so stop() is noticed between accepts
            self._listener = listener
            self._accept_thread = threading.Thread(target=self._accept_loop,
                                                   name="FakeSocketMode", daemon=True)
            self._accept_thread.start()
            self.fake.add_app_token(self.app_token, self._issue_url)
        return self

    def stop(self) -> None:
        if self._listener is None:
            return
        with self._lock:
            self._stopping = True
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()
        assert self._accept_thread is not None
        self._accept_thread.join()
        self._listener.close()
        self._listener = None
        for conn in self.connections:
            self._shutdown(conn, "server")
        for thread in list(self._threads):
            thread.join(timeout=5)

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("FakeSocketMode is not started")
        return self._listener.getsockname()[1]

    def _issue_url(self) -> str:
        """What apps.connections.open answers: a fresh single-use ticket, as Slack's
        ``wss://wss-primary.slack.com/link/?ticket=…&app_id=…``."""
        ticket = str(uuid.uuid4())
        with self._lock:
            self._tickets[ticket] = False
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # --- sending envelopes ----------------------------------------------------------------

    def send(self, type_: str, payload: dict[str, Any], *, accepts_response_payload: bool,
             retry_attempt: int | None = None, retry_reason: str | None = None) -> str:
        """Hand Slack an envelope to deliver; returns its envelope id."""
        envelope_id = str(uuid.uuid4())
        body: dict[str, Any] = {"envelope_id": envelope_id, "payload": payload,
                                "type": type_,
                                "accepts_response_payload": accepts_response_payload}
        if retry_attempt is not None:
            body["retry_attempt"] = retry_attempt
            body["retry_reason"] = retry_reason or ""
        envelope = Envelope(envelope_id, type_, body, time.monotonic())
        with self._lock:
            self._envelopes[envelope_id] = envelope
            conn = self._route()
            if conn is None:
                self._pending.append(envelope)
                return envelope_id
        self._deliver(conn, envelope)
        return envelope_id

    def slash_command(self, form: dict[str, Any]) -> str:
        # Shape: slack_sdk tests/slack_sdk/socket_mode/mock_socket_mode_server.py (first
        # envelope) and bolt-python tests/adapter_tests/socket_mode/mock_socket_mode_server.py
        # (second): the slash command's form fields as a JSON object, type "slash_commands",
        # accepts_response_payload true (the ack may carry the reply).
        return self.send("slash_commands", dict(form), accepts_response_payload=True)

    def interactive(self, payload: dict[str, Any]) -> str:
        # Shape: the same two files, their "shortcut" and "block_actions" envelopes: the
        # interaction payload as a JSON object (not form-encoded as over HTTP). A
        # view_submission may answer with response_action, so Slack accepts a payload on
        # its ack.
        accepts = payload.get("type") in ("view_submission", "block_suggestion")
        return self.send("interactive", payload, accepts_response_payload=accepts)

    def events_api(self, payload: dict[str, Any], *, retry_attempt: int = 0,
                   retry_reason: str = "") -> str:
        # Shape: the same two files, their "app_mention"/"message" envelopes: the
        # event_callback as payload, accepts_response_payload false, retry_attempt 0 and
        # retry_reason "" on a first delivery; a redelivery counts up with a reason, as in
        # slack_sdk's tests/slack_sdk/socket_mode/test_request.py ("timeout") and Bolt reads
        # them as X-Slack-Retry-Num/-Reason (tests/adapter_tests/socket_mode/test_internals.py).
        return self.send("events_api", payload, accepts_response_payload=False,
                         retry_attempt=retry_attempt, retry_reason=retry_reason)

    def disconnect(self, reason: str = "refresh_requested",
                   connection: int | None = None) -> int:
        """Ask a connection (default: the one envelopes go to) to reconnect; returns its id.

        Shape: slack_sdk's mock server's ``socket_mode_disconnect_message`` (reason,
        num_connections, debug_info, connection_info), with the reasons Slack sends in
        routine operation: ``refresh_requested`` (reconnect, please) and ``warning`` (this
        connection closes soon)."""
        if reason not in DISCONNECT_REASONS:
            raise ValueError(f"unknown disconnect reason {reason!r}")
        with self._lock:
            if connection is None:
                conn = self._route()
                if conn is None:
                    raise AssertionError("no connection to disconnect")
            else:
                conn = self._connection(connection)
            conn.disconnect_reason = reason
            conn.disconnect_at = time.monotonic()
            message = {"type": "disconnect", "reason": reason,
                       "num_connections": self._open_count(),
                       "debug_info": {"host": f"applink-fake-{conn.id}"},
                       "connection_info": {"app_id": self.app_id}}
            if not self._stopping:
                timer = threading.Timer(self.old_connection_grace, self._shutdown,
                                        args=(conn, "server"))
                timer.daemon = True
                self._timers.append(timer)
                timer.start()
        self._send_json(conn, message)
        return conn.id

    def drop(self, connection: int | None = None) -> int:
        """Cut a connection without a close frame (a network fault); returns its id."""
        with self._lock:
            conn = self._route() if connection is None else self._connection(connection)
            if conn is None:
                raise AssertionError("no connection to drop")
        self._shutdown(conn, "dropped")
        return conn.id

    # --- inspection -----------------------------------------------------------------------

    @property
    def connections(self) -> list[Connection]:
        with self._lock:
            return list(self._connections)

    @property
    def acks(self) -> list[Ack]:
        """Every ack received, in arrival order (a copy)."""
        with self._lock:
            return list(self._acks)

    def envelope(self, envelope_id: str) -> Envelope:
        with self._lock:
            return self._envelopes[envelope_id]

    def ack_for(self, envelope_id: str) -> Ack | None:
        with self._lock:
            return next((a for a in self._acks if a.envelope_id == envelope_id), None)

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> Ack:
        """The ack of this envelope, waiting for it; AssertionError if none comes."""
        if envelope_id not in self._envelopes:
            raise KeyError(f"no envelope {envelope_id!r} was sent")
        return wait_on(self._lock,
                       lambda: next((a for a in self._acks if a.envelope_id == envelope_id),
                                    None),
                       timeout, f"no ack for envelope {envelope_id} in {timeout} s")

    def wait_connected(self, count: int = 1, timeout: float = 10.0) -> Connection:
        """Wait until ``count`` connections in all have been greeted; returns the newest."""
        return self._wait(lambda: (greeted := [c for c in self._connections if c.hello_at])
                          and len(greeted) >= count and greeted[-1],
                          timeout, f"{count} greeted connection(s)")

    def wait_closed(self, connection: int, timeout: float = 10.0) -> Connection:
        return self._wait(lambda: (c := self._connection(connection)).closed_at and c,
                          timeout, f"connection {connection} to close")

    @property
    def problems(self) -> list[str]:
        """Protocol misuse seen: unknown or repeated acks, bad frames, unused tickets…"""
        with self._lock:
            return list(self._problems)

    def clear_problems(self) -> None:
        """Forget the misuse seen so far (for tests whose point is the misuse)."""
        with self._lock:
            self._problems.clear()

    def assert_clean(self) -> None:
        problems = self.problems
        assert not problems, "Socket Mode misuse:\n  " + "\n  ".join(problems)

    # --- internals: routing ---------------------------------------------------------------

    def _route(self) -> Connection | None:
        """The newest connection Slack would deliver on (lock held)."""
        return next((c for c in reversed(self._connections) if c.routable), None)

    def _connection(self, connection_id: int) -> Connection:
        return next(c for c in self._connections if c.id == connection_id)

    def _open_count(self) -> int:
        return sum(1 for c in self._connections if c.open)

    def _wait(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        return wait_on(self._lock, predicate, timeout, f"timed out waiting for {what}")

    def _deliver(self, conn: Connection, envelope: Envelope) -> None:
        if self._send_json(conn, envelope.body):
            with self._lock:
                envelope.sent_at = time.monotonic()
                envelope.connection = conn.id
        else:  # the connection went away under us: Slack tries the next one
            with self._lock:
                self._pending.append(envelope)
            self._flush()

    def _flush(self) -> None:
        with self._lock:
            conn = self._route()
            if conn is None or not self._pending:
                return
            pending, self._pending = self._pending, []
        for envelope in pending:
            self._deliver(conn, envelope)

    # --- internals: the websocket server --------------------------------------------------

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            thread = threading.Thread(target=self._serve, args=(client,),
                                      name="FakeSocketMode-conn", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        greeted = self._handshake(client)
        if greeted is None:
            client.close()
            return
        conn, leftover = greeted
        # Shape: slack_sdk's mock server's ``socket_mode_hello_message``; Slack greets every
        # new connection before sending it anything else.
        self._send_json(conn, {"type": "hello", "num_connections": self._open_count(),
                               "debug_info": {"host": f"applink-fake-{conn.id}",
                                              "build_number": 1,
                                              "approximate_connection_time": 18060},
                               "connection_info": {"app_id": self.app_id}})
        with self._lock:
            conn.hello_at = time.monotonic()
            self._lock.notify_all()
        self._flush()
        try:
            self._read_frames(conn, leftover)
        except (OSError, ConnectionError, _ProtocolError) as exc:
            if isinstance(exc, _ProtocolError):
                self._problem(f"connection {conn.id}: {exc}")
        finally:
            self._shutdown(conn, "client")

    def _handshake(self, client: socket.socket) -> tuple[Connection, bytes] | None:
        try:
            raw = b""
            while b"\r\n\r\n" not in raw:
                chunk = client.recv(4096)
                if not chunk or len(raw) > 65536:
                    return None
                raw += chunk
        except OSError:
            return None
        head_bytes, leftover = raw.split(b"\r\n\r\n", 1)
        head = head_bytes.decode("latin-1")
        request_line, *header_lines = head.split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in header_lines if ":" in line)}
        parts = request_line.split(" ")
        target = urlsplit(parts[1] if len(parts) > 1 else "")
        ticket = (parse_qs(target.query).get("ticket") or [""])[0]
        key = headers.get("sec-websocket-key", "")
        with self._lock:
            known = ticket in self._tickets
            used = self._tickets.get(ticket, False)
            if known:
                self._tickets[ticket] = True
        refusal = None
        if parts[0] != "GET" or target.path.rstrip("/") != "/link":
            refusal = f"unexpected request line {request_line!r}"
        elif not known:
            refusal = "a websocket URL apps.connections.open never issued"
        elif used:
            refusal = "a websocket URL used twice (Slack's tickets are single-use)"
        elif headers.get("upgrade", "").lower() != "websocket" or not key:
            refusal = "not a websocket upgrade"
        if refusal is not None:
            self._problem(f"refused a connection: {refusal}")
            client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return None
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        client.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
                        ).encode())
        with self._lock:
            if self._stopping:
                return None
            conn = Connection(next(self._ids), ticket, time.monotonic(), sock=client)
            self._connections.append(conn)
        return conn, leftover

    def _read_frames(self, conn: Connection, leftover: bytes) -> None:
        assert conn.sock is not None
        reader = _Reader(conn.sock, leftover)
        message = bytearray()
        message_op: int | None = None
        while True:
            fin, opcode, data = reader.frame()
            if opcode == OP_CLOSE:
                self._send_frame(conn, OP_CLOSE, data[:2])  # echo the status code
                return
            if opcode == OP_PING:
                self._send_frame(conn, OP_PONG, data)
                continue
            if opcode == OP_PONG:
                continue
            if opcode in (OP_TEXT, OP_BINARY):
                if message_op is not None:
                    raise _ProtocolError("a new message began inside a fragmented one")
                message_op, message = opcode, bytearray(data)
            elif opcode == OP_CONT:
                if message_op is None:
                    raise _ProtocolError("a continuation frame with no message")
                message += data
            else:
                raise _ProtocolError(f"unknown opcode {opcode:#x}")
            if fin:
                if message_op == OP_BINARY:
                    self._problem(f"connection {conn.id}: a binary message (acks are text)")
                else:
                    self._on_text(conn, bytes(message).decode("utf-8"))
                message_op, message = None, bytearray()

    def _on_text(self, conn: Connection, text: str) -> None:
        arrived = time.monotonic()
        try:
            message = json.loads(text)
        except ValueError:
            self._problem(f"connection {conn.id}: a message that is not JSON: {text[:80]!r}")
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if not envelope_id:
            self._problem(f"connection {conn.id}: a message that is not an ack: {text[:80]!r}")
            return
        payload = message.get("payload")
        with self._lock:
            envelope = self._envelopes.get(envelope_id)
            if envelope is None:
                self._problems.append(f"ack for an envelope never sent: {envelope_id}")
            elif any(a.envelope_id == envelope_id for a in self._acks):
                self._problems.append(f"envelope {envelope_id} acked twice")
            elif payload is not None and not envelope.body["accepts_response_payload"]:
                self._problems.append(f"ack of {envelope.type} {envelope_id} carries a "
                                      "payload Slack does not accept")
            self._acks.append(Ack(envelope_id, payload, arrived, conn.id))
            self._lock.notify_all()

    def _send_json(self, conn: Connection, message: dict[str, Any]) -> bool:
        return self._send_frame(conn, OP_TEXT, json.dumps(message).encode())

    def _send_frame(self, conn: Connection, opcode: int, data: bytes) -> bool:
        size = len(data)
        if size < 126:
            head = struct.pack("!BB", 0x80 | opcode, size)
        elif size < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 126, size)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, size)
        with conn.send_lock:
            if conn.sock is None or not conn.open:
                return False
            try:
                conn.sock.sendall(head + data)  # server frames are never masked
            except OSError:
                return False
        return True

    def _shutdown(self, conn: Connection, by: str) -> None:
        with self._lock:
            if conn.closed_at is not None:
                return
            conn.closed_at = time.monotonic()
            conn.closed_by = by
            self._lock.notify_all()
        if by == "server":
            self._send_frame_quietly(conn, OP_CLOSE, struct.pack("!H", 1000))
        with conn.send_lock:
            sock, conn.sock = conn.sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._flush()  # anything meant for it goes to the next connection

    def _send_frame_quietly(self, conn: Connection, opcode: int, data: bytes) -> None:
        with conn.send_lock:
            if conn.sock is not None:
                with contextlib.suppress(OSError):
                    conn.sock.sendall(struct.pack("!BB", 0x80 | opcode, len(data)) + data)

    def _problem(self, problem: str) -> None:
        with self._lock:
            self._problems.append(problem)


class _ProtocolError(Exception):
    pass


class _Reader:
    """Reads client frames (RFC 6455 §5.2): every client frame must be masked."""

    def __init__(self, sock: socket.socket, leftover: bytes) -> None:
        self.sock = sock
        self.buf = bytearray(leftover)

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the client")
            self.buf += chunk
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def frame(self) -> tuple[bool, int, bytes]:
        b0, b1 = self._exact(2)
        if b0 & 0x70:
            raise _ProtocolError("reserved bits set (no extension was negotiated)")
        size = b1 & 0x7F
        if size == 126:
            size = struct.unpack("!H", self._exact(2))[0]
        elif size == 127:
            size = struct.unpack("!Q", self._exact(8))[0]
        if size > MAX_FRAME:
            raise _ProtocolError(f"a {size}-byte frame")
        if not b1 & 0x80:
            raise _ProtocolError("an unmasked client frame")
        mask = self._exact(4)
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(self._exact(size)))
        return bool(b0 & 0x80), b0 & 0x0F, data


# --- the bot's side of the wire, as SlackDriver's payloads -----------------------------------


@dataclass
class SocketResponse(Response):
    """What SlackDriver's methods return, from an ack instead of an HTTP response."""

    envelope_id: str = ""
    ack: Ack | None = None


class SocketDriver(SlackDriver):
    """SlackDriver's payloads delivered as Socket Mode envelopes; each call returns once the
    bot acked that envelope (status 200, the ack's payload as the body).

    ``event(…, retry_attempt=1, retry_reason="timeout", event_id="Ev…")`` redelivers; so
    does ``redeliver(envelope_id)``, with the first delivery's event_id.
    """

    def __init__(self, sock: FakeSocketMode, fake: FakeSlack,
                 team_id: str = DEFAULT_TEAM_ID, ack_timeout: float = 10.0) -> None:
        super().__init__(f"ws://127.0.0.1:{sock.port}", fake, team_id=team_id)
        self.sock = sock
        self.ack_timeout = ack_timeout

    def post(self, body: str, content_type: str, *, timestamp: int | None = None,
             signature: str | None = None, path: str = "/slack/events",
             retry_attempt: int = 0, retry_reason: str = "",
             event_id: str | None = None,
             headers: dict[str, str] | None = None) -> SocketResponse:
        if timestamp is not None or signature is not None:
            raise TypeError("Socket Mode envelopes are not signed")
        # The HTTP side's redelivery headers become the envelope's own retry fields.
        if headers and "X-Slack-Retry-Num" in headers:
            retry_attempt = int(headers["X-Slack-Retry-Num"])
            retry_reason = headers.get("X-Slack-Retry-Reason", "timeout")
        if content_type.startswith("application/json"):
            payload = json.loads(body)
            if event_id is not None:
                payload["event_id"] = event_id
            envelope_id = self.sock.events_api(payload, retry_attempt=retry_attempt,
                                               retry_reason=retry_reason)
        else:
            form = dict(parse_qsl(body, keep_blank_values=True))
            if set(form) == {"payload"}:
                envelope_id = self.sock.interactive(json.loads(form["payload"]))
            else:
                envelope_id = self.sock.slash_command(form)
        return self._answer(envelope_id)

    def redeliver(self, envelope_id: str, retry_attempt: int = 1,
                  retry_reason: str = "timeout") -> SocketResponse:
        """Slack sends the event of ``envelope_id`` again (same event_id, new envelope)."""
        first = self.sock.envelope(envelope_id)
        if first.type != "events_api":
            raise ValueError("Slack redelivers events only")
        return self._answer(self.sock.events_api(
            json.loads(json.dumps(first.body["payload"])), retry_attempt=retry_attempt,
            retry_reason=retry_reason))

    def _answer(self, envelope_id: str) -> SocketResponse:
        ack = self.sock.wait_for_ack(envelope_id, self.ack_timeout)
        body = json.dumps(ack.payload) if ack.payload is not None else ""
        return SocketResponse(200, body, {}, envelope_id=envelope_id, ack=ack)

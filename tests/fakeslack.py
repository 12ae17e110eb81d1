"""A fake Slack Web API on loopback, for tests and benchmarks.

The bot talks to it through a real ``slack_sdk.WebClient(base_url=fake.api_url)``, so the
whole HTTP path — encoding, retries, rate-limit handling — is exercised, not a mock of it.

    with FakeSlack() as fake:
        fake.add_user("U1", tz="Europe/Berlin")
        client = WebClient(token=fake.token, base_url=fake.api_url)
        client.chat_postMessage(channel="U1", text="hi")
        assert fake.calls_to("chat.postMessage")[0].args["text"] == "hi"
        fake.assert_clean()

What it is: a small, stateful stand-in that answers the methods Headway uses with the fields
Slack returns, keeps the messages it was sent (so ``conversations.history`` works), injects
faults (errors, 5xx, 429 with ``Retry-After``, latency, dropped connections) and checks every
call against Slack's spec and Block Kit limits (``tests/slackspec.py``); problems land in
``fake.violations``. What it is not: a Slack clone. No scopes, no events; Socket Mode's
websocket side is ``tests/fakesocket.py``, which hooks in through ``add_app_token``.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import itertools
import json
import math
import secrets
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

if __package__:  # imported as tests.fakeslack (e.g. from bench/)
    from . import slackspec
else:  # imported as a top-level module (pytest puts tests/ on sys.path)
    import slackspec

DEFAULT_TEAM_ID = "T0001"
DEFAULT_TOKEN = "xoxb-test"
APP_ID = "A0HEADWAY"
BOT_NAME = "headway"
SLACKBOT_ID = "USLACKBOT"
UPLOAD_PATH = "/upload/v1/"
HOOK_PATH = "/hooks/"
RESPONSE_URL_METHOD = "response_url"  # pseudo-method under which response_url posts are recorded

# Fields that slack_sdk JSON-encodes inside form bodies (and callers may pass pre-encoded in
# JSON bodies); decoded so tests and checkers see Python objects.
JSON_FIELDS = frozenset(
    {"attachments", "blocks", "files", "metadata", "outputs", "user_auth_blocks", "view"}
)
DEFAULT_SCOPES = frozenset({"chat:write", "commands", "im:history", "im:write", "users:read",
                            "channels:read", "groups:read", "files:write"})
# The scope a method needs, where tests exercise its absence.
NEEDED_SCOPE = {"files.getUploadURLExternal": "files:write",
                "files.completeUploadExternal": "files:write"}

# Methods that need no bot token: the OAuth exchange authenticates the app, not a workspace.
TOKENLESS_PREFIX = "oauth."

Args = dict[str, Any]
CustomHandler = Callable[[Args], dict[str, Any]]


@dataclass(frozen=True)
class Call:
    """One request the fake received, as Slack would have seen it (token taken out of args)."""

    method: str
    args: Args
    token: str | None
    at: float  # time.monotonic() on arrival
    team_id: str | None = None  # the workspace the token belongs to, if valid
    status: int = 200  # HTTP status sent; 0 when the connection was dropped
    error: str | None = None  # Slack's "error" field when ok was false
    url: str | None = None  # response_url posts: the URL posted to (one per command/click)
    response: dict[str, Any] | None = None  # what the fake answered, e.g. a posted message's ts

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


@dataclass(frozen=True)
class Stats:
    """Counters over every call since start (or clear())."""

    calls: int
    ok: int
    errors: int  # HTTP 200 with ok: false
    ratelimited: int  # HTTP 429 sent
    server_errors: int  # HTTP 5xx sent
    dropped: int  # connections closed without a reply
    ratelimited_by_method: dict[str, int]


@dataclass
class _Fault:
    method: str  # or "*" for every method
    kind: str  # "error" | "429" | "drop"
    error: str = "fatal_error"
    status: int = 200
    retry_after: int = 1
    remaining: int | None = 1  # None: every matching call
    when: Callable[[Args], bool] | None = None
    team_id: str | None = None  # only calls made with this workspace's token

    def matches(self, method: str, args: Args, team_id: str | None = None) -> bool:
        if self.method not in ("*", method) or self.remaining == 0:
            return False
        if self.team_id is not None and self.team_id != team_id:
            return False
        return self.when is None or bool(self.when(args))


@dataclass
class _Team:
    id: str
    name: str
    domain: str
    bot_user_id: str
    bot_id: str
    # What the bot token was granted: sent back in `x-oauth-scopes` on every call, and
    # methods that need a scope it lacks answer `missing_scope`, as Slack does.
    scopes: frozenset[str] = DEFAULT_SCOPES


@dataclass
class _User:
    id: str
    team_id: str
    name: str
    real_name: str
    tz: str | None
    is_admin: bool
    is_owner: bool
    is_bot: bool
    deleted: bool
    email: str | None
    bot_id: str | None = None


@dataclass
class _Channel:
    id: str
    team_id: str
    name: str | None
    members: list[str]
    created: int
    is_im: bool = False
    is_private: bool = False
    peer: str | None = None  # the user of a DM
    messages: list[dict[str, Any]] = field(default_factory=list)  # sorted by ts


@dataclass
class _Request:
    method: str
    args: Args
    team: _Team | None
    basic_auth: tuple[str, str] | None


class SlackError(Exception):
    """Raised inside handlers: becomes {"ok": false, "error": error, **extra}."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _ts_key(ts: str) -> int:
    """A Slack ts ("1700000000.000100") as integer microseconds, for ordering."""
    seconds, _, micros = str(ts).partition(".")
    return int(seconds) * 1_000_000 + int((micros + "000000")[:6])


def wait_on(condition: threading.Condition, found: Callable[[], Any], timeout: float,
            failure: str) -> Any:
    """Hold `condition` and wait until `found()` returns something truthy (re-checked each
    time the condition is notified); AssertionError(`failure`) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    with condition:
        while True:
            value = found()
            if value:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(failure)
            condition.wait(left)


def _truthy(value: Any) -> bool:
    # Form bodies carry booleans as "1"/"0" (slack_sdk) or "true"/"false" (other clients).
    return value not in (None, False, 0, "", "0", "false", "False")


def _int_arg(args: Args, name: str, default: int) -> int:
    value = args.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SlackError("invalid_arguments", detail=f"{name} must be an integer") from None


def _cursor(offset: int) -> str:
    # Opaque like Slack's (base64), but just an offset underneath.
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _page(items: list[Any], args: Args, default_limit: int) -> tuple[list[Any], str]:
    """Slice ``items`` by cursor/limit; returns the page and next_cursor ("" at the end)."""
    limit = _int_arg(args, "limit", 0) or default_limit
    limit = min(limit, 1000)  # Slack's documented maximum page size
    start = 0
    if args.get("cursor"):
        try:
            start = int(base64.b64decode(args["cursor"]).decode().removeprefix("offset:"))
        except ValueError:
            raise SlackError("invalid_cursor") from None
    end = start + limit
    return items[start:end], (_cursor(end) if end < len(items) else "")


def _decode_body(query: str, body: bytes, content_type: str) -> tuple[Args, str, list[str]]:
    """Arguments from query string and body; returns (args, encoding, problems)."""
    args: Args = dict(parse_qsl(query, keep_blank_values=True))
    problems: list[str] = []
    ctype = content_type.split(";")[0].strip().lower()
    encoding = slackspec.FORM
    if body and ctype == "application/json":
        encoding = slackspec.JSON_FORM
        data = json.loads(body)  # ValueError -> invalid_json in the caller
        if not isinstance(data, dict):
            raise ValueError("JSON body must be an object")
        args.update(data)
    elif body and ctype in ("", "application/x-www-form-urlencoded"):
        args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif body:
        raise ValueError(f"unsupported content type {ctype!r}")
    for name in JSON_FIELDS & args.keys():
        value = args[name]
        if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
            try:
                args[name] = json.loads(value)
            except ValueError:
                problems.append(f"{name} is not valid JSON")
    return args, encoding, problems


class _HTTPHandler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self.server.fake._serve(self)

    do_GET = do_POST

    def log_message(self, *args: Any) -> None:
        pass  # quiet: tests read fake.calls instead of stderr


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a delayed request must not block stop()

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _HTTPHandler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client killed mid-request (the SIGKILL tests do it on purpose) is not an error
        # of the fake's; anything else still prints.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class FakeSlack:
    """A fake Slack Web API server on 127.0.0.1; see the module docstring."""

    # How many fakes in this process wanted the spec check but found no spec to check with.
    started_without_spec = 0

    def __init__(
        self,
        *,
        spec_path: Path | str | None = None,
        check_spec: bool = True,
        allow_broadcasts: bool = False,
        strict_channels: bool = False,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock`` gives message timestamps (epoch seconds); inject one for fixed ts values.
        ``monotonic`` times rate_limit()'s window; inject one to move the window by hand.

        ``allow_broadcasts=False`` reports any <!channel>/<!here>/... in an outgoing payload:
        Headway never pings on purpose, so one means user text reached mrkdwn unescaped.

        ``strict_channels=True`` answers ``channel_not_found`` for channel ids never seeded
        with add_channel(); by default they spring into existence with the bot as a member.
        """
        self.spec = slackspec.load_spec(spec_path) if check_spec else None
        self.spec_missing = (
            slackspec.spec_missing_message(spec_path) if check_spec and self.spec is None else None
        )
        if self.spec_missing:
            FakeSlack.started_without_spec += 1  # conftest says so at the end of the run
        self._allow_broadcasts = allow_broadcasts
        self._strict_channels = strict_channels
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.RLock()
        self._arrived = threading.Condition(self._lock)  # notified on every recorded call
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(1)
        self._last_ts = 0

        self._teams: dict[str, _Team] = {}
        self._tokens: dict[str, str] = {}  # token -> team id
        self._revoked: set[str] = set()
        self._users: dict[tuple[str, str], _User] = {}  # (team id, user id) -> user
        self._channels: dict[str, _Channel] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._home: dict[tuple[str, str], str] = {}  # (team, user) -> view id
        self._files: dict[str, dict[str, Any]] = {}
        self._oauth_codes: dict[str, dict[str, Any]] = {}
        self._refresh_tokens: dict[str, dict[str, Any]] = {}
        self._oauth_client: tuple[str, str] | None = None
        self._hooks: set[str] = set()
        self._custom: dict[str, CustomHandler] = {}
        # App-level tokens (xapp-…) -> what apps.connections.open answers with them.
        self._app_tokens: dict[str, Callable[[], str]] = {}

        self._calls: list[Call] = []
        self._violations: list[str] = []
        self._forbidden: set[str] = set()
        self._faults: list[_Fault] = []
        # Keyed by (method, workspace): None for every workspace.
        self._delays: dict[tuple[str, str | None], float] = {}
        self._limits: dict[tuple[str, str | None], int] = {}
        self._windows: dict[tuple[str, str | None], deque[float]] = {}
        self._counts: Counter[str] = Counter()
        self._arrival_hooks: dict[str, list[Callable[[Args], None]]] = {}

        self._handlers: dict[str, Callable[[_Request], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "team.info": self._team_info,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "conversations.members": self._conversations_members,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "reactions.add": self._reactions_add,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "oauth.v2.access": self._oauth_v2_access,
        }
        self.add_team(DEFAULT_TEAM_ID, token=DEFAULT_TOKEN, name="Headway Test")

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        if self._server is None:
            self._server = _Server(self)
            # A short poll interval keeps stop() fast; shutdown() waits for one poll.
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.01},
                name="FakeSlack",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/`` (the root; ``api_url`` is what WebClient wants)."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:PORT/api/``: pass as WebClient(base_url=...) / SLACK_API_URL."""
        return self.base_url + "api/"

    @property
    def token(self) -> str:
        """The default workspace's bot token."""
        return DEFAULT_TOKEN

    # --- seeding --------------------------------------------------------------------------

    def add_team(
        self,
        team_id: str,
        *,
        token: str,
        name: str | None = None,
        domain: str | None = None,
        bot_user_id: str | None = None,
        bot_id: str | None = None,
    ) -> None:
        """A workspace with its bot token; its bot user and Slackbot are seeded as users."""
        suffix = team_id[1:]
        team = _Team(
            id=team_id,
            name=name or f"Team {team_id}",
            domain=domain or f"team-{suffix.lower()}",
            bot_user_id=bot_user_id or f"UBOT{suffix}",
            bot_id=bot_id or f"BBOT{suffix}",
        )
        with self._lock:
            self._teams[team_id] = team
            self._tokens[token] = team_id
        # Real users.list includes the bot itself and Slackbot — and Slackbot has
        # is_bot false — so code that enrolls "everyone" must filter them.
        self.add_user(
            team.bot_user_id,
            team_id=team_id,
            name=BOT_NAME,
            real_name="Headway",
            tz="America/Los_Angeles",
            is_bot=True,
        )
        self.add_user(
            SLACKBOT_ID,
            team_id=team_id,
            name="slackbot",
            real_name="Slackbot",
            tz="America/Los_Angeles",
        )
        with self._lock:
            self._users[(team_id, team.bot_user_id)].bot_id = team.bot_id

    def set_scopes(self, scopes: set[str] | frozenset[str],
                   team_id: str = DEFAULT_TEAM_ID) -> None:
        """Change what the workspace's bot token was granted (e.g. without files:write)."""
        with self._lock:
            team = self._teams[team_id]
            self._teams[team_id] = replace(team, scopes=frozenset(scopes))

    def add_token(self, token: str, team_id: str = DEFAULT_TEAM_ID) -> None:
        """Another valid token for a workspace (e.g. after token rotation)."""
        with self._lock:
            self._tokens[token] = team_id
            self._revoked.discard(token)

    def add_app_token(self, token: str, issue_url: Callable[[], str]) -> None:
        """An app-level token: ``apps.connections.open`` with it answers ``{"url":
        issue_url()}``; any other method refuses it, and a bot token is refused by
        ``apps.connections.open`` (``not_allowed_token_type``, as Slack does)."""
        with self._lock:
            self._app_tokens[token] = issue_url

    def revoke_token(self, token: str) -> None:
        """Later calls with ``token`` get ``token_revoked`` (app uninstalled)."""
        with self._lock:
            self._revoked.add(token)

    def add_user(
        self,
        user_id: str,
        *,
        team_id: str = DEFAULT_TEAM_ID,
        tz: str | None = "America/New_York",
        name: str | None = None,
        real_name: str | None = None,
        email: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> None:
        """A workspace member; ``tz=None`` leaves tz fields out, as Slack sometimes does."""
        if team_id not in self._teams:
            raise ValueError(f"unknown team {team_id}; add_team() first")
        if tz is not None:
            ZoneInfo(tz)  # fail at seeding time, not inside a request
        name = name or user_id.lower()
        user = _User(
            id=user_id,
            team_id=team_id,
            name=name,
            real_name=real_name or name.title(),
            tz=tz,
            is_admin=is_admin,
            is_owner=is_owner,
            is_bot=is_bot,
            deleted=deleted,
            email=email,
        )
        with self._lock:
            # Keyed by workspace too: USLACKBOT has the same id in every workspace.
            self._users[(team_id, user_id)] = user

    def add_channel(
        self,
        channel_id: str,
        *,
        team_id: str = DEFAULT_TEAM_ID,
        name: str | None = None,
        members: Iterable[str] = (),
        is_private: bool = False,
        bot_is_member: bool = True,
    ) -> None:
        """A channel; the bot is a member unless told otherwise (then history is refused)."""
        if team_id not in self._teams:
            raise ValueError(f"unknown team {team_id}; add_team() first")
        member_list = list(members)
        if bot_is_member:
            member_list.append(self._teams[team_id].bot_user_id)
        with self._lock:
            self._channels[channel_id] = _Channel(
                id=channel_id,
                team_id=team_id,
                name=name or channel_id.lower(),
                members=member_list,
                created=int(self._clock()),
                is_private=is_private,
            )

    def add_message(
        self,
        channel_id: str,
        text: str,
        *,
        user: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        **fields: Any,
    ) -> str:
        """A message someone else posted (e.g. a member's DM reply); returns its ts.

        ``channel_id`` may be a user id of the default workspace: the message lands in the
        bot's DM with that user.
        """
        with self._lock:
            if channel_id[:1] in ("U", "W") and channel_id not in self._channels:
                channel = self._dm(self._teams[DEFAULT_TEAM_ID], channel_id)
            else:
                channel = self._channels[channel_id]
            message = {"type": "message", "user": user, "text": text, **fields}
            message["ts"] = ts or self._next_ts()
            message["team"] = channel.team_id
            if thread_ts:
                message["thread_ts"] = thread_ts
            self._store(channel, message)
            return message["ts"]

    def add_oauth_code(self, code: str, response: dict[str, Any] | None = None) -> None:
        """What oauth.v2.access answers for ``code`` (single use); defaults to the default team.

        On success the returned access_token becomes valid for the returned team.
        """
        with self._lock:
            self._oauth_codes[code] = response or self._default_oauth_response()

    def add_refresh_token(self, refresh_token: str, response: dict[str, Any]) -> None:
        """What oauth.v2.access answers for grant_type=refresh_token (token rotation)."""
        with self._lock:
            self._refresh_tokens[refresh_token] = response

    def set_oauth_client(self, client_id: str, client_secret: str) -> None:
        """Require these app credentials on oauth.v2.access (Basic auth or form fields)."""
        self._oauth_client = (client_id, client_secret)

    def new_response_url(self) -> str:
        """A response_url like the ones in slash-command/action payloads (Bolt's respond())."""
        hook = f"{DEFAULT_TEAM_ID}/B{next(self._ids):08d}/{secrets.token_hex(12)}"
        with self._lock:
            self._hooks.add(hook)
        return f"{self.base_url}{HOOK_PATH.lstrip('/')}{hook}"

    def on(self, method: str, handler: CustomHandler) -> None:
        """Answer ``method`` with ``handler(args)`` (a full response dict, "ok" included)."""
        with self._lock:
            self._custom[method] = handler

    def on_arrival(self, method: str, hook: Callable[[Args], None]) -> None:
        """Run ``hook(args)`` as each call to ``method`` arrives, before it is answered: a
        test acts at an exact point (e.g. "stop" while the third DM is in hand) instead of
        racing the sender with sleeps. The hook runs on the fake's request thread."""
        with self._lock:
            self._arrival_hooks.setdefault(method, []).append(hook)

    # --- fault injection ------------------------------------------------------------------

    def fail(
        self,
        method: str,
        error: str = "fatal_error",
        *,
        status: int = 200,
        times: int | None = 1,
        when: Callable[[Args], bool] | None = None,
        team_id: str | None = None,
    ) -> None:
        """The next ``times`` matching calls (None: all) answer ok:false ``error`` with
        HTTP ``status`` (use 500/503 for server errors). ``method`` may be "*";
        ``team_id`` limits it to calls made with that workspace's token."""
        with self._lock:
            self._faults.append(_Fault(method, "error", error, status, remaining=times, when=when,
                                       team_id=team_id))

    def inject_429(
        self,
        method: str,
        retry_after: int = 1,
        *,
        times: int | None = 1,
        when: Callable[[Args], bool] | None = None,
        team_id: str | None = None,
    ) -> None:
        """The next ``times`` matching calls get HTTP 429 with ``Retry-After: retry_after``
        (``team_id``: only calls made with that workspace's token)."""
        with self._lock:
            self._faults.append(
                _Fault(method, "429", "ratelimited", 429, retry_after, remaining=times, when=when,
                       team_id=team_id)
            )

    def drop(
        self, method: str, *, times: int | None = 1, when: Callable[[Args], bool] | None = None
    ) -> None:
        """The next ``times`` matching calls are read, then the socket closes without a reply."""
        with self._lock:
            self._faults.append(_Fault(method, "drop", status=0, remaining=times, when=when))

    def rate_limit(self, method: str, per_second: int | None,
                   team_id: str | None = None) -> None:
        """Beyond ``per_second`` answered calls in any 1 s window, answer 429 (None: no limit).

        Keyed by method, and by workspace when ``team_id`` is given (as Slack counts its
        workspace-wide limit: each workspace has its own); without it, across workspaces
        and channels: coarser than Slack (which also limits per channel for
        chat.postMessage) so tests see the worst case.
        """
        key = (method, team_id)
        with self._lock:
            if per_second is None:
                self._limits.pop(key, None)
            else:
                self._limits[key] = per_second
                self._windows.setdefault(key, deque())

    def delay(self, method: str, seconds: float, team_id: str | None = None) -> None:
        """Wait ``seconds`` before answering ``method`` ("*" for all; 0 removes); with
        ``team_id``, only calls made with that workspace's token (a slow workspace)."""
        with self._lock:
            if seconds > 0:
                self._delays[(method, team_id)] = seconds
            else:
                self._delays.pop((method, team_id), None)

    def _delay_for(self, method: str, team_id: str | None) -> float:
        for key in ((method, team_id), (method, None), ("*", team_id), ("*", None)):
            if key in self._delays:
                return self._delays[key]
        return 0.0

    def reset_faults(self) -> None:
        """Remove every fault, delay and rate limit."""
        with self._lock:
            self._faults.clear()
            self._delays.clear()
            self._limits.clear()
            self._windows.clear()

    # --- inspection -----------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every call received, in arrival order (a copy)."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """Calls to one method (including rejected ones; filter on ``call.ok``)."""
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def wait_for_call(
        self,
        method: str,
        where: Callable[[Call], bool] | None = None,
        *,
        timeout: float = 30.0,
        what: str | None = None,
    ) -> Call:
        """The first call to ``method`` (past, or arriving within ``timeout``) for which
        ``where(call)`` holds: wait for the very call a test checks, never "the latest".

        The work behind a click or a command runs after Bolt answered Slack, so the call a
        test wants may not have arrived yet while others (an earlier redraw, another
        listener's post) already have. The timeout is generous on purpose: it only matters
        when the test is failing, and a loaded machine must not turn a pass into a failure.
        """
        return wait_on(self._arrived,
                       lambda: next((c for c in self._calls if c.method == method
                                     and (where is None or where(c))), None),
                       timeout, f"timed out waiting for {what or method}")

    def responses_to(self, response_url: str) -> list[Call]:
        """What was posted to one response_url (each command and click has its own)."""
        with self._lock:
            return [c for c in self._calls
                    if c.method == RESPONSE_URL_METHOD and c.url == response_url]

    def wait_for_response(self, response_url: str, *, timeout: float = 30.0) -> Call:
        """The first post to ``response_url``: the answer to that very command or click."""
        return self.wait_for_call(RESPONSE_URL_METHOD, lambda c: c.url == response_url,
                                  timeout=timeout, what=f"a post to {response_url}")

    def take_violations(self) -> list[str]:
        """The violations so far, forgotten once returned: a property test checks each
        example on its own instead of all of them at teardown, outside Hypothesis."""
        with self._lock:
            taken = list(self._violations)
            self._violations.clear()
            return taken

    def clear(self) -> None:
        """Forget recorded calls, violations and counters (state and faults are kept)."""
        with self._lock:
            self._calls.clear()
            self._violations.clear()
            self._counts.clear()

    @property
    def violations(self) -> list[str]:
        """Spec, Block Kit and safety problems found in received calls (a copy)."""
        with self._lock:
            return list(self._violations)

    def forbid(self, *texts: str) -> None:
        """Report any outgoing call that contains one of ``texts`` — e.g. ``<@UEVIL`` from a
        mention a user typed: the bot must repeat user text escaped (``&lt;@UEVIL…``), or
        the repeat pings that person. (Not on by default: the bot names people on purpose.)"""
        with self._lock:
            self._forbidden.update(texts)

    def assert_clean(self) -> None:
        """Fail the test if any received call broke the spec or Block Kit limits."""
        problems = self.violations
        assert not problems, "Slack API misuse:\n  " + "\n  ".join(problems)

    @property
    def stats(self) -> Stats:
        with self._lock:
            counts = self._counts
            return Stats(
                calls=counts["calls"],
                ok=counts["ok"],
                errors=counts["errors"],
                ratelimited=counts["429"],
                server_errors=counts["5xx"],
                dropped=counts["dropped"],
                ratelimited_by_method={
                    k.removeprefix("429:"): v for k, v in counts.items() if k.startswith("429:")
                },
            )

    def dm_channel(self, user_id: str, team_id: str = DEFAULT_TEAM_ID) -> str:
        """The DM channel id the fake uses for the bot and ``user_id`` (stable per user)."""
        digest = hashlib.sha1(f"{team_id}:{user_id}".encode()).hexdigest()
        return "D" + digest[:10].upper()

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        """Every message stored in a channel, oldest first, thread replies included."""
        with self._lock:
            channel = self._channels.get(channel_id)
            return [dict(m) for m in channel.messages] if channel else []

    def dms_with_event(self, user_ids: Iterable[str], event_type: str) -> Counter[str]:
        """How many messages carrying ``event_type`` metadata each user's DM with the bot
        holds (read from the DMs themselves, not from what the bot believes it sent)."""
        got: Counter[str] = Counter()
        for uid in user_ids:
            for message in self.messages(self.dm_channel(uid)):
                if (message.get("metadata") or {}).get("event_type") == event_type:
                    got[uid] += 1
        return got

    def home_view(self, user_id: str, team_id: str = DEFAULT_TEAM_ID) -> dict[str, Any] | None:
        """The Home tab last published for a user, or None."""
        with self._lock:
            view_id = self._home.get((team_id, user_id))
            return dict(self._views[view_id]) if view_id else None

    def file_content(self, file_id: str) -> bytes | None:
        """The bytes uploaded for a file (files_upload_v2 step 2), or None."""
        with self._lock:
            return self._files.get(file_id, {}).get("content")

    # --- HTTP -----------------------------------------------------------------------------

    def _serve(self, req: _HTTPHandler) -> None:
        url = urlsplit(req.path)
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length)
        if len(body) < length:
            # The client died mid-request (the SIGKILL tests do it on purpose): Slack never
            # acts on half a request, so neither does the fake (nor does it judge one).
            req.close_connection = True
            return
        if url.path.startswith(UPLOAD_PATH):
            self._serve_upload(req, url.path.removeprefix(UPLOAD_PATH), body)
        elif url.path.startswith(HOOK_PATH):
            self._serve_hook(req, url.path.removeprefix(HOOK_PATH), body)
        elif url.path.startswith("/api/"):
            self._serve_api(req, url.path.removeprefix("/api/"), url.query, body)
        else:
            self._write(req, 404, b"not found", "text/plain")

    def _serve_api(self, req: _HTTPHandler, method: str, query: str, body: bytes) -> None:
        arrived = time.monotonic()
        auth = req.headers.get("Authorization", "")
        try:
            args, encoding, problems = _decode_body(
                query, body, req.headers.get("Content-Type", "")
            )
        except ValueError as exc:
            self._record(Call(method, {}, None, arrived, error="invalid_form_data"))
            self._violate(f"{method}: undecodable request body ({exc})")
            self._write_json(req, 200, {"ok": False, "error": "invalid_form_data"})
            return
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None
        body_token = args.pop("token", None)
        token = token or body_token
        if "token" in dict(parse_qsl(query)):
            problems.append("token in the query string (Slack rejects it for newer apps)")
        basic = self._basic_auth(auth)

        self._check(method, args, encoding, [f"{method}: {p}" for p in problems])
        with self._lock:
            hooks = list(self._arrival_hooks.get(method, ()))
            team_id = self._tokens.get(token or "")
            delay = self._delay_for(method, team_id)
        for hook in hooks:
            hook(args)
        if delay:
            time.sleep(delay)

        with self._lock:
            fault = self._take_fault(method, args, team_id)
            headers: dict[str, str] = {}
            if fault is not None and fault.kind == "drop":
                self._record(Call(method, args, token, arrived, team_id, 0, "dropped"))
                req.close_connection = True
                return  # the handler returns without writing; the server closes the socket
            if fault is not None and fault.kind == "429":
                headers["Retry-After"] = str(fault.retry_after)
                status, payload = 429, {"ok": False, "error": "ratelimited"}
            elif fault is not None:
                status, payload = fault.status, {"ok": False, "error": fault.error}
            else:
                team = self._teams.get(team_id or "")
                needed = NEEDED_SCOPE.get(method)
                if team is not None and needed and needed not in team.scopes:
                    status, payload = 200, {"ok": False, "error": "missing_scope",
                                            "needed": needed,
                                            "provided": ",".join(sorted(team.scopes))}
                else:
                    status, payload = 200, self._dispatch(method, args, token, basic)
            if (team := self._teams.get(team_id or "")) is not None:
                headers["x-oauth-scopes"] = ",".join(sorted(team.scopes))
            self._record(Call(method, args, token, arrived, team_id, status, payload.get("error"),
                              response=payload))
        self._write_json(req, status, payload, headers)

    def _serve_upload(self, req: _HTTPHandler, file_id: str, body: bytes) -> None:
        # files_upload_v2 step 2: slack_sdk POSTs the raw bytes to the URL we handed out.
        with self._lock:
            entry = self._files.get(file_id)
            if entry is not None:
                entry["content"] = body
        if entry is None:
            self._write(req, 404, b"unknown upload url", "text/plain")
        else:
            self._write(req, 200, f"OK - {len(body)}".encode(), "text/plain")

    def _serve_hook(self, req: _HTTPHandler, hook: str, body: bytes) -> None:
        # response_url posts (Bolt's respond()): JSON message bodies, answered with "ok".
        arrived = time.monotonic()
        try:
            args = json.loads(body or b"{}")
        except ValueError:
            args = {"_raw": body.decode("utf-8", "replace")}
        known = hook in self._hooks
        url = f"{self.base_url}{HOOK_PATH.lstrip('/')}{hook}"
        self._check(RESPONSE_URL_METHOD, args, slackspec.JSON_FORM, [])
        error = None if known else "no_active_hooks"
        self._record(
            Call(
                RESPONSE_URL_METHOD, args, None, arrived, status=200 if known else 404,
                error=error, url=url,
            )
        )
        self._write(
            req, 200 if known else 404, b"ok" if known else b"no_active_hooks", "text/plain"
        )

    def _write_json(
        self, req: _HTTPHandler, status: int, payload: dict[str, Any], headers: dict[str, str]
    ) -> None:
        data = json.dumps(payload).encode()
        self._write(req, status, data, "application/json; charset=utf-8", headers)

    @staticmethod
    def _write(
        req: _HTTPHandler,
        status: int,
        data: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        req.send_response(status)
        req.send_header("Content-Type", content_type)
        req.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            req.send_header(name, value)
        req.end_headers()
        req.wfile.write(data)

    @staticmethod
    def _basic_auth(header: str) -> tuple[str, str] | None:
        if not header.startswith("Basic "):
            return None
        decoded = base64.b64decode(header.removeprefix("Basic ")).decode()
        client_id, _, secret = decoded.partition(":")
        return client_id, secret

    # --- bookkeeping ----------------------------------------------------------------------

    def _violate(self, problem: str) -> None:
        with self._lock:
            self._violations.append(problem)

    def _check(self, method: str, args: Args, encoding: str, problems: list[str]) -> None:
        """Run the spec, Block Kit and safety checks on one received call."""
        if self.spec is not None and method != RESPONSE_URL_METHOD:
            problems += slackspec.check_call(self.spec, method, args, encoding=encoding)
        payload_method = "chat.postMessage" if method == RESPONSE_URL_METHOD else method
        problems += [f"{method}: {p}" for p in slackspec.check_payload(payload_method, args)]
        is_message = payload_method in ("chat.postMessage", "chat.postEphemeral")
        if is_message and args.get("blocks") and not args.get("text"):
            problems.append(
                f"{method}: blocks without top-level text (notifications and screen readers "
                "show nothing)"
            )
        if not self._allow_broadcasts:
            problems += [
                f"{method}: broadcast mention in outgoing payload: {s[:120]!r}"
                for s in slackspec.find_unescaped_broadcasts(args)
            ]
        if self._forbidden:
            everything = json.dumps(args, ensure_ascii=False)
            problems += [f"{method}: forbidden text {f!r} in outgoing payload"
                         for f in sorted(self._forbidden) if f in everything]
        if problems:
            with self._lock:
                self._violations.extend(problems)

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)
            self._arrived.notify_all()
            self._counts["calls"] += 1
            if call.status == 0:
                self._counts["dropped"] += 1
            elif call.status == 429:
                self._counts["429"] += 1
                self._counts[f"429:{call.method}"] += 1
            elif call.status >= 500:
                self._counts["5xx"] += 1
            elif call.error is not None:
                self._counts["errors"] += 1
            else:
                self._counts["ok"] += 1

    def _take_fault(self, method: str, args: Args, team_id: str | None = None) -> _Fault | None:
        """The first injected fault that applies (consuming one use), else a rate-limit 429
        (the workspace's own limit first, then the one across workspaces)."""
        for fault in self._faults:
            if fault.matches(method, args, team_id):
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        for key in ((method, team_id), (method, None)):
            if key in self._limits:
                return self._over_limit(method, key)
        return None

    def _over_limit(self, method: str, key: tuple[str, str | None]) -> _Fault | None:
        limit = self._limits[key]
        now = self._monotonic()
        window = self._windows[key]
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) < limit:
            window.append(now)
            return None
        # Slack sends whole seconds: round the wait for the oldest call to leave the window up.
        retry_after = max(1, math.ceil(window[0] + 1.0 - now))
        return _Fault(method, "429", "ratelimited", 429, retry_after)

    def _dispatch(
        self, method: str, args: Args, token: str | None, basic: tuple[str, str] | None
    ) -> dict[str, Any]:
        team: _Team | None = None
        if token is not None and token in self._app_tokens:
            if method != "apps.connections.open":
                return {"ok": False, "error": "not_allowed_token_type"}
            return {"ok": True, "url": self._app_tokens[token]()}
        if method == "apps.connections.open":
            error = ("not_authed" if not token else "not_allowed_token_type"
                     if token in self._tokens else "invalid_auth")
            return {"ok": False, "error": error}
        if not method.startswith(TOKENLESS_PREFIX):
            if not token:
                return {"ok": False, "error": "not_authed"}
            if token in self._revoked:
                return {"ok": False, "error": "token_revoked"}
            if token not in self._tokens:
                return {"ok": False, "error": "invalid_auth"}
            team = self._teams[self._tokens[token]]
        if method in self._custom:
            return self._custom[method](args)
        handler = self._handlers.get(method)
        if handler is None:
            if self.spec is not None and method in self.spec.methods:
                self._violate(f"{method}: a real method FakeSlack does not implement; use on()")
            return {"ok": False, "error": "unknown_method"}
        try:
            return {"ok": True, **handler(_Request(method, args, team, basic))}
        except SlackError as exc:
            return {"ok": False, "error": exc.error, **exc.extra}
        except Exception as exc:  # a bug in the fake or a payload it did not expect
            self._violate(f"{method}: FakeSlack failed on this call: {exc!r}")
            return {"ok": False, "error": "internal_error"}

    # --- state helpers --------------------------------------------------------------------

    def _next_ts(self) -> str:
        """A unique, increasing message ts from the clock, like Slack's."""
        micros = max(int(self._clock() * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _store(self, channel: _Channel, message: dict[str, Any]) -> None:
        bisect.insort(channel.messages, message, key=lambda m: _ts_key(m["ts"]))

    def _find(self, channel: _Channel, ts: Any) -> dict[str, Any] | None:
        return next((m for m in channel.messages if m["ts"] == ts), None)

    def _user(self, team: _Team, user_id: Any) -> _User:
        user = self._users.get((team.id, str(user_id)))
        if user is None:
            raise SlackError("user_not_found")
        return user

    def _dm(self, team: _Team, user_id: str) -> _Channel:
        channel_id = self.dm_channel(user_id, team.id)
        if channel_id not in self._channels:
            self._channels[channel_id] = _Channel(
                id=channel_id,
                team_id=team.id,
                name=None,
                members=[user_id, team.bot_user_id],
                created=int(self._clock()),
                is_im=True,
                peer=user_id,
            )
        return self._channels[channel_id]

    def _channel(self, team: _Team, channel_id: Any, *, user_ok: bool = False) -> _Channel:
        """Resolve a conversation id; a user id only where Slack accepts one (postMessage)."""
        channel_id = str(channel_id or "")
        if user_ok and channel_id[:1] in ("U", "W"):
            user = self._users.get((team.id, channel_id))
            if user is None or user.deleted or user.is_bot:
                raise SlackError("channel_not_found")
            return self._dm(team, channel_id)
        channel = self._channels.get(channel_id)
        if channel is None and channel_id[:1] == "D":
            # A DM the bot has not used yet (e.g. the channel of an incoming DM event).
            peer = next(
                (
                    uid
                    for (tid, uid) in self._users
                    if tid == team.id and self.dm_channel(uid, tid) == channel_id
                ),
                None,
            )
            channel = self._dm(team, peer) if peer else None
        elif channel is None and channel_id[:1] in ("C", "G") and not self._strict_channels:
            # Unseeded channel ids are taken as public channels with the bot in them, so tests
            # need not seed every channel; strict_channels=True refuses them, like Slack.
            self.add_channel(channel_id, team_id=team.id)
            channel = self._channels[channel_id]
        if channel is None or channel.team_id != team.id:
            raise SlackError("channel_not_found")
        return channel

    def _user_json(self, user: _User) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": user.id,
            "team_id": user.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "real_name": user.real_name,
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": int(self._clock()),
            "profile": {
                "real_name": user.real_name,
                "display_name": user.name,
                "team": user.team_id,
                **({"email": user.email} if user.email else {}),
                **({"bot_id": user.bot_id} if user.bot_id else {}),
            },
        }
        if user.tz is not None:
            now = datetime.fromtimestamp(self._clock(), ZoneInfo(user.tz))
            offset = now.utcoffset()
            data["tz"] = user.tz
            data["tz_label"] = now.tzname()
            data["tz_offset"] = int(offset.total_seconds()) if offset else 0
        return data

    def _channel_json(self, channel: _Channel, *, num_members: bool = False) -> dict[str, Any]:
        bot = self._teams[channel.team_id].bot_user_id
        data: dict[str, Any] = {
            "id": channel.id,
            "created": channel.created,
            "is_im": channel.is_im,
            "is_channel": not channel.is_im and not channel.is_private,
            "is_group": channel.is_private,
            "is_private": channel.is_private or channel.is_im,
            "is_archived": False,
            "is_member": bot in channel.members,
        }
        if channel.is_im:
            data["user"] = channel.peer
        else:
            data["name"] = channel.name
        if num_members:
            data["num_members"] = len(channel.members)
        return data

    def _message_json(
        self, channel: _Channel, message: dict[str, Any], metadata: bool
    ) -> dict[str, Any]:
        data = {k: v for k, v in message.items() if k != "metadata" or metadata}
        replies = [
            m
            for m in channel.messages
            if m.get("thread_ts") == message["ts"] and m["ts"] != message["ts"]
        ]
        if replies:
            data["thread_ts"] = message["ts"]
            data["reply_count"] = len(replies)
            data["latest_reply"] = replies[-1]["ts"]
        return data

    def _bot_message(self, team: _Team, args: Args, ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "ts": ts,
            "user": team.bot_user_id,
            "bot_id": team.bot_id,
            "app_id": APP_ID,
            "team": team.id,
            "text": args.get("text", ""),
        }
        for name in ("blocks", "attachments", "metadata"):
            if args.get(name):
                message[name] = args[name]
        return message

    def _default_oauth_response(self) -> dict[str, Any]:
        team = self._teams[DEFAULT_TEAM_ID]
        return {
            "access_token": DEFAULT_TOKEN,
            "token_type": "bot",
            "scope": "chat:write,commands,im:history,im:write,users:read",
            "bot_user_id": team.bot_user_id,
            "app_id": APP_ID,
            "team": {"id": team.id, "name": team.name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "U0INSTALLER"},
        }

    # --- method handlers (called with the lock held; raise SlackError for ok:false) --------

    def _auth_test(self, r: _Request) -> dict[str, Any]:
        team = r.team
        assert team is not None
        return {
            "url": f"https://{team.domain}.slack.com/",
            "team": team.name,
            "user": BOT_NAME,
            "team_id": team.id,
            "user_id": team.bot_user_id,
            "bot_id": team.bot_id,
            "is_enterprise_install": False,
        }

    def _team_info(self, r: _Request) -> dict[str, Any]:
        team = r.team
        assert team is not None
        if r.args.get("team") not in (None, "", team.id):
            raise SlackError("team_not_found")
        return {
            "team": {
                "id": team.id,
                "name": team.name,
                "domain": team.domain,
                "email_domain": "",
                "icon": {"image_default": True},
            }
        }

    def _users_info(self, r: _Request) -> dict[str, Any]:
        assert r.team is not None
        return {"user": self._user_json(self._user(r.team, r.args.get("user")))}

    def _users_list(self, r: _Request) -> dict[str, Any]:
        assert r.team is not None
        team_users = [u for (team_id, _), u in self._users.items() if team_id == r.team.id]
        # No limit means "everything" on users.list (Slack advises paging; so should we).
        page, next_cursor = _page(team_users, r.args, default_limit=len(team_users) or 1)
        return {
            "members": [self._user_json(u) for u in page],
            "cache_ts": int(self._clock()),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_members(self, r: _Request) -> dict[str, Any]:
        assert r.team is not None
        channel = self._channel(r.team, r.args.get("channel"))
        page, next_cursor = _page(channel.members, r.args, default_limit=100)
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_open(self, r: _Request) -> dict[str, Any]:
        assert r.team is not None
        if r.args.get("channel"):
            channel = self._channel(r.team, r.args["channel"])
            already_open = True
        else:
            users = [u for u in str(r.args.get("users", "")).split(",") if u]
            if len(users) != 1:
                # Group DMs are not modelled; Headway only ever opens 1:1 DMs.
                raise SlackError("invalid_arguments", detail="FakeSlack opens 1:1 DMs only")
            user = self._user(r.team, users[0])
            if user.deleted:
                raise SlackError("user_disabled")
            if user.is_bot:
                raise SlackError("cannot_dm_bot")
            already_open = self.dm_channel(user.id, r.team.id) in self._channels
            channel = self._dm(r.team, user.id)
        if _truthy(r.args.get("return_im")):
            return {"channel": self._channel_json(channel), "already_open": already_open}
        return {"channel": {"id": channel.id}, "already_open": already_open}

    def _conversations_info(self, r: _Request) -> dict[str, Any]:
        assert r.team is not None
        channel = self._channel(r.team, r.args.get("channel"))
        num = _truthy(r.args.get("include_num_members"))
        return {"channel": self._channel_json(channel, num_members=num)}

    def _readable(self, r: _Request) -> _Channel:
        assert r.team is not None
        channel = self._channel(r.team, r.args.get("channel"))
        if r.team.bot_user_id not in channel.members:
            raise SlackError("not_in_channel")
        return channel

    def _in_range(self, message: dict[str, Any], args: Args) -> bool:
        key = _ts_key(message["ts"])
        inclusive = _truthy(args.get("inclusive"))
        if args.get("oldest"):
            oldest = _ts_key(args["oldest"])
            if key < oldest or (key == oldest and not inclusive):
                return False
        if args.get("latest"):
            latest = _ts_key(args["latest"])
            if key > latest or (key == latest and not inclusive):
                return False
        return True

    def _conversations_history(self, r: _Request) -> dict[str, Any]:
        channel = self._readable(r)
        # Thread replies stay in their thread unless broadcast, as in Slack.
        top_level = [
            m
            for m in reversed(channel.messages)
            if m.get("thread_ts", m["ts"]) == m["ts"] or m.get("subtype") == "thread_broadcast"
        ]
        selected = [m for m in top_level if self._in_range(m, r.args)]
        page, next_cursor = _page(selected, r.args, default_limit=100)
        metadata = _truthy(r.args.get("include_all_metadata"))
        return {
            "messages": [self._message_json(channel, m, metadata) for m in page],
            "has_more": bool(next_cursor),
            "pin_count": 0,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_replies(self, r: _Request) -> dict[str, Any]:
        channel = self._readable(r)
        parent = self._find(channel, r.args.get("ts"))
        if parent is None:
            raise SlackError("thread_not_found")
        thread_ts = parent.get("thread_ts", parent["ts"])
        thread = [
            m
            for m in channel.messages
            if (m["ts"] == thread_ts or m.get("thread_ts") == thread_ts)
            and self._in_range(m, r.args)
        ]
        page, next_cursor = _page(thread, r.args, default_limit=1000)
        metadata = _truthy(r.args.get("include_all_metadata"))
        return {
            "messages": [self._message_json(channel, m, metadata) for m in page],
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    @staticmethod
    def _content_errors(args: Args, *, need_content: bool) -> None:
        """Slack's own refusals for message content (the checkers also report them)."""
        if need_content and not any(args.get(k) for k in ("text", "blocks", "attachments")):
            raise SlackError("no_text")
        text = args.get("text")
        if isinstance(text, str) and len(text) > slackspec.MAX_MESSAGE_TEXT:
            raise SlackError("msg_too_long")
        if "blocks" in args and (problems := slackspec.check_blocks(args["blocks"], "message")):
            raise SlackError("invalid_blocks", errors=problems)

    def _chat_post_message(self, r: _Request) -> dict[str, Any]:
        team = r.team
        assert team is not None
        channel = self._channel(team, r.args.get("channel"), user_ok=True)
        self._content_errors(r.args, need_content=True)
        message = self._bot_message(team, r.args, self._next_ts())
        if r.args.get("thread_ts"):
            # Slack's behaviour for an unknown thread_ts is not documented; being strict
            # here makes a thread_ts from the wrong channel show up in tests.
            parent = self._find(channel, r.args["thread_ts"])
            if parent is None:
                raise SlackError("thread_not_found")
            message["thread_ts"] = parent.get("thread_ts", parent["ts"])
            if _truthy(r.args.get("reply_broadcast")):
                message["subtype"] = "thread_broadcast"
        self._store(channel, message)
        return {"channel": channel.id, "ts": message["ts"], "message": dict(message)}

    def _addressed(self, r: _Request, ts_arg: str = "ts", *, not_ours: str | None = None
                   ) -> tuple[_Team, _Channel, dict[str, Any]]:
        """The message a call names by channel and ts, refused as Slack refuses it:
        `message_not_found`, and with ``not_ours`` that error when the bot did not post it."""
        team = r.team
        assert team is not None
        # A DM must be addressed by its D… id here; a user id fails, as in Slack.
        channel = self._channel(team, r.args.get("channel"))
        message = self._find(channel, r.args.get(ts_arg))
        if message is None:
            raise SlackError("message_not_found")
        if not_ours is not None and message.get("user") != team.bot_user_id:
            raise SlackError(not_ours)
        return team, channel, message

    def _chat_update(self, r: _Request) -> dict[str, Any]:
        team, channel, message = self._addressed(r, not_ours="cant_update_message")
        self._content_errors(r.args, need_content=False)
        if "text" in r.args:
            message["text"] = r.args["text"]
            if "blocks" not in r.args:
                message.pop("blocks", None)  # Slack drops old blocks when only text is sent
        for name in ("blocks", "attachments", "metadata"):
            if name in r.args:
                message[name] = r.args[name]
        message["edited"] = {"user": team.bot_user_id, "ts": self._next_ts()}
        return {
            "channel": channel.id,
            "ts": message["ts"],
            "text": message.get("text", ""),
            "message": dict(message),
        }

    def _chat_post_ephemeral(self, r: _Request) -> dict[str, Any]:
        assert r.team is not None
        channel = self._channel(r.team, r.args.get("channel"))
        user = self._user(r.team, r.args.get("user"))
        if user.id not in channel.members:
            raise SlackError("user_not_in_channel")
        self._content_errors(r.args, need_content=True)
        return {"message_ts": self._next_ts()}  # ephemeral: never stored in history

    def _chat_delete(self, r: _Request) -> dict[str, Any]:
        _, channel, message = self._addressed(r, not_ours="cant_delete_message")
        channel.messages.remove(message)
        return {"channel": channel.id, "ts": message["ts"]}

    def _reactions_add(self, r: _Request) -> dict[str, Any]:
        team, _, message = self._addressed(r, "timestamp")
        name = str(r.args.get("name", "")).strip(":")
        reactions = message.setdefault("reactions", [])
        reaction = next((x for x in reactions if x["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            reactions.append(reaction)
        if team.bot_user_id in reaction["users"]:
            raise SlackError("already_reacted")
        reaction["users"].append(team.bot_user_id)
        reaction["count"] += 1
        return {}

    def _new_view(self, team: _Team, view: Any, view_id: str | None = None) -> dict[str, Any]:
        if not isinstance(view, dict):
            raise SlackError("invalid_arguments", detail="view must be an object")
        if problems := slackspec.check_view(view):
            raise SlackError("invalid_arguments", response_metadata={"messages": problems})
        view_id = view_id or f"V{next(self._ids):08d}"
        data = {
            "id": view_id,
            "team_id": team.id,
            "app_id": APP_ID,
            "bot_id": team.bot_id,
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "hash": f"{int(self._clock())}.{next(self._ids)}",
            "root_view_id": view_id,
            "previous_view_id": None,
            **view,
        }
        data["id"] = view_id  # a caller-supplied "id" in the view must not win
        self._views[view_id] = data
        return data

    def _views_open(self, r: _Request) -> dict[str, Any]:
        assert r.team is not None
        if not r.args.get("trigger_id"):
            raise SlackError("invalid_arguments", detail="trigger_id is required")
        return {"view": self._new_view(r.team, r.args.get("view"))}

    def _views_update(self, r: _Request) -> dict[str, Any]:
        assert r.team is not None
        view_id = r.args.get("view_id")
        if not view_id and r.args.get("external_id"):
            view_id = next(
                (
                    v["id"]
                    for v in self._views.values()
                    if v.get("external_id") == r.args["external_id"]
                ),
                None,
            )
        current = self._views.get(str(view_id or ""))
        if current is None or current["team_id"] != r.team.id:
            raise SlackError("not_found")
        if r.args.get("hash") and r.args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        return {"view": self._new_view(r.team, r.args.get("view"), view_id=current["id"])}

    def _views_publish(self, r: _Request) -> dict[str, Any]:
        assert r.team is not None
        user = self._user(r.team, r.args.get("user_id"))
        key = (r.team.id, user.id)
        current = self._views.get(self._home.get(key, ""))
        if current and r.args.get("hash") and r.args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        view = self._new_view(r.team, r.args.get("view"), view_id=self._home.get(key))
        self._home[key] = view["id"]
        return {"view": view}

    def _files_get_upload_url(self, r: _Request) -> dict[str, Any]:
        assert r.team is not None
        length = _int_arg(r.args, "length", 0)
        if not r.args.get("filename") or length <= 0:
            raise SlackError("invalid_arguments")
        file_id = f"F{next(self._ids):08d}"
        self._files[file_id] = {
            "id": file_id,
            "name": r.args["filename"],
            "title": r.args["filename"],
            "size": length,
            "team_id": r.team.id,
            "content": None,
        }
        return {
            "upload_url": f"{self.base_url}{UPLOAD_PATH.lstrip('/')}{file_id}",
            "file_id": file_id,
        }

    def _files_complete_upload(self, r: _Request) -> dict[str, Any]:
        team = r.team
        assert team is not None
        requested = r.args.get("files")
        if not isinstance(requested, list) or not requested:
            raise SlackError("invalid_arguments", detail="files must be a JSON array")
        shared = []
        for item in requested:
            entry = self._files.get(str(item.get("id"))) if isinstance(item, dict) else None
            if entry is None or entry["team_id"] != team.id or entry["content"] is None:
                raise SlackError("file_not_found")
            if item.get("title"):
                entry["title"] = item["title"]
            shared.append({k: v for k, v in entry.items() if k not in ("content", "team_id")})
        targets = [r.args["channel_id"]] if r.args.get("channel_id") else []
        targets += [c for c in str(r.args.get("channels") or "").split(",") if c]
        for channel_id in targets:
            channel = self._channel(team, channel_id)
            args = {"text": r.args.get("initial_comment", "")}
            message = self._bot_message(team, args, self._next_ts())
            message.update(files=shared, upload=True)
            if r.args.get("thread_ts"):
                message["thread_ts"] = r.args["thread_ts"]
            self._store(channel, message)
        return {"files": shared}

    def _oauth_v2_access(self, r: _Request) -> dict[str, Any]:
        client = r.basic_auth or (r.args.get("client_id", ""), r.args.get("client_secret", ""))
        if self._oauth_client is not None:
            if client[0] != self._oauth_client[0]:
                raise SlackError("invalid_client_id")
            if client[1] != self._oauth_client[1]:
                raise SlackError("bad_client_secret")
        if r.args.get("grant_type") == "refresh_token":
            response = self._refresh_tokens.get(str(r.args.get("refresh_token")))
            if response is None:
                raise SlackError("invalid_refresh_token")
        else:
            response = self._oauth_codes.pop(str(r.args.get("code")), None)  # single use
            if response is None:
                raise SlackError("invalid_code")
        team_id = (response.get("team") or {}).get("id")
        if response.get("access_token") and team_id:
            if team_id not in self._teams:
                name = response["team"].get("name")
                self.add_team(
                    team_id,
                    token=response["access_token"],
                    name=name,
                    bot_user_id=response.get("bot_user_id"),
                )
            self.add_token(response["access_token"], team_id)
        return dict(response)

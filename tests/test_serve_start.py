"""`headway serve` starting up: nothing is sent before Slack has accepted every token, and
the platform's health check gets an answer at every moment, in both modes.

Each test runs the real `headway serve` process against the fake Slack (tests/fakeslack.py)
and, for Socket Mode, its websocket side (tests/fakesocket.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import wait_for
from fakesocket import FakeSocketMode
from slackdriver import SlackDriver
from test_cli_failures import (
    _serve,
    _stop,
    _up,
    closed_api_url,
    free_port,
    headway,
    one_line,
    rows,
    seed,
)

REFUSED_APP_TOKEN = "xapp-1-A0OTHER-1-" + "f" * 64  # well-formed; the fake does not know it


@pytest.fixture
def sock(fake) -> Iterator[FakeSocketMode]:
    with FakeSocketMode(fake) as server:
        yield server
        server.assert_clean()


def _nudged(fake, user: str) -> list:
    return [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == user]


def test_socket_mode_with_a_refused_app_token_stops_before_the_scheduler_sends_anything(
        env, fake, sock, db_path):
    fake.add_user("U1", tz="UTC")
    seed(db_path, due_now=True)  # the scheduler's first tick would nudge U1
    lock = Path(f"{db_path}.scheduler.lock")  # taken by the scheduler as it starts
    scheduler_started: list[bool] = []
    fake.on_arrival("apps.connections.open",
                    lambda args: scheduler_started.append(lock.exists()))
    line = one_line(headway("serve", env={"SLACK_APP_TOKEN": REFUSED_APP_TOKEN}), 2)
    assert line.startswith("headway: Slack refused SLACK_APP_TOKEN (invalid_auth): use the "
                           "app-level token (xapp-…)")
    assert scheduler_started == [False]  # the socket was asked for first
    assert fake.calls_to("chat.postMessage") == [] and rows(db_path, "nudges") == []
    # Canary: with the app token the fake knows, the same start nudges U1 at its first tick,
    # and the scheduler's lock is the file looked for above.
    proc = _serve({**env, "SLACK_APP_TOKEN": sock.app_token}, free_port())
    try:
        wait_for(lambda: _nudged(fake, "U1"), timeout=30, what="U1's nudge")
        assert lock.exists()
    finally:
        _stop(proc)


def test_healthz_answers_503_starting_while_serve_waits_for_slack(env):
    port = free_port()
    proc = _serve({**env, "SLACK_API_URL": closed_api_url(),
                   "HEADWAY_START_RETRY_SECONDS": "600"}, port)
    try:
        first = proc.stdout.readline()
        assert "Slack is not reachable at" in first, first  # it is waiting now
        platform = SlackDriver(f"http://127.0.0.1:{port}", None)
        got = platform.raw("GET", "/healthz")
        assert (got.status, got.body) == (503, "starting\n")
        assert platform.raw("HEAD", "/healthz").status == 503
        # Slack's requests are not taken yet either (Slack delivers them again later).
        assert platform.raw("POST", "/slack/events", b"{}",
                            {"Content-Type": "application/json"}).status == 503
    finally:
        out = first + _stop(proc)
    assert "Traceback" not in out


def test_socket_mode_serves_healthz_only_on_a_port_that_is_set(env, fake, sock):
    port = free_port()
    proc = _serve({**env, "SLACK_APP_TOKEN": sock.app_token}, port)
    try:
        wait_for(lambda: _up(port), timeout=30, what="/healthz to answer 200")
        sock.wait_connected(timeout=30)
        platform = SlackDriver(f"http://127.0.0.1:{port}", None)
        assert platform.raw("GET", "/healthz").body == "ok\n"
        # Slack reaches this app through the websocket: nothing else is served here.
        assert platform.raw("POST", "/slack/events", b"{}",
                            {"Content-Type": "application/json"}).status == 404
        assert platform.raw("GET", "/slack/install").status == 404
    finally:
        out = _stop(proc)
    assert f"Headway is listening on port {port} (/healthz)" in out
    assert "Headway is running in Socket Mode" in out

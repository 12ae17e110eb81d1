"""The core loop over Socket Mode, the manifest's default: envelopes in, acks and Web API
calls out.

The bot side is what `headway serve` runs when SLACK_APP_TOKEN is set (bot.socket_mode's
`open_socket_mode`, slack_sdk's aiohttp client); the Slack side is tests/fakesocket.py on
loopback, reached through `apps.connections.open` on the fake Web API. The payloads are
SlackDriver's (tests/slackdriver.py), carried as envelopes instead of signed HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import wait_for
from fakesocket import FakeSocketMode, SocketDriver
from slack_bolt import App

from bot.app import build_app
from bot.cli import main
from bot.config import Settings
from bot.context import Headway
from bot.core import messages
from bot.socket_mode import SocketModeConnection, open_socket_mode

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Bot:
    app: App
    connection: SocketModeConnection


@pytest.fixture
def sock(fake) -> Iterator[FakeSocketMode]:
    with FakeSocketMode(fake) as server:
        yield server
        server.assert_clean()


@pytest.fixture
def settings(settings: Settings, sock: FakeSocketMode) -> Settings:
    """conftest's settings, in Socket Mode: the app-level token the fake knows."""
    return replace(settings, app_token=sock.app_token)


@pytest.fixture
def bot(hw: Headway, sock: FakeSocketMode) -> Iterator[Bot]:
    app = build_app(hw)
    connection = open_socket_mode(app, hw.settings.app_token, hw.settings.api_url)
    sock.wait_connected()
    yield Bot(app, connection)
    connection.close()


@pytest.fixture
def slack(bot: Bot, sock: FakeSocketMode, fake) -> SocketDriver:
    return SocketDriver(sock, fake)


def _responses(fake, n: int = 1):
    return wait_for(lambda: (c := fake.calls_to("response_url")) and len(c) >= n and c,
                    what=f"{n} response_url post(s)")


def _confirmations(fake, user: str = "U1"):
    return [c for c in fake.calls_to("chat.postMessage")
            if c.args.get("channel") == fake.dm_channel(user)
            and "Stored your answer" in c.args.get("text", "")]


def _listeners_idle(app: App, timeout: float = 10.0) -> None:
    """Return once every listener Bolt had started has finished.

    Bolt runs listeners on one ThreadPoolExecutor, which hands out work first in, first out:
    when all of its workers sit at one barrier at once, every earlier task has finished.
    This is the sync point for "nothing happened" assertions, instead of a sleep.
    """
    executor = app.listener_runner.listener_executor
    workers = executor._max_workers  # no public accessor; Bolt's default pool is 10
    barrier = threading.Barrier(workers)
    for future in [executor.submit(barrier.wait, timeout) for _ in range(workers)]:
        future.result(timeout + 1)


def _help_form(fake, user: str = "U1") -> dict[str, str]:
    # The slash command's fields as Slack sends them over Socket Mode (see fakesocket).
    return {"token": "legacy-verification-token", "team_id": "T0001", "team_domain": "acme",
            "channel_id": "C1", "channel_name": "general", "user_id": user,
            "user_name": user.lower(), "command": "/headway", "text": "help",
            "api_app_id": "A0HEADWAY", "response_url": fake.new_response_url(),
            "trigger_id": "1.trigger"}


# ── the connection ───────────────────────────────────────────────────────────


def test_the_bot_opens_its_websocket_with_the_app_token_not_the_bot_token(bot, sock, fake):
    opens = fake.calls_to("apps.connections.open")
    assert [c.token for c in opens] == [sock.app_token]
    assert opens[0].ok
    [connection] = sock.connections
    assert connection.hello_at is not None and connection.open


def test_the_app_token_opens_nothing_else_and_the_bot_token_opens_no_socket(fake, sock):
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    as_app = WebClient(token=sock.app_token, base_url=fake.api_url)
    with pytest.raises(SlackApiError) as refused:
        as_app.chat_postMessage(channel="U1", text="hi")
    assert refused.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=fake.api_url).apps_connections_open(app_token=fake.token)
    assert refused.value.response["error"] == "not_allowed_token_type"
    assert WebClient(base_url=fake.api_url).apps_connections_open(
        app_token=sock.app_token)["url"].startswith("ws://127.0.0.1:")


# ── the core loop ────────────────────────────────────────────────────────────


def test_join_over_socket_mode_is_acked_and_enrols_the_member(slack, fake, hw, sock):
    fake.add_user("U1", tz="Europe/Berlin", name="ada")
    resp = slack.command("join", user="U1")
    assert resp.status == 200 and resp.ack is not None
    assert sock.envelope(resp.envelope_id).type == "slash_commands"
    reply = _responses(fake)[0].args["text"]
    assert "You're in" in reply and "Europe/Berlin" in reply
    member = hw.store.members.get("T0001", "U1")
    assert member is not None and member.tz == "Europe/Berlin"


def test_an_answer_in_the_ack_reaches_slack_as_the_ack_payload(slack):
    # `/headway help` is answered in the ack itself: over Socket Mode that is the ack's
    # payload, which Slack accepts for slash commands.
    resp = slack.command("help")
    assert resp.ack.payload is not None
    assert "/headway join" in resp.json()["text"]
    assert resp.json()["response_type"] == "ephemeral"


def test_a_dm_answer_over_socket_mode_is_stored_labelled_and_confirmed(
    slack, fake, hw, sock, env
):
    fake.add_user("U1", tz="America/New_York")
    slack.command("join", user="U1")
    _responses(fake)
    assert main(["nudge", "--now"]) == 0

    resp = slack.dm("- Shipped the new onboarding flow to all customers\n"
                    "- Restarted the billing export job again after it hung")
    assert sock.envelope(resp.envelope_id).type == "events_api"
    assert resp.ack.payload is None  # events take no payload on their ack
    wait_for(lambda: _confirmations(fake), what="confirmation DM")
    [reply] = hw.store.replies.of("T0001", user_id="U1")
    assert [i.text for i in reply.items] == [
        "Shipped the new onboarding flow to all customers",
        "Restarted the billing export job again after it hung",
    ]
    assert hw.store.nudges.of("T0001", "U1")[0].status == "answered"


@pytest.fixture
def nudged(slack, fake, hw, env):
    fake.add_user("U1", tz="Asia/Kolkata")
    slack.command("join", user="U1")
    _responses(fake)
    main(["nudge", "--now"])
    return hw.store.nudges.of("T0001", "U1")[0]


def test_a_modal_answer_over_socket_mode_is_stored(slack, fake, hw, sock, nudged):
    click = slack.click(messages.ANSWER, str(nudged.id), user="U1",
                        channel=nudged.channel, message_ts=nudged.ts)
    assert sock.envelope(click.envelope_id).type == "interactive"
    opened = wait_for(lambda: fake.calls_to("views.open"), what="views.open")[0]
    assert opened.args["view"]["private_metadata"] == str(nudged.id)

    # A blank answer is refused in the ack's payload (response_action), which Slack accepts
    # on a view_submission's ack.
    empty = slack.submit_view(messages.ANSWER_VIEW, {messages.ANSWER_BLOCK: {
        messages.ANSWER_INPUT: {"type": "plain_text_input", "value": "   "}}},
        private_metadata=str(nudged.id))
    assert empty.json()["response_action"] == "errors"
    assert hw.store.replies.of("T0001") == []

    ok = slack.submit_view(messages.ANSWER_VIEW, {messages.ANSWER_BLOCK: {
        messages.ANSWER_INPUT: {"type": "plain_text_input",
                                "value": "Automated the invoice reminders"}}},
        private_metadata=str(nudged.id))
    assert ok.status == 200 and ok.ack.payload is None
    replies = wait_for(lambda: hw.store.replies.of("T0001"), what="modal reply stored")
    assert replies[0].text == "Automated the invoice reminders"
    assert hw.store.nudges.get(nudged.id).status == "answered"


def test_app_home_opened_over_socket_mode_publishes_the_home_tab(slack, fake, hw, nudged):
    slack.dm("Launched the partner portal")
    wait_for(lambda: _confirmations(fake), what="confirmation")
    # Shape: bolt-python tests/slack_bolt/request/test_payload_utils.py
    # (app_home_opened_home_body): user, channel, tab "home", event_ts.
    slack.event({"type": "app_home_opened", "user": "U1", "channel": fake.dm_channel("U1"),
                 "tab": "home", "event_ts": "1726133700.887259"})
    publish = wait_for(lambda: [c for c in fake.calls_to("views.publish")
                                if c.args.get("user_id") == "U1"], what="views.publish")[0]
    flat = json.dumps(publish.args["view"])
    assert "Launched the partner portal" in flat and "Asia/Kolkata" in flat
    assert fake.home_view("U1") is not None


# ── redeliveries ─────────────────────────────────────────────────────────────


def test_a_redelivered_event_is_acked(slack, fake, hw, sock, nudged):
    first = slack.dm("Shipped the self-serve analytics pilot")
    wait_for(lambda: _confirmations(fake), what="confirmation")

    again = slack.redeliver(first.envelope_id, retry_attempt=1, retry_reason="timeout")
    assert again.status == 200 and again.ack.envelope_id == again.envelope_id
    # Canary: it really was Slack's redelivery of the same event.
    sent = sock.envelope(again.envelope_id).body
    assert sent["retry_attempt"] == 1 and sent["retry_reason"] == "timeout"
    assert again.envelope_id != first.envelope_id
    assert sent["payload"]["event_id"] == sock.envelope(first.envelope_id).body[
        "payload"]["event_id"]


def test_a_redelivered_event_stores_nothing_and_sends_nothing(slack, fake, hw, bot, nudged):
    first = slack.dm("Shipped the self-serve analytics pilot")
    wait_for(lambda: _confirmations(fake), what="confirmation")
    _listeners_idle(bot.app)
    replies_before = hw.store.replies.of("T0001")
    calls_before = len(fake.calls)

    slack.redeliver(first.envelope_id, retry_attempt=1, retry_reason="timeout")
    _listeners_idle(bot.app)

    assert hw.store.replies.of("T0001") == replies_before
    assert [c.method for c in fake.calls[calls_before:]] == []


# ── reconnects ───────────────────────────────────────────────────────────────


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
def test_envelopes_sent_right_after_a_disconnect_are_all_acked(bot, sock, fake, reason):
    old = sock.disconnect(reason)
    # Handed over at once, while the bot is still reconnecting: they wait for the new
    # connection's hello, as Slack holds envelopes for an app with no usable connection.
    sent = [sock.slash_command(_help_form(fake)) for _ in range(10)]
    acks = [sock.wait_for_ack(envelope_id) for envelope_id in sent]

    assert all("/headway join" in ack.payload["text"] for ack in acks)
    assert {ack.connection for ack in acks} == {2}  # the new connection carried them all
    assert [c.token for c in fake.calls_to("apps.connections.open")] == [sock.app_token] * 2
    assert sock.wait_closed(old).closed_by == "client"  # the bot let go of the old one


def test_the_bot_keeps_acking_across_several_reconnects(bot, sock, fake):
    for round_ in range(1, 4):
        before = sock.slash_command(_help_form(fake))
        assert sock.wait_for_ack(before).connection == round_
        sock.disconnect("refresh_requested")
        after = sock.slash_command(_help_form(fake))
        assert sock.wait_for_ack(after).connection == round_ + 1
    assert len(fake.calls_to("apps.connections.open")) == 4


# ── `headway serve` itself ───────────────────────────────────────────────────


def test_headway_serve_with_an_app_token_acks_envelopes_over_socket_mode(env, fake, sock,
                                                                       tmp_path):
    full = {**os.environ, **env, "SLACK_APP_TOKEN": sock.app_token, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=tmp_path, env=full,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        sock.wait_connected(timeout=60)
        envelope_id = sock.slash_command(_help_form(fake))
        assert "/headway join" in sock.wait_for_ack(envelope_id, 30).payload["text"]
    finally:
        proc.send_signal(signal.SIGTERM)
        log = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, log
    assert "Socket Mode" in log and "Traceback" not in log
    assert sock.app_token not in log  # the token never reaches the log


def test_headway_serve_with_a_refused_app_token_says_so_in_one_line(env, fake, monkeypatch,
                                                                    capsys):
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A0OTHER-1-" + "f" * 64)
    sigterm = signal.getsignal(signal.SIGTERM)  # serve takes SIGTERM over; give it back
    try:
        assert main(["serve"]) == 2
    finally:
        signal.signal(signal.SIGTERM, sigterm)
    err = capsys.readouterr().err.strip()
    assert err.startswith("headway: Slack refused SLACK_APP_TOKEN (invalid_auth)")
    assert len(err.splitlines()) == 1


def test_headway_serve_that_cannot_reach_slack_for_its_websocket_says_so_in_one_line(
    env, fake, sock, monkeypatch, capsys
):
    monkeypatch.setenv("SLACK_APP_TOKEN", sock.app_token)
    fake.drop("apps.connections.open", times=None)  # read, then the socket closes unanswered
    sigterm = signal.getsignal(signal.SIGTERM)
    try:
        assert main(["serve"]) == 2
    finally:
        signal.signal(signal.SIGTERM, sigterm)
    err = capsys.readouterr().err.strip()
    assert err.startswith("headway: could not open the Socket Mode connection through "
                          f"{fake.api_url}")
    assert len(err.splitlines()) == 1
    assert fake.calls_to("apps.connections.open")  # canary: it did try
    assert sock.connections == []


# ── the fake itself ──────────────────────────────────────────────────────────


def test_the_fake_reports_stray_acks_and_reused_websocket_urls(fake, sock):
    from slack_sdk import WebClient
    from slack_sdk.socket_mode.builtin import SocketModeClient

    client = SocketModeClient(app_token=sock.app_token, auto_reconnect_enabled=False,
                              web_client=WebClient(base_url=fake.api_url))
    try:
        client.connect()
        sock.wait_connected()
        client.send_message(json.dumps({"envelope_id": "never-sent"}))
        wait_for(lambda: sock.problems, what="the stray ack reported")
        # Slack's websocket URLs are single-use tickets: a second upgrade is refused.
        url = urlsplit(client.wss_uri)
        with socket.create_connection((url.hostname, url.port), timeout=10) as again:
            again.sendall(f"GET {url.path}?{url.query} HTTP/1.1\r\nHost: {url.hostname}\r\n"
                          "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                          "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                          .encode())
            status = again.makefile("rb").readline()
    finally:
        client.close()
    assert status.startswith(b"HTTP/1.1 400")
    stray, reused = sock.problems
    assert stray == "ack for an envelope never sent: never-sent"
    assert "used twice" in reused
    sock.clear_problems()  # the misuse is the point of this test

"""No token, secret or reply text in the logs, with every logger at DEBUG: a full cycle, and
the paths off it (forged and stale requests, malformed payloads, a failing listener).

slack_sdk logs request bodies and the Authorization header at DEBUG, Bolt logs ack bodies,
the webhook client behind respond() logs its body: `bot.logsafety` redacts them.
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import pytest
from conftest import recording_logs, wait_for
from slackdriver import SIGNING_SECRET, SlackDriver

from bot import logsafety
from bot.cli import main
from bot.core import messages
from bot.core.model import Member
from bot.listeners import commands
from bot.listeners.commands.request import fast

REPLY = "Quokka-Zanzibar-7731 shipped the cobalt importer"
SECOND = "Pelican-Ostrava-5150 restarted the stuck cron"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # format() includes tracebacks: exception messages are searched too
        self.lines.append(logging.Formatter("%(name)s %(levelname)s %(message)s")
                          .format(record))


@pytest.fixture
def every_logger_at_debug():
    capture = Capture()
    root = logging.getLogger()
    saved = {name: lg.level for name, lg in logging.root.manager.loggerDict.items()
             if isinstance(lg, logging.Logger)}
    saved_root = root.level
    root.addHandler(capture)

    def all_debug() -> None:
        root.setLevel(logging.DEBUG)
        for lg in list(logging.root.manager.loggerDict.values()):
            if isinstance(lg, logging.Logger):
                lg.setLevel(logging.DEBUG)
                lg.disabled = False

    capture.all_debug = all_debug  # type: ignore[attr-defined]
    yield capture
    root.removeHandler(capture)
    root.setLevel(saved_root)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def test_a_full_cycle_at_debug_logs_no_token_secret_or_reply_text(
    every_logger_at_debug, slack, fake, hw, env, settle
):
    logs = every_logger_at_debug
    logs.all_debug()  # after the app and its clients exist: their loggers too
    fake.add_user("U1", tz="UTC")
    fake.add_user("UADMIN", tz="UTC", is_admin=True)

    joined = slack.command("join", user="U1")
    assert "You're in" in fake.wait_for_response(joined.response_url).args["text"]
    logs.all_debug()  # `main` below calls basicConfig; loggers made since then too
    assert main(["--verbose", "nudge", "--now"]) == 0
    logs.all_debug()
    slack.dm(f"- {REPLY}\n- {SECOND}")
    confirm = fake.wait_for_call("chat.postMessage",
                                 lambda c: "Stored your answer" in c.args.get("text", ""),
                                 what="the confirmation (the only one)")
    button = next(e for b in confirm.args["blocks"] if b["type"] == "actions"
                  for e in b["elements"] if e["action_id"].startswith("label_"))
    channel, ts = confirm.response["channel"], confirm.response["ts"]
    slack.click(button["action_id"], button["value"], user="U1", channel=channel,
                message_ts=ts)
    wait_for(lambda: hw.store.replies.corrections("T0001"), what="the correction stored")
    fake.wait_for_call("chat.update", lambda c: c.args.get("ts") == ts and c.ok,
                       what="the confirmation redrawn with the fixed label")
    assert REPLY in slack.command("history", user="U1").json()["text"]  # in an ack body
    here = slack.command("digest here", user="UADMIN", channel="C0DIGEST")
    assert "weekly digest" in fake.wait_for_response(here.response_url).args["text"]
    assert main(["--verbose", "digest", "--post"]) == 0
    logs.all_debug()
    mine = slack.command("export", user="U1")
    assert "JSON and CSV" in fake.wait_for_response(mine.response_url).args["text"]
    team = slack.command("export team", user="UADMIN")
    assert "Sent:" in fake.wait_for_response(team.response_url).args["text"]
    settle()  # every listener has finished, so every line it logged is in the capture

    everything = "\n".join(logs.lines)
    assert len(logs.lines) > 50, "the capture must really have seen the DEBUG traffic"
    assert "Sending a request - url:" in everything  # slack_sdk's debug lines were there
    for secret in (fake.token, SIGNING_SECRET):
        assert secret not in everything
    for text in ("Quokka-Zanzibar", "Pelican-Ostrava", "cobalt importer"):
        assert text not in everything, next(line for line in logs.lines if text in line)


def test_redact_cuts_bodies_and_masks_tokens():
    logsafety.install(["s3cr3t-signing-value"])
    line = ("Sending a request - url: https://slack.com/api/chat.postMessage, query_params: "
            "{}, body_params: {'text': 'my answer'}, headers: {'Authorization': "
            "'Bearer xoxb-123-456-abc'}")
    assert logsafety.redact(line, "slack_sdk.web.base_client", logging.DEBUG) == (
        "Sending a request - url: https://slack.com/api/chat.postMessage (body not logged)")
    assert logsafety.redact("token xoxb-1-2-abc and xapp-1-A-2 and s3cr3t-signing-value"
                            ) == "token [token] and [token] and [redacted]"
    assert "my answer" not in logsafety.redact(
        'Responding with status: 200 body: "my answer" (3 millis)', "bot.bolt", logging.DEBUG)


# ── every other path: refused, malformed, failing ───────────────────────────
# A unique marker in what the member wrote; it must appear in no record of any logger at
# any level, in the message, the formatted traceback, or any attribute of the record.
MARKER = "Wombat-Tbilisi-6021"


def _leaks(logs: Capture, everything: list[logging.LogRecord]) -> list[str]:
    return [line for line in logs.lines if MARKER in line] + [
        repr(vars(r)) for r in everything if MARKER in repr(vars(r))]


@pytest.fixture
def records():
    """The raw records, to search every attribute and not only the formatted line."""
    with recording_logs() as handler:
        yield handler


def _view_submission(text: str) -> dict:
    # Shape: Bolt's tests/scenario_tests/test_view_submission.py body (type, team, user,
    # view with state.values) — as SlackDriver.submit_view sends it.
    return {"type": "view_submission", "team": {"id": "T0001", "domain": "acme"},
            "user": {"id": "U1", "team_id": "T0001"}, "api_app_id": "A0HEADWAY",
            "trigger_id": "1.trigger",
            "view": {"id": "V1", "team_id": "T0001", "type": "modal",
                     "callback_id": messages.ANSWER_VIEW, "private_metadata": "",
                     "state": {"values": {messages.ANSWER_BLOCK: {messages.ANSWER_INPUT: {
                         "type": "plain_text_input", "value": text}}}}}}


def test_forged_and_stale_requests_are_refused_and_log_none_of_their_text(
    every_logger_at_debug, records, slack, fake, hw
):
    logs = every_logger_at_debug
    logs.all_debug()
    forged = {"signature": "v0=" + "0" * 64}
    stale = {"timestamp": int(time.time()) - 6 * 60}  # clock skew, or a replay
    wrong_secret = SlackDriver(slack.url, fake, secret="a-rotated-signing-secret-000000")
    answers = [
        slack.command(f"time 09:00 {MARKER}", **forged),
        slack.command(f"history {MARKER}", **stale),
        wrong_secret.command(f"join {MARKER}"),
        slack.event({"type": "message", "channel": "D1", "user": "U1", "text": MARKER,
                     "ts": "1.000001", "channel_type": "im"}, **forged),
        slack.post(urlencode({"payload": json.dumps(_view_submission(MARKER))}),
                   "application/x-www-form-urlencoded", **stale),
    ]
    assert [a.status for a in answers] == [401] * 5
    assert hw.store.replies.of("T0001") == []
    assert [c.method for c in fake.calls] == ["auth.test"]  # Bolt's start-up check only

    refused = [line for line in logs.lines if "Invalid request signature" in line]
    assert len(refused) == 5, "Bolt logs each refusal: the test must see those lines"
    assert any(str(stale["timestamp"]) in line for line in refused), \
        "the timestamp stays: it tells clock skew from a wrong secret"
    assert _leaks(logs, records.records) == []


def test_malformed_payloads_are_answered_and_log_none_of_their_text(
    every_logger_at_debug, records, slack, fake, hw
):
    logs = every_logger_at_debug
    logs.all_debug()
    form = "application/x-www-form-urlencoded"
    bad_json = slack.post(urlencode({"payload": '{"type": "view_submission", "x": "'
                                     + MARKER}), form)
    not_an_object = slack.post(urlencode({"payload": json.dumps([MARKER])}), form)
    # A slash command's form body declared as JSON: Bolt parses it as JSON and fails.
    command_as_json = slack.post(urlencode({"command": "/headway", "text": MARKER,
                                            "team_id": "T0001", "user_id": "U1"}),
                                 "application/json")
    assert [bad_json.status, not_an_object.status, command_as_json.status] == [400] * 3

    # Well-formed but missing what Slack always sends.
    no_user = slack.post(urlencode({"command": "/headway", "text": f"time {MARKER}",
                                    "team_id": "T0001", "response_url": "",
                                    "trigger_id": "1.t"}), form)
    no_team = slack.event({"type": "message", "text": MARKER, "channel_type": "im",
                           "ts": "1.000002"}, team_id="")
    view_without_state = slack.post(urlencode({"payload": json.dumps(
        {**_view_submission(MARKER), "user": {}})}), form)
    # A JSON event sent with a form content type: Bolt reads bodies starting with "{"
    # as JSON anyway, so it is handled (and stored) like any other DM.
    event = {"token": "t", "team_id": "T0001", "api_app_id": "A0HEADWAY",
             "type": "event_callback", "event_id": "Ev0MALFORMED", "event_time": 1,
             "event": {"type": "app_mention", "user": "U1", "text": MARKER,
                       "ts": "1.000003", "channel": "C1"}}
    mislabelled = slack.post(json.dumps(event), "text/plain")
    # Slack's typeahead sends what the member is typing; Headway has no such menu, so
    # Bolt warns about an unhandled request and quotes the payload.
    # Shape: Bolt's tests/scenario_tests/test_block_suggestion.py body.
    suggestion = slack.post(urlencode({"payload": json.dumps({
        "type": "block_suggestion", "user": {"id": "U1", "team_id": "T0001"},
        "team": {"id": "T0001", "domain": "acme"}, "api_app_id": "A0HEADWAY",
        "action_id": "menu", "block_id": "b", "value": MARKER})}), form)
    # The command still answers (its text is not a time); the event without a workspace is
    # acked and dropped; a view with no user is nothing Slack sends: its listener fails
    # (Bolt answers 500) and that failure is logged; the last two match no listener.
    assert [r.status for r in (no_user, no_team, view_without_state, mislabelled,
                               suggestion)] == [200, 200, 500, 404, 404]
    assert any("listener failed on view_submission: KeyError" in line for line in logs.lines)

    assert any("unreadable request body" in line for line in logs.lines)
    assert any("Unhandled request" in line for line in logs.lines), \
        "the unhandled-request warning was really written (without its payload)"
    assert _leaks(logs, records.records) == []


def test_an_exception_inside_a_listener_logs_its_traceback_without_the_text(
    every_logger_at_debug, records, slack, fake, hw, monkeypatch
):
    logs = every_logger_at_debug
    fake.add_user("U1", tz="UTC")
    hw.store.workspaces.ensure("T0001", hw.now())
    hw.store.members.upsert(Member("T0001", "U1"), hw.now())
    logs.all_debug()

    def explode(hw_, team_id, msg, **kwargs):
        # An error that quotes its data, raised from another that does too: the kind of
        # message a parser or a driver writes.
        try:
            raise ValueError(f"cannot parse {msg.text!r}")
        except ValueError as inner:
            raise RuntimeError(f"storing {msg.text} failed") from inner

    monkeypatch.setattr("bot.replies.record_message_answer", explode)
    monkeypatch.setitem(commands.HANDLERS, "history", fast(lambda *a: {}[MARKER]))
    assert slack.dm(f"- {MARKER} shipped", user="U1").status == 200
    slack.command("history", user="U1")

    def failures() -> list[logging.LogRecord]:
        return [r for r in records.records if r.getMessage().startswith("listener failed")]

    wait_for(lambda: len(failures()) == 2, what="both listener failures logged")
    traceback_text = "\n".join(r.exc_text or "" for r in failures())
    assert "Traceback (most recent call last)" in traceback_text
    assert "RuntimeError (message not logged)" in traceback_text  # the chain is there…
    assert "ValueError (message not logged)" in traceback_text
    assert "KeyError (message not logged)" in traceback_text
    assert "in explode" in traceback_text  # …with its frames
    assert _leaks(logs, records.records) == []

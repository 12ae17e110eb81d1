"""No token, secret or reply text in the logs of a full cycle, with every logger at DEBUG.

slack_sdk logs request bodies and the Authorization header at DEBUG, Bolt logs ack bodies,
the webhook client behind respond() logs its body: `bot.logsafety` redacts them.
"""

from __future__ import annotations

import logging

import pytest
from conftest import wait_for
from slackdriver import SIGNING_SECRET

from bot import logsafety
from bot.cli import main
from bot.core import messages

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
    value = next(b["accessory"]["value"] for b in confirm.args["blocks"] if "accessory" in b)
    channel, ts = confirm.response["channel"], confirm.response["ts"]
    slack.click(messages.FLIP, value, user="U1", channel=channel, message_ts=ts)
    wait_for(lambda: hw.store.corrections("T0001"), what="the correction stored")
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

"""Hostile input through the real signed endpoints: always an answer, never a 500 or an
unhandled exception; odd text stored exactly and repeated without live mentions."""

from __future__ import annotations

import json
import logging
import sqlite3

import pytest
from conftest import answer_to, recording_logs, wait_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slackspec import find_unescaped_broadcasts

from bot import replies
from bot.cli import main
from bot.core import messages
from bot.core.items import split_items
from bot.core.text import escape_mrkdwn
from bot.core.usage import USAGE

T = "T0001"
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Mentions a user might type; the fake fails the test if any leaves the bot unescaped.
EVIL = "<!channel> <!here> <!everyone> <@UEVIL1> <@UEVIL2|boss> <!subteam^S0EVIL|@ops>"
HOSTILE = [
    "x" * 39_990 + " shipped",  # long: Slack's own 40,000-character message limit
    "tab\there\x01\x02\x07\x1b[31mred\x7f and a NUL\x00 in the middle",
    "\u202eRTL override\u202c and \u200f mark \u200e, zero\u200bwidth\u200d joiner\ufeff",
    "emoji 🚀👩🏽‍💻🏳️‍🌈 and combining é and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "'); DROP TABLE replies; -- \" OR 1=1; SELECT * FROM members WHERE ''='",
    EVIL + " fixed the outage & <b>bold</b> > all",
    "*bold* _it_ ~strike~ `code` ```block``` <https://evil.example|click me> &amp; &lt;",
]


@pytest.fixture
def errors():
    """Every ERROR record from anywhere (Bolt, our listeners, the HTTP server)."""
    with recording_logs(logging.ERROR) as handler:
        yield handler
    assert not handler.records, [r.getMessage() for r in handler.records]


@pytest.fixture
def member(slack, fake, hw, env, settle):
    fake.forbid("<@UEVIL", "<!subteam^S0EVIL")
    fake.add_user("U1", tz="Pacific/Auckland", name="ada")
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    slack.command("join", user="U1")
    wait_for(lambda: hw.store.members.get(T, "U1"), what="joined")
    assert main(["nudge", "--now"]) == 0
    settle()
    assert fake.take_violations() == []  # so each example starts from none
    return "U1"


def _example_is_clean(settle, fake, errors) -> None:
    """Checked inside each example, not at teardown, so Hypothesis can shrink and replay a
    failure: once this example's listeners have finished, nothing it caused broke Slack's
    spec, leaked a live mention, or logged an error. Taking the problems resets them, so
    the next example is judged on its own calls only."""
    settle()
    problems, logged = fake.take_violations(), errors.take()
    assert not problems, "Slack API misuse:\n  " + "\n  ".join(problems)
    assert not logged, logged


def _ack_is_an_answer(resp) -> None:
    assert resp.status == 200, resp.body[:300]
    if resp.body.strip():
        body = resp.json()
        assert body.get("text") or body.get("blocks") or body.get("response_action")
        assert not find_unescaped_broadcasts(body)
        assert "<@UEVIL" not in resp.body


def _stored_texts(db_path) -> list[str]:
    """Read back with a separate plain sqlite3 connection: what is really in the file."""
    conn = sqlite3.connect(db_path)
    try:
        return [r[0] for r in conn.execute("SELECT text FROM replies ORDER BY id")]
    finally:
        conn.close()


# ── property tests ───────────────────────────────────────────────────────────

_HEADS = sorted({u.syntax.split(" ")[0] for u in USAGE} | {"forget", "export", "admins"})
command_text = st.one_of(
    st.text(max_size=200),
    st.builds(lambda h, t: f"{h} {t}", st.sampled_from(_HEADS), st.text(max_size=80)),
    st.builds(lambda h, t: f"{h} {t}", st.sampled_from(["team add", "team remove",
                                                        "admins add", "digest time", "time",
                                                        "pause", "retention"]),
              st.sampled_from(["<@U1|ada>", "<#C1|general>", "<@UEVIL1>", EVIL, "25:99",
                               "mon 09:00", "0", "-1", "99999999999999999999", "\x00"])),
)


@FUZZ
@given(text=command_text, user=st.sampled_from(["U1", "UADMIN", "UNOBODY"]))
def test_any_slash_command_text_gets_an_answer(member, slack, fake, settle, errors, text,
                                                user):
    resp = slack.command(text, user=user)
    _ack_is_an_answer(resp)
    if not resp.body.strip():  # acked empty: the answer must follow through response_url
        answer = fake.wait_for_response(resp.response_url)
        assert answer.ok and answer.args.get("text"), answer
    _example_is_clean(settle, fake, errors)


@FUZZ
@given(text=st.text(max_size=400))
def test_any_dm_text_is_answered_and_stored_exactly(member, slack, fake, hw, db_path,
                                                    settle, errors, text):
    n = len(_stored_texts(db_path))
    notes = len([c for c in fake.calls_to("chat.postMessage")
                 if c.args.get("text") == replies.GREETING_NOTE])
    # Slack sends what was typed with &, < and > escaped; Headway stores what was typed.
    assert slack.dm(escape_mrkdwn(text), user="U1").status == 200
    if split_items(text):
        texts = wait_for(lambda: (t := _stored_texts(db_path)) and len(t) > n and t,
                         what="reply stored")
        assert texts[-1] == text.strip()  # the only reply of this example (see below)
    elif text.strip():
        # Only greetings, mentions or punctuation: not an answer (the open question is the
        # work one), so nothing is stored and the member is told what Headway keeps.
        wait_for(lambda: len([c for c in fake.calls_to("chat.postMessage")
                              if c.args.get("text") == replies.GREETING_NOTE]) > notes,
                 what="this message's greeting note")
        assert len(_stored_texts(db_path)) == n
    _example_is_clean(settle, fake, errors)  # each example settles before the next one


_ACTIONS = [messages.ANSWER, messages.SKIP, messages.SNOOZE, messages.FLIP,
            f"{messages.FLIP}_none", f"{messages.ANSWER_LABEL}_progress", messages.FORGET_CANCEL,
            messages.FORGET_CONFIRM]
button_value = st.one_of(st.text(max_size=60), st.integers().map(str),
                         st.builds(lambda a, b: f"{a}:{b}", st.integers(-5, 10**20),
                                   st.sampled_from(["progress", "ktlo", "none", "",
                                                    "x" * 50])))


@FUZZ
@given(action=st.sampled_from(_ACTIONS), value=button_value,
       user=st.sampled_from(["U1", "UNOBODY"]))
def test_any_button_payload_is_acked(member, slack, fake, settle, errors, action, value,
                                     user):
    if action == messages.FORGET_CONFIRM:
        user = "UNOBODY"  # clicking it for U1 is a real deletion, tested elsewhere
    resp = slack.click(action, value, user=user, channel="D1", message_ts="1.0")
    _ack_is_an_answer(resp)
    _example_is_clean(settle, fake, errors)


view_value = st.one_of(st.none(), st.text(max_size=300), st.just("x" * 40_001),
                       st.just(EVIL))


@FUZZ
@given(value=view_value, metadata=st.one_of(st.text(max_size=20), st.integers().map(str)),
       shape=st.sampled_from(["normal", "no-block", "no-state"]))
def test_any_view_submission_is_acked(member, slack, fake, settle, errors, value, metadata,
                                      shape):
    values = {messages.ANSWER_BLOCK: {messages.ANSWER_INPUT: {"type": "plain_text_input",
                                                              "value": value}}}
    if shape == "no-block":
        values = {"other": {}}
    elif shape == "no-state":
        values = {}
    _ack_is_an_answer(slack.submit_view(messages.ANSWER_VIEW, values, metadata, user="U1"))
    _example_is_clean(settle, fake, errors)


# ── exact storage, safe display ──────────────────────────────────────────────


@pytest.mark.parametrize("path", ["modal", "dm"])
def test_hostile_replies_are_stored_byte_for_byte_and_repeated_without_live_mentions(
    member, slack, fake, hw, db_path, errors, path
):
    for i, text in enumerate(HOSTILE):
        if path == "modal":
            resp = slack.submit_view(messages.ANSWER_VIEW, {messages.ANSWER_BLOCK: {
                messages.ANSWER_INPUT: {"type": "plain_text_input", "value": text}}},
                "", user="U1")
        else:  # as Slack sends typed text: &, < and > escaped (modal input comes raw)
            resp = slack.dm(escape_mrkdwn(text), user="U1")
        _ack_is_an_answer(resp)
        wait_for(lambda i=i: len(_stored_texts(db_path)) > i, what=f"reply {i} stored")
    stored = _stored_texts(db_path)
    assert [s.encode("utf-8", "surrogatepass") for s in stored] == \
        [t.encode("utf-8", "surrogatepass") for t in HOSTILE]
    wait_for(lambda: len([c for c in fake.calls_to("chat.postMessage")
                          if "Stored your answer" in c.args.get("text", "")]) == len(HOSTILE),
             what="every answer confirmed")

    # Shown back: history and the digest preview (ack bodies), App Home, the export.
    _ack_is_an_answer(slack.command("history", user="U1"))
    _ack_is_an_answer(slack.command("digest preview", user="U1"))
    assert slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1",
                        "tab": "home"}).status == 200
    fake.wait_for_call("views.publish", what="App Home published")  # the one publish here
    assert "JSON and CSV" in answer_to(fake, slack.command("export", user="U1"))
    [done] = fake.calls_to("files.completeUploadExternal")  # made before that answer
    exported = json.loads(next(fake.file_content(f["id"]) for f in done.args["files"]
                               if f["title"].endswith("(JSON)")))
    assert [r["text"] for r in exported["replies"]] == HOSTILE  # the file keeps it exact
    assert "weekly digest" in answer_to(
        fake, slack.command("digest here", user="UADMIN", channel="C0DIGEST"))
    assert main(["digest", "--post"]) == 0

    sent = json.dumps([c.args for c in fake.calls if c.method != "files.upload"],
                      ensure_ascii=False)
    # the mentions are shown as people read them, as plain text
    assert "@channel @here @everyone @someone @boss @ops" in sent
    for live in ("<!channel>", "<!here>", "<!everyone>", "<@UEVIL", "<!subteam^"):
        assert live not in sent
    # (the fake also checks each call against Slack's spec and Block Kit limits at teardown)

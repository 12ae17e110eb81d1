"""The same DM message twice, or changed, through Slack's wire format: redeliveries (one at
a time and at once), edits, deletions, replies in a nudge's thread, files with and without
a caption, and the posted digest following every change.

Every test runs twice, once per way Slack reaches the real Bolt app: as a signed HTTP
request, and as a Socket Mode envelope over the fake's websocket (acked, and answered by
the same listeners). The event shapes are Slack's own examples from bolt-python's test
suite (see the builders in slackdriver.py, each naming the file its shape comes from). A
redelivery is the very same event, same `event_id`, sent again: over HTTP with
`X-Slack-Retry-Num` / `X-Slack-Retry-Reason`, in Socket Mode with `retry_attempt` /
`retry_reason` on the envelope.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, time
from typing import Any

import pytest
from conftest import wait_for
from fakesocket import FakeSocketMode, SocketDriver
from slackdriver import SlackDriver, file_share, message_changed, message_deleted, next_ts
from sqlite_utils import Database
from teams_setup import digest_team

from bot import replies
from bot.app import build_app
from bot.core import messages
from bot.core.labelling import flipped
from bot.core.model import Member
from bot.digests import build
from bot.scheduler import tick
from bot.socket_mode import open_socket_mode
from bot.store import Store

TEAM, DIGEST = "T0001", "C0DIGEST"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(params=["http", "socket_mode"])
def slack(request, fake, hw) -> Iterator[SlackDriver]:
    """The same driver API over both transports: signed HTTP to `/slack/events`, or Socket
    Mode envelopes through the client `headway serve` uses (`open_socket_mode`)."""
    if request.param == "http":
        server = request.getfixturevalue("server")
        yield SlackDriver(server.url, fake)
        return
    with FakeSocketMode(fake) as sock:
        connection = open_socket_mode(build_app(hw), sock.app_token, hw.settings.api_url)
        sock.wait_connected()
        try:
            yield SocketDriver(sock, fake)
        finally:
            connection.close()
        sock.assert_clean()


@pytest.fixture
def nudged(fake, hw, clock) -> None:
    """U1 and U2, members in UTC, each with this week's two questions in their DMs."""
    clock.now = utc(2026, 11, 20, 15, 0)  # Friday 15:00, their nudge time
    hw.store.workspaces.ensure(TEAM, clock.now, "Acme")
    for uid in ("U1", "U2"):
        fake.add_user(uid, tz="UTC")
        hw.store.members.upsert(Member(TEAM, uid, tz="UTC", days=(4,), nudge_time=time(15)),
                                clock.now)
    digest_team(hw, TEAM, DIGEST, tz="UTC", digest_day=0, digest_time=time(9))
    tick(hw)
    assert len(hw.store.nudges.of(TEAM, "U1", statuses=["sent"])) == 2


@pytest.fixture
def seen(caplog):
    """Wait until Headway logged that it handled this message and did nothing (the
    canary that a redelivery or a no-op edit was really received and decided on)."""
    caplog.set_level(logging.INFO, logger="bot.replies")

    def wait(event: dict[str, Any], why: str, times: int = 1) -> None:
        ts = event.get("deleted_ts") or (event.get("message") or event)["ts"]
        key = f"{event['channel']}/{ts}"
        wait_for(lambda: sum(key in r.getMessage() and why in r.getMessage()
                             for r in caplog.records) >= times,
                 what=f"{times}× '{why}' for {key}")

    return wait


def dm_of(fake, user: str = "U1") -> str:
    return fake.dm_channel(user, TEAM)


def confirmations(fake, user: str = "U1") -> list[Any]:
    return [c for c in fake.calls_to("chat.postMessage")
            if c.args.get("channel") == dm_of(fake, user)
            and "Stored your answer" in c.args.get("text", "")]


def posted_to_dm(fake, user: str = "U1") -> list[Any]:
    """Everything Headway posted into the member's DM after the nudges (which go to the
    user id): confirmations and notes."""
    return [c for c in fake.calls_to("chat.postMessage")
            if c.args.get("channel") == dm_of(fake, user)]


def confirmation_message(fake, user: str = "U1") -> dict[str, Any]:
    """The confirmation as it stands in the DM now (chat.update changes it in place)."""
    [msg] = [m for m in fake.messages(dm_of(fake, user))
             if "your answer" in m.get("text", "") or "deleted this answer" in m.get("text", "")]
    return msg


def asks(fake, nudge, user: str = "U1") -> bool:
    """Whether the nudge's message in the DM still has its buttons (is open). (The work
    question's effort buttons stay once it is answered: they are not the question's.)"""
    [msg] = [m for m in fake.messages(dm_of(fake, user)) if m["ts"] == nudge.ts]
    return any(b["type"] == "actions" and b.get("block_id", "").startswith("nudge:")
               for b in msg.get("blocks", []))


def closed(fake, hw, user: str = "U1") -> bool:
    """Every question the member answered shows as answered (confirm() does that last)."""
    return not any(asks(fake, n, user)
                   for n in hw.store.nudges.of(TEAM, user, statuses=["answered"]))


def answer(slack, fake, hw, text: str, user: str = "U1", **extra: Any) -> dict[str, Any]:
    """DM an answer and wait until it is confirmed and its question closed; returns the
    event sent."""
    before = len(confirmations(fake, user))
    event = slack.dm_event(text, user, **extra)
    assert slack.event(event).status == 200
    wait_for(lambda: len(confirmations(fake, user)) > before and closed(fake, hw, user),
             what=f"confirmation for {user}")
    return event


def the_reply(hw, user: str = "U1"):
    [reply] = hw.store.replies.of(TEAM, user_id=user)
    return reply


# ── redelivery ───────────────────────────────────────────────────────────────


def test_a_redelivered_dm_stores_nothing_and_sends_nothing(slack, fake, hw, nudged, seen):
    event = slack.dm_event("- Shipped the refunds flow\n- Restarted the export job again")
    envelope = slack.envelope(event)
    assert slack.deliver(envelope).status == 200
    wait_for(lambda: confirmations(fake) and closed(fake, hw), what="confirmation")
    nudge_closed = len(fake.calls_to("chat.update"))
    assert nudge_closed == 1

    # Slack did not see the ack in time: the same event_id again, twice.
    assert slack.deliver(envelope, retry_num=1, retry_reason="http_timeout").status == 200
    assert slack.deliver(envelope, retry_num=2, retry_reason="http_error").status == 200
    seen(event, "already handled (a redelivery)", times=2)

    assert len(the_reply(hw).items) == 2
    assert len(posted_to_dm(fake)) == 1, "one confirmation, no second one"
    assert len(fake.calls_to("chat.update")) == nudge_closed
    digest = build(hw, hw.store.teams.of(TEAM)[0], "2026-W47")
    assert digest.progress + digest.ktlo == 2 and digest.participants == 1


def writes_wait_for_each_other(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """The first write of each of `n` listener threads (a transaction, or a write outside
    one) waits until all `n` got there: whatever they read to decide, they all read it
    before any of them wrote. A claim inside the transaction holds; a check-then-insert
    stores the answer `n` times."""
    together = threading.Barrier(n, timeout=20)
    wrote = threading.local()

    def first_write() -> None:
        if not getattr(wrote, "once", False):
            wrote.once = True
            together.wait()

    atomic, execute = Store.atomic, Database.execute

    @contextmanager
    def waiting_atomic(self: Store) -> Iterator[Database]:
        first_write()
        with atomic(self) as db:
            yield db

    def waiting_execute(self: Database, sql: str, *args: Any, **kwargs: Any) -> Any:
        if (sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
                and not self.conn.in_transaction):
            first_write()
        return execute(self, sql, *args, **kwargs)

    monkeypatch.setattr(Store, "atomic", waiting_atomic)
    monkeypatch.setattr(Database, "execute", waiting_execute)


def test_deliveries_of_one_event_handled_at_once_give_one_reply_and_one_confirmation(
        slack, fake, hw, nudged, seen, monkeypatch):
    n = 4
    writes_wait_for_each_other(monkeypatch, n)
    event = slack.dm_event("Shipped the refunds flow to every customer")
    envelope = slack.envelope(event)
    with ThreadPoolExecutor(n) as pool:
        statuses = list(pool.map(
            lambda i: slack.deliver(envelope, retry_num=i or None).status, range(n)))
    assert statuses == [200] * n
    seen(event, "already handled (a redelivery)", times=n - 1)
    wait_for(lambda: confirmations(fake) and closed(fake, hw), what="the one confirmation")

    assert the_reply(hw).text == "Shipped the refunds flow to every customer"
    assert len(posted_to_dm(fake)) == 1
    assert len(fake.calls_to("chat.update")) == 1  # the nudge closed once


def test_a_stranger_gets_one_join_note_however_often_slack_delivers_the_message(
        slack, fake, hw, nudged, seen):
    fake.add_user("U9", tz="UTC")
    event = slack.dm_event("hello, what is this?", user="U9")
    envelope = slack.envelope(event)
    slack.deliver(envelope)
    wait_for(lambda: posted_to_dm(fake, "U9"), what="join note")
    slack.deliver(envelope, retry_num=1)
    seen(event, "already noted (a redelivery)")
    [note] = posted_to_dm(fake, "U9")
    assert "/headway join" in note.args["text"]
    assert hw.store.replies.of(TEAM, user_id="U9") == []


# ── files ────────────────────────────────────────────────────────────────────


def test_a_file_shared_with_a_caption_is_answered_with_the_caption(slack, fake, hw, nudged):
    caption = "Shipped the new pricing page (screenshot attached)"
    event = file_share(dm_of(fake), "U1", caption, next_ts())
    assert slack.event(event).status == 200
    wait_for(lambda: confirmations(fake), what="confirmation")
    reply = the_reply(hw)
    assert reply.text == caption and [i.text for i in reply.items] == [caption]


def noted_once_and_nothing_stored(slack, fake, hw, seen, event: dict[str, Any],
                                  note: str) -> None:
    """Deliver `event`, then Slack's redelivery of it: one note, no reply, both of the
    member's questions still open."""
    envelope = slack.envelope(event)
    slack.deliver(envelope)
    wait_for(lambda: posted_to_dm(fake), what="the note")
    slack.deliver(envelope, retry_num=1)
    seen(event, "already noted (a redelivery)")
    [sent] = posted_to_dm(fake)
    assert sent.args["text"] == note
    assert hw.store.replies.of(TEAM) == []
    assert len(hw.store.nudges.of(TEAM, "U1", statuses=["sent"])) == 2, "still open"


def test_a_file_without_a_caption_gets_one_note_and_nothing_is_stored(slack, fake, hw,
                                                                       nudged, seen):
    noted_once_and_nothing_stored(slack, fake, hw, seen,
                                  file_share(dm_of(fake), "U1", "", next_ts()),
                                  replies.FILE_NOTE)


# ── threads ──────────────────────────────────────────────────────────────────


def test_a_reply_in_a_nudges_thread_answers_that_nudge_not_the_newest(slack, fake, hw,
                                                                      nudged):
    newest = hw.store.nudges.newest_open(TEAM, "U1")
    [older] = [n for n in hw.store.nudges.of(TEAM, "U1") if n.id != newest.id]
    assert older.ts and older.prompt_id != newest.prompt_id

    answer(slack, fake, hw, "The release checklist keeps getting skipped", thread_ts=older.ts)
    reply = the_reply(hw)
    assert reply.prompt_id == older.prompt_id
    assert hw.store.nudges.get(older.id).status == "answered"
    assert hw.store.nudges.get(newest.id).status == "sent"
    [confirm] = confirmations(fake)
    assert confirm.args["thread_ts"] == older.ts, "confirmed in the thread it was asked in"

    # A plain DM still answers the newest open question.
    answer(slack, fake, hw, "Shipped the refunds flow")
    assert {r.prompt_id for r in hw.store.replies.of(TEAM, user_id="U1")} == {
        older.prompt_id, newest.prompt_id}


# ── edits ────────────────────────────────────────────────────────────────────


def test_an_edit_replaces_the_reply_keeping_unchanged_lines_and_the_members_fix(
        slack, fake, hw, nudged):
    event = answer(slack, fake, hw, "- Shipped the refunds flow\n"
                                "- Restarted the export job again\n"
                                "- Answered support tickets")
    shipped, restarted, support = the_reply(hw).items
    confirm_ts = confirmation_message(fake)["ts"]
    fixed = flipped(restarted.label)
    slack.click(messages.FLIP, f"{restarted.id}:{fixed}", channel=dm_of(fake),
                message_ts=confirm_ts)
    wait_for(lambda: "you set" in str(confirmation_message(fake)["blocks"]),
             what="the member's fix shown on the confirmation")

    # One line reworded, one removed, the order changed.
    new_text = ("- Shipped the refunds flow\n"
                "- Automated the export job restarts\n"
                "- Restarted the export job again")
    assert slack.event(message_changed(event, new_text)).status == 200
    wait_for(lambda: "Updated your answer" in confirmation_message(fake)["text"],
             what="the confirmation updated in place")

    reply = the_reply(hw)
    assert reply.text == new_text
    kept, added, refixed = reply.items
    assert (kept.id, kept.label, kept.label_source) == (shipped.id, shipped.label, "auto")
    assert (refixed.id, refixed.label, refixed.label_source) == (restarted.id, fixed, "user")
    assert added.text == "Automated the export job restarts" and added.label_source == "auto"
    assert added.id not in {shipped.id, restarted.id, support.id}
    assert hw.store.replies.get_item(TEAM, support.id) is None, "the removed line is gone"
    assert ("Restarted the export job again", fixed) in hw.store.replies.corrections(TEAM)

    assert len(posted_to_dm(fake)) == 1, "updated in place, no new DM"
    shown = confirmation_message(fake)
    assert shown["ts"] == confirm_ts
    rows = [b for b in shown["blocks"] if b.get("block_id", "").startswith("item:")]
    assert [int(b["block_id"].split(":")[1]) for b in rows] == [shipped.id, added.id,
                                                                restarted.id]
    assert all(e["value"].startswith(b["block_id"][5:] + ":")
               for b in rows for e in b["elements"])


def test_a_redelivered_or_late_older_edit_changes_nothing(slack, fake, hw, nudged, seen):
    event = answer(slack, fake, hw, "Shipped the refunds flow")
    confirm_ts = confirmation_message(fake)["ts"]
    first, second = next_ts(), next_ts()
    older = message_changed(event, "Shipped the refunds flow to everyone", edited_ts=first)
    newer = message_changed(event, "Shipped the refunds flow to everyone in the EU",
                            edited_ts=second)
    envelope = slack.envelope(newer)
    slack.deliver(envelope)
    wait_for(lambda: "in the EU" in str(confirmation_message(fake)["blocks"]),
             what="the newer edit shown")
    updates = len([c for c in fake.calls_to("chat.update") if c.args["ts"] == confirm_ts])

    slack.deliver(envelope, retry_num=1)
    seen(newer, "leaves the text as stored")
    slack.event(older)  # Slack delivered the earlier edit late
    seen(older, "older than the one applied")

    assert the_reply(hw).text == "Shipped the refunds flow to everyone in the EU"
    assert len([c for c in fake.calls_to("chat.update")
                if c.args["ts"] == confirm_ts]) == updates == 1


def test_an_edit_of_a_message_headway_never_stored_stores_nothing_unless_the_original_may_still_come(  # noqa: E501
        slack, fake, hw, clock, nudged, seen):
    # Sent an hour ago and never an answer here (say, before joining): the edit does nothing.
    old = slack.dm_event("Shipped the refunds flow", ts=next_ts(clock.now.timestamp() - 3600))
    slack.event(message_changed(old, "Shipped the refunds flow to everyone"))
    seen(old, "of a message Headway never stored")
    assert hw.store.replies.of(TEAM) == [] and posted_to_dm(fake) == []

    # Sent 30 s ago while Headway was restarting; the member edits it before Slack's
    # redelivery of the original arrives. The edit is the answer; the original, when it
    # comes, changes nothing.
    recent = slack.dm_event("Launched the partner portal",
                            ts=next_ts(clock.now.timestamp() - 30))
    slack.event(message_changed(recent, "Launched the partner portal in the EU"))
    wait_for(lambda: confirmations(fake), what="confirmation of the edited answer")
    slack.event(recent, retry_num=2, retry_reason="http_error")
    seen(recent, "already handled (a redelivery)")
    assert the_reply(hw).text == "Launched the partner portal in the EU"
    assert len(posted_to_dm(fake)) == 1


# ── deletions ────────────────────────────────────────────────────────────────


def test_deleting_the_answer_removes_it_reopens_the_question_and_says_so(slack, fake, hw,
                                                                         nudged, seen):
    nudge = hw.store.nudges.newest_open(TEAM, "U1")
    event = answer(slack, fake, hw, "- Shipped the refunds flow\n- Restarted the export job")
    item_ids = [i.id for i in the_reply(hw).items]
    assert hw.store.nudges.get(nudge.id).status == "answered"

    assert slack.event(message_deleted(event)).status == 200
    wait_for(lambda: "You deleted this answer" in confirmation_message(fake)["text"],
             what="the confirmation says the answer is gone")
    assert hw.store.replies.of(TEAM) == []
    assert all(hw.store.replies.get_item(TEAM, i) is None for i in item_ids)
    assert hw.store.nudges.get(nudge.id).status == "sent"
    wait_for(lambda: asks(fake, nudge), what="the question's buttons back")

    # Slack's last redelivery of the original message cannot bring the answer back.
    slack.event(event, retry_num=3)
    seen(event, "already handled (a redelivery)")
    assert hw.store.replies.of(TEAM) == []
    assert len(posted_to_dm(fake)) == 1


# ── the posted digest follows every change ───────────────────────────────────


def test_the_posted_digest_follows_edits_deletions_label_fixes_and_forget_me(
        slack, fake, hw, clock, nudged):
    u1 = answer(slack, fake, hw, "- Shipped the refunds flow\n- Restarted the export job again")
    answer(slack, fake, hw, "Launched the partner portal", user="U2")
    clock.now = utc(2026, 11, 23, 9, 0)  # Monday: the W47 digest
    assert tick(hw).digests_posted == 1
    main_ts = fake.messages(DIGEST)[0]["ts"]
    clock.advance(minutes=1)
    assert tick(hw).digests_updated == 0, "nothing changed"

    def next_update(what: str) -> str:
        """Tick until the batched update goes out (at most every 15 minutes)."""
        before = len([c for c in fake.calls_to("chat.update") if c.args["ts"] == main_ts])
        clock.advance(minutes=16)
        assert tick(hw).digests_updated == 1, what
        calls = [c for c in fake.calls_to("chat.update") if c.args["ts"] == main_ts]
        assert len(calls) == before + 1
        return str(calls[-1].args["blocks"])

    # Tuesday, past the digest's own window: an edit keeps the reply count the same.
    clock.now = utc(2026, 11, 24, 10, 0)
    slack.event(message_changed(u1, "- Shipped the refunds flow\n"
                                    "- Automated the export job restarts"))
    wait_for(lambda: "Automated" in the_reply(hw).text, what="the edit stored")
    shown = next_update("an edit")
    assert "Automated the export job restarts" in shown
    assert "Restarted the export job again" not in shown

    # A label fix from U2's confirmation, batched: not before 15 minutes have passed.
    [portal] = the_reply(hw, "U2").items
    slack.click(messages.FLIP, f"{portal.id}:{flipped(portal.label)}", user="U2",
                channel=dm_of(fake, "U2"), message_ts=confirmation_message(fake, "U2")["ts"])
    wait_for(lambda: hw.store.replies.get_item(TEAM, portal.id)[0].label_source == "user",
             what="U2's fix")
    clock.advance(minutes=1)
    assert tick(hw).digests_updated == 0, "batched"
    assert "1 corrected by members" in next_update("a label fix")

    # U1 deletes their message: the digest loses it.
    slack.event(message_deleted(u1))
    wait_for(lambda: not hw.store.replies.of(TEAM, user_id="U1"), what="the deletion")
    shown = next_update("a deletion")
    assert "Shipped the refunds flow" not in shown and "1 of 2" in shown

    # U2 asks Headway to forget them.
    slack.command("forget me", user="U2", channel=dm_of(fake, "U2"))
    slack.click(messages.FORGET_CONFIRM, "yes", user="U2", channel=dm_of(fake, "U2"),
                message_ts="1.0")
    wait_for(lambda: hw.store.members.get(TEAM, "U2") is None, what="U2 forgotten")
    assert "Launched the partner portal" not in next_update("forget me")

    assert len([c for c in fake.calls_to("chat.postMessage")
                if c.args["channel"] == DIGEST]) == 1, "updated, never posted again"


def test_a_dm_of_only_a_greeting_is_not_an_answer_and_gets_one_note(slack, fake, hw, nudged,
                                                                     seen):
    """"hi @Headway" leaves both questions open and stores nothing (so it does not count as
    answering); one note however often Slack delivers it; the real answer then lands."""
    noted_once_and_nothing_stored(slack, fake, hw, seen,
                                  slack.dm_event("hi <@UBOT>!\nthanks", "U1"),
                                  replies.GREETING_NOTE)

    answer(slack, fake, hw, "- Shipped the partner portal beta")
    [reply] = hw.store.replies.of(TEAM, user_id="U1")
    assert reply.text == "- Shipped the partner portal beta"  # the answer, not the "hi"
    assert len(hw.store.nudges.of(TEAM, "U1", statuses=["sent"])) == 1

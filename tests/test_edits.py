"""The pure rules behind edits, the parsing of DM message events, and the m006 upgrade of a
database that already has posted digests."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from slackdriver import dm_message, file_share, message_changed, message_deleted
from sqlite_utils import Database

from bot.core.edits import (
    ADOPT_UNSTORED_WITHIN,
    adopts_unstored_edit,
    carry_over,
    is_newer_edit,
)
from bot.core.model import Item, Reply
from bot.listeners.events import parse_dm
from bot.store import Store
from bot.store.migrations import migrations

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _item(text: str, label: str = "progress", source: str = "auto", id: int | None = None):
    return Item(text=text, kind="work", label=label, label_source=source, id=id)


# ── carry_over ───────────────────────────────────────────────────────────────


def test_unchanged_lines_keep_their_stored_item_and_the_members_fix():
    old = (_item("Shipped A", id=1), _item("Restarted B", "progress", "user", id=2),
           _item("Answered C", "ktlo", id=3))
    fresh = (_item("Restarted B", "ktlo"), _item("Automated D"), _item("Shipped A", "ktlo"))
    out = carry_over(old, fresh)
    assert [i.id for i in out] == [2, None, 1]
    assert out[0].label_source == "user" and out[0].label == "progress"
    assert out[2].label == "progress", "the stored label, not the fresh one"
    assert out[1] == fresh[1]


def test_a_line_written_twice_keeps_one_stored_item_per_copy():
    old = (_item("Standup", id=1),)
    out = carry_over(old, (_item("Standup"), _item("Standup")))
    assert [i.id for i in out] == [1, None]


def test_a_reworded_line_is_a_new_line():
    out = carry_over((_item("Shipped A", "ktlo", "user", id=1),),
                     (_item("Shipped A.", "progress"),))
    assert out[0].id is None and out[0].label_source == "auto"


# ── edit order and unstored messages ─────────────────────────────────────────


@pytest.mark.parametrize(("incoming", "stored", "applies"), [
    (None, None, True),
    ("1700000001.000100", None, True),
    ("1700000001.000100", "1700000001.000100", True),  # the same edit again: then a no-op
    ("1700000001.000099", "1700000001.000100", False),
    ("1700000001.1", "1700000001.099999", True),  # compared as numbers, not as text
    ("1700000010.000000", "1700000009.999999", True),
])
def test_an_older_edit_never_undoes_a_newer_one(incoming, stored, applies):
    assert is_newer_edit(incoming, stored) is applies


def test_an_edit_of_an_unstored_message_is_adopted_only_while_slack_may_redeliver_it():
    recent = f"{(NOW - ADOPT_UNSTORED_WITHIN + timedelta(seconds=1)).timestamp():.6f}"
    old = f"{(NOW - ADOPT_UNSTORED_WITHIN - timedelta(seconds=1)).timestamp():.6f}"
    assert adopts_unstored_edit(recent, NOW)
    assert not adopts_unstored_edit(old, NOW)
    assert not adopts_unstored_edit("not-a-ts", NOW)


# ── parsing Slack's message events ───────────────────────────────────────────

TS = "1795436524.319873"


def test_a_dm_message_an_edit_and_a_deletion_parse_to_the_same_message():
    new = dm_message("D1", "U1", "  Shipped A  ", TS)
    parsed = parse_dm(new)
    assert parsed.kind == "new" and parsed.message.text == "Shipped A"
    edit = parse_dm(message_changed(new, "Shipped A and B", edited_ts="1795436600.000001"))
    assert edit.kind == "edit"
    assert (edit.message.ts, edit.message.user_id, edit.message.text, edit.message.edited_ts) \
        == (TS, "U1", "Shipped A and B", "1795436600.000001")
    gone = parse_dm(message_deleted(new))
    assert (gone.kind, gone.message.ts, gone.message.user_id) == ("delete", TS, "U1")


def test_a_thread_reply_and_a_file_share_parse_with_their_thread_and_files():
    reply = parse_dm(dm_message("D1", "U1", "Fixed it", TS, thread_ts="1795436000.000001"))
    assert reply.message.thread_ts == "1795436000.000001"
    shared = parse_dm(file_share("D1", "U1", "", TS))
    assert shared.kind == "new" and shared.message.has_files and shared.message.text == ""


@pytest.mark.parametrize("change", [
    {"channel_type": "channel"},  # not Headway's DM
    {"bot_id": "B1"},  # a bot's post
    {"subtype": "channel_join"},
    {"subtype": "bot_message"},
    {"user": None},
])
def test_events_that_are_not_a_member_writing_to_headway_are_left_alone(change):
    event = {**dm_message("D1", "U1", "Shipped A", TS), **change}
    assert parse_dm(event) is None


def test_an_edit_of_headways_own_message_is_left_alone():
    ours = {**dm_message("D1", "UBOT", "Stored your answer", TS), "bot_id": "B1"}
    assert parse_dm(message_changed(ours, "Updated your answer")) is None


# ── upgrading a database with posted digests ─────────────────────────────────


def test_m006_marks_posted_digests_that_missed_replies_and_ties_replies_to_messages(tmp_path):
    path = tmp_path / "h.db"
    db = Database(sqlite3.connect(path))
    migrations.apply(db, stop_before="m006_message_replies")
    db.execute("INSERT INTO workspaces (team_id, created_at) VALUES ('T1', ?)", [NOW.isoformat()])
    for i in range(2):
        db.execute("INSERT INTO replies (team_id, user_id, prompt_id, kind, period, text, "
                   "source, created_at) VALUES ('T1', ?, 'w', 'work', '2026-W47', 'x', 'dm', ?)",
                   [f"U{i}", NOW.isoformat()])
    for period, seen in (("2026-W47", 1), ("2026-W46", 0)):
        db.execute("INSERT INTO digests (team_id, channel, period, status, ts, claimed_at, "
                   "replies_seen) VALUES ('T1', 'C1', ?, 'posted', '1.0', ?, ?)",
                   [period, NOW.isoformat(), seen])
    db.conn.commit()
    db.conn.close()

    store = Store.open(path)
    assert "m006_message_replies" in store.schema_version()
    dirty = {d.period: d.dirty for d in store.digests.of("T1")}
    assert dirty == {"2026-W47": True, "2026-W46": False}
    reply = Reply("T1", "U1", "w", "work", "2026-W47", "Shipped A")
    assert store.replies.add_from_message(reply, channel="D1", ts=TS, source="dm", now=NOW)
    assert store.replies.add_from_message(reply, channel="D1", ts=TS, source="dm", now=NOW) is None
    # Replies without a message (modal answers, and every reply from before m006) are
    # not constrained by the message key.
    assert store.replies.add(reply, source="modal", now=NOW).id
    assert store.replies.add(reply, source="modal", now=NOW).id
    store.close()


def test_handled_messages_are_forgotten_a_day_after_slack_stopped_redelivering(tmp_path):
    from bot.scheduler import HANDLED_MESSAGES_KEPT

    store = Store.open(tmp_path / "h.db")
    assert store.messages.note("T1", "D1", TS, "U1", NOW)
    assert not store.messages.note("T1", "D1", TS, "U1", NOW), "a redelivery: no second note"
    # The tick purges what was handled more than HANDLED_MESSAGES_KEPT before it.
    almost, past = (NOW + HANDLED_MESSAGES_KEPT + timedelta(seconds=s) for s in (-1, 1))
    assert store.messages.purge_before(almost - HANDLED_MESSAGES_KEPT) == 0
    assert store.messages.purge_before(past - HANDLED_MESSAGES_KEPT) == 1
    assert store.messages.note("T1", "D1", TS, "U1", NOW)
    store.close()

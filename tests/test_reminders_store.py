"""`store.reminders`: the reminders' ledger (once ever, forgotten with the member), the
migration that brings it, and reads that walk indexes whatever the history."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlite_utils import Database

from bot.core.model import Item, Member, Reply
from bot.store import Store
from bot.store.migrations import migrations

NOW = datetime(2026, 11, 22, 9, tzinfo=UTC)
WORK = ("moved-forward",)


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "h.db")
    yield s
    s.close()


def sent_work_nudge(store: Store, ws: str, uid: str, period: str) -> int:
    claim = store.nudges.claim(ws, uid, WORK[0], period, NOW)
    store.nudges.mark_sent(claim.id, f"D{uid}", f"1.{claim.id}", NOW)
    return claim.id


def test_a_reminder_is_claimed_once_ever_and_released_only_before_slack_has_it(store):
    store.workspaces.ensure("T1", NOW)
    store.members.upsert(Member("T1", "U1"), NOW)
    nudge = sent_work_nudge(store, "T1", "U1", "2026-W47")
    first = store.reminders.claim("T1", "U1", "2026-W47", nudge, NOW, claimed_by="run")
    assert first is not None and first.status == "claimed"
    assert store.reminders.claim("T1", "U1", "2026-W47", nudge, NOW) is None
    store.reminders.mark_sent(first.id, "D1", "1.5", NOW)
    store.reminders.release(first.id)  # sent: a release changes nothing
    assert store.reminders.get(first.id).status == "sent"
    assert store.reminders.claim("T1", "U1", "2026-W47", nudge, NOW) is None


def test_forget_me_and_a_workspace_purge_take_the_reminders_with_them(store):
    for ws in ("T1", "T2"):
        store.workspaces.ensure(ws, NOW)
        store.members.upsert(Member(ws, "U1"), NOW)
        nudge = sent_work_nudge(store, ws, "U1", "2026-W47")
        store.reminders.claim(ws, "U1", "2026-W47", nudge, NOW)
    assert len(store.reminders.of("T1", "U1")) == 1  # canary
    store.members.forget("T1", "U1")
    assert store.reminders.of("T1") == []
    store.workspaces.purge("T2")
    assert store.reminders.of("T2") == []


def test_the_open_questions_are_sent_unanswered_work_questions_with_no_reminder(store):
    store.workspaces.ensure("T1", NOW)
    for uid in ("UOPEN", "UDONE", "UREMINDED", "UGONE"):
        store.members.upsert(Member("T1", uid), NOW)
        sent_work_nudge(store, "T1", uid, "2026-W47")
    done = store.nudges.of("T1", "UDONE")[0]
    store.db.execute("UPDATE nudges SET status = 'answered' WHERE id = ?", [done.id])
    reminded = store.nudges.of("T1", "UREMINDED")[0]
    store.reminders.claim("T1", "UREMINDED", "2026-W47", reminded.id, NOW)
    store.members.deactivate("T1", "UGONE", "account_inactive", NOW)
    store.nudges.claim("T1", "UOPEN", "problem", "2026-W47", NOW)  # not the work question
    sent_work_nudge(store, "T1", "UOPEN", "2026-W40")  # too old to look at
    found = store.reminders.open_questions(WORK, "2026-W45")
    assert [(q.user_id, q.period) for q in found] == [("UOPEN", "2026-W47")]
    assert store.reminders.open_questions(WORK, "2026-W45", workspace_id="T2") == []
    store.workspaces.mark_uninstalled("T1", NOW)
    assert store.reminders.open_questions(WORK, "2026-W45") == []


def test_the_reminders_reads_walk_indexes_never_a_whole_table(store):
    """The tick asks for open questions every minute, and a lead's status reads one team's
    week: no query behind them scans nudges, replies, skips or members (SQLite's own
    plans)."""
    store.workspaces.ensure("T1", NOW)
    team = store.teams.create("T1", "Platform", NOW)
    for uid in ("U1", "U2"):
        store.members.upsert(Member("T1", uid), NOW)
        store.teams.add_member("T1", team.id, uid, "2026-W01", NOW)
        for week in range(30, 48):
            sent_work_nudge(store, "T1", uid, f"2026-W{week}")
            store.replies.add(Reply("T1", uid, WORK[0], "work", f"2026-W{week}", "x", items=(
                Item("x", "work", "progress", 0.9),)), source="dm", now=NOW)
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        store.reminders.open_questions(WORK, "2026-W45")
        week = store.reminders.team_week(team.id, "2026-W47", WORK)
        store.reminders.snoozes("T1", "U1", NOW)
        store.reminders.answered("T1", "U1", "2026-W47")
    finally:
        store.db.conn.set_trace_callback(None)
    assert [w.answered for w in week] == [True, True]  # canary: the rows were read
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 4
    for sql in reads:
        plan = [row[3] for row in store.db.conn.execute("EXPLAIN QUERY PLAN " + sql)]
        scans = [step for step in plan if step.startswith("SCAN")]
        assert scans == [], f"{sql}\n→ {plan}"


def test_the_migration_gives_every_existing_team_the_default_reminder(tmp_path):
    path = tmp_path / "old.db"
    db = Database(sqlite3.connect(path))
    ours = [m.name for m in migrations.pending(Database(memory=True))]
    migrations.apply(db, stop_before="m010_reminders")
    db.execute("INSERT INTO workspaces (workspace_id, created_at) VALUES ('T1', '2026-01-01')")
    db.execute("INSERT INTO teams (workspace_id, name, name_key, created_at) "
               "VALUES ('T1', 'Ops', 'ops', '2026-01-01')")
    db.conn.commit()
    db.conn.close()
    assert "m010_reminders" in ours
    store = Store.open(path)
    try:
        [team] = store.teams.of("T1")
        assert team.reminder_hours == 24
        assert store.teams.update("T1", team.id, reminder_hours=None).reminder_hours is None
    finally:
        store.close()

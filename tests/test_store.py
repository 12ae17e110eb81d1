"""The store: one SQLite file, safe from many threads, the ledger's at-most-once promise."""

from __future__ import annotations

import importlib
import os
import re
import sqlite3
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from bot.core.model import Item, Member, Reply
from bot.store import Store

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "sub" / "headway.db")
    s.workspaces.ensure("T1", NOW, "Acme")
    yield s
    s.close()


def test_the_file_is_created_private_in_wal_mode_with_foreign_keys(store):
    mode = stat.S_IMODE(os.stat(store.path).st_mode)
    assert mode == 0o600
    assert store.db.journal_mode == "wal"
    assert next(store.db.query("PRAGMA foreign_keys"))["foreign_keys"] == 1
    # Every migration the code defines has run, in the order it was written.
    module = importlib.import_module("bot.store.migrations")
    defined = [name for name in vars(module) if re.fullmatch(r"m\d{3}_\w+", name)]
    assert store.schema_version() == defined
    assert defined[0] == "m001_initial"


def test_every_table_carries_workspace_id_and_team_id_only_names_a_headway_team(store):
    tables = [t for t in store.db.table_names() if not t.startswith("_")]
    assert len(tables) >= 10  # canary: the schema really was read
    for table in tables:
        columns = store.db[table].columns_dict
        assert "workspace_id" in columns, table
        if "team_id" in columns:  # a Headway team, never Slack's workspace id
            assert columns["team_id"] is int and any(
                fk.column == "team_id" and fk.other_table == "teams"
                for fk in store.db[table].foreign_keys), table


def test_migrate_twice_is_a_no_op(store):
    assert store.migrate() == []


def test_a_nudge_is_claimed_at_most_once_even_from_many_threads(store):
    winners = []

    def claim(_):
        got = store.nudges.claim("T1", "U1", "work", "2026-W47", NOW)
        if got is not None:
            winners.append(got.id)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(claim, range(64)))
    assert len(winners) == 1
    assert len(store.nudges.of("T1", "U1")) == 1


def test_the_ledger_survives_a_reopen(tmp_path):
    path = tmp_path / "h.db"
    s = Store.open(path)
    s.workspaces.ensure("T1", NOW)
    assert s.nudges.claim("T1", "U1", "work", "2026-W47", NOW) is not None
    s.close()
    again = Store.open(path)
    assert again.nudges.claim("T1", "U1", "work", "2026-W47", NOW) is None
    assert again.nudges.claim("T1", "U1", "work", "2026-W48", NOW) is not None


def test_a_released_claim_can_be_taken_again_but_a_sent_one_cannot(store):
    n = store.nudges.claim("T1", "U1", "work", "2026-W47", NOW)
    store.nudges.release(n.id)
    n2 = store.nudges.claim("T1", "U1", "work", "2026-W47", NOW)
    assert n2 is not None
    store.nudges.mark_sent(n2.id, "D1", "1.0", NOW)
    store.nudges.release(n2.id)
    assert store.nudges.claim("T1", "U1", "work", "2026-W47", NOW) is None


def test_replies_and_items_are_stored_exactly_and_atomically(store):
    store.members.upsert(Member("T1", "U1", name="Ada"), NOW)
    text = "‮ right-to-left; zero​width; 🚀; '); DROP TABLE replies; --\x07" + "x" * 40_000
    reply = Reply("T1", "U1", "w", "work", "2026-W47", text,
                  items=(Item("a", "work", "progress", 0.9, ("ship",)),
                         Item("b", "work", "ktlo", 0.7, ())))
    saved = store.replies.add(reply, source="dm", now=NOW)
    [loaded] = store.replies.of("T1", period="2026-W47")
    assert loaded.text == text
    assert [i.id for i in loaded.items] == [i.id for i in saved.items]
    assert loaded.author_name == "Ada"

    bad = Reply("T1", "U1", "w", "work", "2026-W47", "y",
                items=(Item("ok", "work", "progress"), Item(None, "work", "ktlo")))  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError):
        store.replies.add(bad, source="dm", now=NOW)
    assert len(store.replies.of("T1")) == 1  # the half-written reply was rolled back


def test_corrections_belong_to_one_workspace(store):
    store.workspaces.ensure("T2", NOW)
    store.members.upsert(Member("T1", "U1"), NOW)
    saved = store.replies.add(Reply("T1", "U1", "w", "work", "2026-W47", "sync",
                                  items=(Item("weekly vendor sync", "work", "progress"),)),
                            source="dm", now=NOW)
    store.replies.correct_item("T1", saved.items[0].id, "U1", "ktlo", NOW)
    assert store.replies.corrections("T1") == [("weekly vendor sync", "ktlo")]
    assert store.replies.corrections("T2") == []
    assert store.replies.correct_item("T2", saved.items[0].id, "U1", "ktlo", NOW) is None


def test_forget_member_removes_everything_about_them(store):
    store.members.upsert(Member("T1", "U1"), NOW)
    store.members.upsert(Member("T1", "U2"), NOW)
    n = store.nudges.claim("T1", "U1", "work", "2026-W47", NOW)
    for uid in ("U1", "U2"):
        r = store.replies.add(Reply("T1", uid, "w", "work", "2026-W47", "t",
                                  items=(Item("t", "work", "ktlo"),)), source="dm", now=NOW,
                            nudge_id=n.id if uid == "U1" else None)
        store.replies.correct_item("T1", r.items[0].id, uid, "progress", NOW)
    counts = store.members.forget("T1", "U1")
    assert counts == {"corrections": 1, "items": 1, "replies": 1, "nudges": 1, "member": 1,
                      "problems_unowned": 0, "follow_ups": 0}
    assert store.members.get("T1", "U1") is None
    assert [r.user_id for r in store.replies.of("T1")] == ["U2"]
    assert store.replies.corrections("T1") == [("t", "progress")]


def test_backup_is_a_consistent_private_copy_while_writing(store, tmp_path):
    store.members.upsert(Member("T1", "U1"), NOW)
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            store.replies.add(Reply("T1", "U1", "w", "work", f"2026-W{i % 50 + 1:02d}", "t"),
                            source="dm", now=NOW)
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        store.backup(tmp_path / "copy.db")
    finally:
        stop.set()
        t.join()
    copy = Store.open(tmp_path / "copy.db")
    assert copy.members.get("T1", "U1") is not None
    assert next(copy.db.query("PRAGMA integrity_check"))["integrity_check"] == "ok"
    assert stat.S_IMODE(os.stat(tmp_path / "copy.db").st_mode) == 0o600


def test_the_digest_reads_walk_indexes_never_a_whole_table(store):
    """Cost follows the week, not the history: no query behind a digest scans replies or
    items (checked on SQLite's own query plans, not on a timing)."""
    from bot.core.periods import recent_periods

    # A history to read: every query below must run and find rows (an empty store skips
    # the items query altogether), and another workspace's rows must not be walked either.
    previous = recent_periods("2026-W47", 4)
    for team in ("T1", "T2"):
        store.workspaces.ensure(team, NOW)
        for uid in ("U1", "U2"):
            store.members.upsert(Member(team, uid, name=uid), NOW)
            for period in [*previous, "2026-W47"]:
                store.replies.add(Reply(team, uid, "w", "work", period, "a\nb", items=(
                    Item(f"shipped {period}", "work", "progress", 0.9),
                    Item(f"restarted {period}", "work", "ktlo", 0.8))), source="dm", now=NOW)

    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        week = store.replies.of("T1", period="2026-W47")
        shares = store.replies.week_shares("T1", previous)
        own = store.replies.week_shares("T1", previous, user_id="U1")  # home and `stats`
        ktlo = store.replies.ktlo_texts("T1", previous)
        counted = store.replies.count("T1", "2026-W47")
        members = store.members.count("T1")
    finally:
        store.db.conn.set_trace_callback(None)
    # canaries: each read found this workspace's rows, so each query really ran
    assert len(week) == 2 and all(len(r.items) == 2 for r in week)
    assert [(w.progress, w.ktlo) for w in shares] == [(2, 2)] * len(previous)
    assert [(w.progress, w.ktlo) for w in own] == [(1, 1)] * len(previous)
    assert all(len(texts) == 2 for texts in ktlo.values())
    assert (counted, members) == (2, 2)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert any("FROM items WHERE reply_id IN" in sql for sql in reads), reads
    assert len(reads) >= 7
    for sql in reads:
        plan = [row[3] for row in store.db.conn.execute("EXPLAIN QUERY PLAN " + sql)]
        scans = [step for step in plan if step.startswith("SCAN")]
        assert scans == [], f"{sql}\n→ {plan}"


def test_a_transaction_that_reads_then_writes_waits_for_another_writer_instead_of_failing(store):
    """Under WAL a deferred transaction fails at once ("database is locked") when another
    connection commits between its read and its write; Store.atomic takes the lock first."""
    import threading
    import time as walltime
    from datetime import date

    started = threading.Event()

    def other_thread_writes() -> None:
        started.wait(5)
        store.holidays.add("T1", [date(2026, 1, 1)])  # its own connection

    other = threading.Thread(target=other_thread_writes)
    other.start()
    with store.atomic() as db:
        list(db.query("SELECT count(*) FROM holidays"))
        started.set()
        walltime.sleep(0.2)  # the other writer tries now
        db.execute("INSERT INTO holidays (workspace_id, day) VALUES ('T1', '2026-01-02')")
    other.join(5)
    assert store.holidays.of("T1") == [date(2026, 1, 1), date(2026, 1, 2)]


def test_a_commit_that_fails_rolls_back_and_leaves_the_connection_usable(store):
    """COMMIT itself can fail (here a foreign key checked only at commit time; elsewhere a
    full disk). Store.atomic then rolls back: left open, the transaction would swallow
    every later write of this thread's connection, never to be committed."""
    from datetime import date

    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"), store.atomic() as db:
        db.execute("PRAGMA defer_foreign_keys = ON")  # checked at COMMIT, not at the insert
        db.execute("INSERT INTO holidays (workspace_id, day) VALUES ('T1', '2026-01-01')")
        db.execute("INSERT INTO items (workspace_id, reply_id, position, text, kind) "
                   "VALUES ('T1', 404, 0, 'an item of no reply', 'work')")
        assert db.conn.in_transaction  # canary: both rows were written, uncommitted
    assert not store.db.conn.in_transaction
    store.holidays.add("T1", [date(2026, 1, 2)])  # the thread's next write commits

    def seen_by_another_connection() -> tuple[list[date], int]:
        items = next(store.db.query("SELECT count(*) AS n FROM items"))["n"]
        return store.holidays.of("T1"), items

    with ThreadPoolExecutor(max_workers=1) as other_thread:
        assert other_thread.submit(seen_by_another_connection).result() == (
            [date(2026, 1, 2)], 0)


def _rollup_workspace(store, workspace_id: str, teams: int, weeks: list[str]) -> None:
    """`teams` teams of 3 people (the last person of each also in the next team), each
    answering every one of `weeks` with a progress and a KTLO item."""
    from bot.core.periods import FIRST_YEAR, format_period

    store.workspaces.ensure(workspace_id, NOW)
    for t in range(teams):
        team = store.teams.create(workspace_id, f"Team {t}", NOW)
        for n in range(3):
            uid = f"U{t}{n}"
            store.members.upsert(Member(workspace_id, uid, name=uid), NOW)
            store.teams.add_member(workspace_id, team.id, uid, format_period(FIRST_YEAR, 1), NOW)
        if t:
            store.teams.add_member(workspace_id, team.id, f"U{t - 1}2",
                                   format_period(FIRST_YEAR, 1), NOW)
            for period in weeks:
                for n in range(3):
                    store.replies.add(Reply(workspace_id, f"U{t}{n}", "w", "work", period,
                                            "a\nb", items=(
                        Item(f"shipped {period}", "work", "progress", 0.9),
                        Item(f"restarted the export job {period[-2:]}", "work", "ktlo",
                             0.8))), source="dm", now=NOW)
            store.efforts.answer(workspace_id, f"U{t}0", weeks[-1], "half", NOW)


def test_the_rollup_reads_every_team_in_a_fixed_number_of_queries_none_a_whole_table(
        tmp_path):
    """Whatever the number of teams and the length of the history, the rollup's loader
    runs the same queries, and none scans replies, items or any table (SQLite's own
    query plans, not a timing)."""
    from bot.config import Settings
    from bot.context import Headway
    from bot.core.periods import recent_periods
    from bot.core.prompts import load_packs
    from bot.rollups import load_input

    def reads(teams: int, weeks: int) -> list[str]:
        path = tmp_path / f"{teams}-{weeks}.db"
        store = Store.open(path)
        periods = [*recent_periods("2026-W47", weeks - 1), "2026-W47"]
        _rollup_workspace(store, "T1", teams, periods)
        _rollup_workspace(store, "T2", 2, periods)  # another workspace's rows, not walked
        settings = Settings(bot_token=None, signing_secret=None, app_token=None,
                            client_id=None, client_secret=None, api_url="http://127.0.0.1:9/",
                            db_path=path, port=0)
        hw = Headway(settings=settings, store=store, packs=load_packs(), clock=lambda: NOW)
        statements: list[str] = []
        store.db.conn.set_trace_callback(statements.append)
        try:
            loaded = load_input(hw, "T1", "2026-W47")
        finally:
            store.db.conn.set_trace_callback(None)
        # canaries: every query found this workspace's rows
        assert len(loaded.teams) == teams and all(t.past for t in loaded.teams[1:])
        assert len(loaded.answered) == 3 * (teams - 1) and loaded.effort
        assert loaded.teams[1].ktlo and len({m.team_id for m in loaded.members}) == teams
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        for sql in selects:
            plan = [row[3] for row in store.db.conn.execute("EXPLAIN QUERY PLAN " + sql)]
            assert [step for step in plan if step.startswith("SCAN")] == [], f"{sql}\n→ {plan}"
            # The tables that grow with the history are searched by week, never by the
            # workspace alone (a walk of its whole history, which no SCAN check catches).
            by_workspace = [step for step in plan if step.endswith("(workspace_id=?)") and
                            any(f" {t} " in step for t in ("r", "replies", "efforts"))]
            assert by_workspace == [], f"{sql}\n→ {plan}"
        store.close()
        return selects

    few, many, long = reads(2, 2), reads(6, 2), reads(6, 20)
    assert len(few) == len(many) == len(long) >= 6
    assert any("team_members tm" in sql and "GROUP BY tm.team_id" in sql for sql in long)

"""Durability: backup while the bot writes, restore as the README says, and upgrades from
the first schema version that lose no row."""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import stat
import threading
from datetime import UTC, datetime, time

from sqlite_utils import Database

from bot.cli import main
from bot.core.model import Item, Member, Reply
from bot.store import Store
from bot.store.migrations import migrations

T = "T0001"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _fill(store: Store, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        store.replies.add(Reply(workspace_id=T, user_id=f"U{i % 7}", prompt_id="work", kind="work",
                                period="2026-W47", text=f"answer {i} ✓",
                                items=(Item(text=f"answer {i} ✓", kind="work", label="ktlo"),)),
                        source="dm", now=NOW)


def test_backup_while_writing_then_restore_as_documented_finds_every_row(tmp_path, env,
                                                                       capsys):
    db = tmp_path / "headway.db"
    store = Store.open(db)
    store.workspaces.ensure(T, NOW, "acme")
    store.members.upsert(Member(workspace_id=T, user_id="U1", name="ada"), NOW)
    _fill(store, 200)

    # A writer keeps going while `headway backup` copies: the copy is consistent.
    stop = threading.Event()

    def writer(target: Store) -> None:
        i = 1000
        while not stop.is_set():
            _fill(target, 1, start=i)
            i += 1

    thread = threading.Thread(target=writer, args=(store,))
    thread.start()
    try:
        assert main(["backup", str(tmp_path / "backups" / "headway-backup.db")]) == 0
    finally:
        stop.set()
        thread.join()
    assert "backed up" in capsys.readouterr().out
    backup = tmp_path / "backups" / "headway-backup.db"
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        backed_up = conn.execute("SELECT count(*) FROM replies").fetchone()[0]
        assert backed_up >= 200
        # every reply in the copy has its item: no half-written transaction
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == backed_up

    # Life goes on, then disaster: rows written after the backup, and a broken file.
    _fill(store, 5, start=5000)
    store.close()  # README step 1: stop the bot (a stopped process holds no connection:
    del store, thread  # the writer thread's connection goes with its last reference)
    gc.collect()
    db.write_bytes(b"not a database")

    # README step 2: copy the backup back and remove the WAL side files of the old file.
    for side in ("-wal", "-shm"):
        (tmp_path / f"headway.db{side}").unlink(missing_ok=True)
    shutil.copy2(backup, db)

    # README step 3: start again — here, open the store as `serve` does.
    restored = Store.open(db)
    try:
        assert len(restored.replies.of(T)) == backed_up
        assert restored.members.get(T, "U1").name == "ada"
        assert all(r.items and r.items[0].text == r.text for r in restored.replies.of(T))
        assert not [r for r in restored.replies.of(T) if r.text == "answer 5000 ✓"]
        assert restored.schema_version() == [m.name for m in migrations._migrations]
    finally:
        restored.close()


def test_a_first_version_database_upgrades_to_the_newest_keeping_every_row(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    db = Database(conn)
    first, *later = [m.name for m in migrations._migrations]
    assert first == "m001_initial"
    migrations.apply(db, stop_before=later[0] if later else None)
    assert [m.name for m in migrations.applied(db)] == ["m001_initial"]

    rows = {
        "workspaces": [("T0001", "acme", "C0DIGEST", 1, "10:30", "Europe/Berlin", "default",
                        NOW.isoformat())],
        "members": [("T0001", "U1", "ada", "Europe/Berlin", "0,3", "16:00", None, 1, 1, "",
                     NOW.isoformat(), NOW.isoformat())],
        "nudges": [(1, "T0001", "U1", "work", "2026-W47", "answered", NOW.isoformat(),
                    NOW.isoformat(), "D1", "1.0", None, None, None)],
        "replies": [(1, "T0001", "U1", 1, "work", "work", "2026-W47",
                     "<!channel> shipped 🚀\n- fixed\u200b it", 1, "dm", NOW.isoformat())],
        "items": [(1, "T0001", 1, 0, "shipped 🚀", "work", "progress", 0.8, '["shipped"]',
                   "auto"),
                  (2, "T0001", 1, 1, "fixed\u200b it", "work", "ktlo", 0.7, "[]", "user")],
        "corrections": [(1, "T0001", 2, "U1", "fixed\u200b it", "ktlo", NOW.isoformat())],
        "skips": [("T0001", "U1", "2026-W46", NOW.isoformat())],
        "digests": [(1, "T0001", "C0DIGEST", "2026-W47", "posted", "2.0", "[]",
                     NOW.isoformat(), NOW.isoformat(), None, 1, None)],
    }
    for table, values in rows.items():
        marks = ", ".join("?" for _ in values[0])
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
    conn.commit()
    conn.close()

    store = Store.open(path)  # upgrades, as `serve` and `headway migrate` do
    try:
        assert store.schema_version() == [first, *later]
        for table, values in rows.items():
            if table == "workspaces":  # its digest settings moved to its team (m008)
                continue
            got = [tuple(r.values())[: len(values[0])]
                   for r in store.db.query(f"SELECT * FROM {table} ORDER BY rowid")]
            assert got == values, table
        # and the code reads them through the newest schema
        workspace = store.workspaces.get("T0001")
        assert workspace.name == "acme" and workspace.tz == "Europe/Berlin"
        assert workspace.retention_months is None
        [team] = store.teams.of("T0001")  # the digest's settings, now the team's
        assert (team.name, team.digest_channel, team.digest_day, team.digest_time, team.tz) == (
            "acme", "C0DIGEST", 1, time(10, 30), "Europe/Berlin")
        assert store.teams.member_ids(team.id) == ["U1"]
        assert store.digests.get("T0001", "C0DIGEST", "2026-W47").team_id == team.id
        member = store.members.get("T0001", "U1")
        assert member.anonymous and member.tz == "Europe/Berlin"
        [reply] = store.replies.of("T0001")
        assert reply.text == "<!channel> shipped 🚀\n- fixed\u200b it"
        assert [i.label for i in reply.items] == ["progress", "ktlo"]
        assert store.replies.corrections("T0001") == [("fixed\u200b it", "ktlo")]
        assert store.digests.get("T0001", "C0DIGEST", "2026-W47").ts == "2.0"
    finally:
        store.close()


def test_a_database_of_the_last_release_renames_team_id_to_workspace_id_keeping_every_row(
        tmp_path):
    """m007: Slack's `team_id` becomes Headway's `workspace_id` in every table of Headway's,
    with every row, index and foreign key carried over; slack_sdk's tables keep `team_id`."""
    path = tmp_path / "h.db"
    db = Database(sqlite3.connect(path))
    migrations.apply(db, stop_before="m007_workspace_id")
    db.conn.execute("PRAGMA foreign_keys = ON")
    now = NOW.isoformat()
    db.execute("INSERT INTO workspaces (team_id, name, created_at) VALUES (?, 'Acme', ?)",
               [T, now])
    db.execute("INSERT INTO members (team_id, user_id, name, joined_at, updated_at) "
               "VALUES (?, 'U1', 'Ada', ?, ?)", [T, now, now])
    db.execute("INSERT INTO nudges (team_id, user_id, prompt_id, period, status, claimed_at) "
               "VALUES (?, 'U1', 'work', '2026-W47', 'answered', ?)", [T, now])
    db.execute("INSERT INTO replies (team_id, user_id, prompt_id, kind, period, text, source, "
               "created_at, channel, ts) VALUES (?, 'U1', 'work', 'work', '2026-W47', "
               "'Shipped the beta', 'dm', ?, 'D1', '1.0')", [T, now])
    db.execute("INSERT INTO items (team_id, reply_id, position, text, kind, label) "
               "VALUES (?, 1, 0, 'Shipped the beta', 'work', 'progress')", [T])
    db.execute("INSERT INTO holidays (team_id, day) VALUES (?, '2026-12-24')", [T])
    db.execute("CREATE TABLE slack_bots (team_id TEXT, bot_token TEXT)")  # slack_sdk's own
    db.execute("INSERT INTO slack_bots VALUES (?, 'xoxb-1')", [T])
    before = {t: db[t].count for t in db.table_names() if t != "_sqlite_migrations"}
    db.conn.commit()
    db.conn.close()

    store = Store.open(path)
    assert store.schema_version() == Store.known_migrations()  # m007 and every one since
    # The tables of that release keep every row (later migrations may add tables of their own).
    after = {t: store.db[t].count for t in before}
    # m012 gives each workspace its scheduler row (its first time-zone sweep is due).
    assert after.pop("scheduler_state") == before.pop("scheduler_state") + 1
    assert after == before and after["items"] == 1  # canary: rows were really there
    for table in after:
        columns = store.db[table].columns_dict
        if table == "slack_bots":
            assert "team_id" in columns and "workspace_id" not in columns
        elif not table.startswith("_"):
            # `team_id`, where there is one, is a Headway team (`teams.id`), never Slack's
            assert "workspace_id" in columns and columns.get("team_id", int) is int, table
    fks = {(t, fk.column, fk.other_column) for t in after
           for fk in store.db[t].foreign_keys if fk.other_table == "workspaces"}
    assert ("members", "workspace_id", "workspace_id") in fks
    assert list(store.db.query("PRAGMA foreign_key_check")) == []
    # The data reads back through the store, by the new names, and the message key holds.
    assert store.members.get(T, "U1").name == "Ada"
    [reply] = store.replies.of(T, period="2026-W47")
    assert [i.label for i in reply.items] == ["progress"]
    assert store.replies.from_message(T, "D1", "1.0") is not None
    indexed = {r["name"] for r in store.db.query(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%workspace_id%'")}
    assert "replies_by_message" in indexed

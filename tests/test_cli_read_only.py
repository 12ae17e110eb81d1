"""The commands that only read (`export`, `digest --dry-run`, `backup`) work on a database
that this user cannot write, in a folder this user cannot write, and leave nothing behind.

Each test runs the real `headway` process on a real SQLite file. The tests run as root in
CI, and root ignores file modes: where `chmod` leaves a path writable, it is made immutable
(`chattr +i`), which stops root too, with the very errors (EPERM on creating `-wal`/`-shm`)
an ordinary user meets. Where neither works, the test is skipped, not passed.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli_failures import T, headway, one_line, rows, seed


@pytest.fixture
def locked() -> Iterator[list[Path]]:
    """Paths made unwritable for this test; writable again afterwards (so that pytest can
    clean up its temporary folder)."""
    made: list[Path] = []
    yield made
    for path in reversed(made):
        subprocess.run(["chattr", "-i", str(path)], check=False, capture_output=True)
        path.chmod(0o755 if path.is_dir() else 0o644)


def _unwritable(path: Path, locked: list[Path]) -> None:
    path.chmod(0o555 if path.is_dir() else 0o444)
    locked.append(path)
    if os.access(path, os.W_OK):  # root ignores modes: make it immutable instead
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
        if done.returncode != 0 or os.access(path, os.W_OK):
            pytest.skip("cannot make a path read-only for this user here")


def _folder(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir())


def _reads_work(db: Path, backup_to: Path) -> None:
    """export, digest --dry-run and backup each succeed and see the seeded workspace."""
    done = headway("export", env={"HEADWAY_DB": str(db)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tables"]["members"][0]["user_id"] == "U1"
    done = headway("digest", "--dry-run", env={"HEADWAY_DB": str(db)})
    assert done.returncode == 0, done.stderr
    assert "Headway · Headway Test · " in done.stdout
    done = headway("backup", str(backup_to), env={"HEADWAY_DB": str(db)})
    assert done.returncode == 0, done.stderr
    assert [row[1] for row in rows(backup_to, "members")] == ["U1"]


def test_reading_commands_work_on_a_read_only_database_in_a_read_only_folder(
        env, tmp_path, locked):
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "headway.db"
    seed(db)
    before = _folder(db)
    assert before == ["headway.db"]  # canary: a cleanly closed database, no side files
    _unwritable(db, locked)
    _unwritable(folder, locked)
    with pytest.raises(OSError):  # canary: this user really cannot create a file there
        (folder / "headway.db-shm").touch()
    _reads_work(db, tmp_path / "backup.db")
    assert _folder(db) == before


def test_reading_commands_leave_no_side_files_beside_a_read_only_database(
        env, tmp_path, locked):
    """The folder is writable: SQLite would create -wal and -shm that a reader that cannot
    write the database could never remove."""
    db = tmp_path / "data" / "headway.db"
    db.parent.mkdir()
    seed(db)
    _unwritable(db, locked)
    _reads_work(db, tmp_path / "backup.db")
    assert _folder(db) == ["headway.db"]


def test_reading_commands_leave_no_side_files_beside_a_writable_database(env, tmp_path):
    db = tmp_path / "data" / "headway.db"
    db.parent.mkdir()
    seed(db)
    before = db.read_bytes()
    _reads_work(db, tmp_path / "backup.db")
    assert _folder(db) == ["headway.db"]
    assert db.read_bytes() == before  # and nothing written to it


def test_a_reader_sees_the_changes_a_running_serve_holds_in_its_write_ahead_log(
        env, tmp_path, locked):
    """While `serve` runs, recent changes live in `-wal`, beside its `-shm`: a read-only
    reader in a read-only folder reads through them, and sees those changes too."""
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "headway.db"
    seed(db)
    with contextlib.closing(sqlite3.connect(db)) as writer:  # stands for a running serve
        writer.execute("PRAGMA wal_autocheckpoint = 0")  # keep the change in the log
        writer.execute("UPDATE members SET name = 'Ada (renamed)' WHERE user_id = 'U1'")
        writer.commit()
        assert (folder / "headway.db-wal").stat().st_size > 0  # canary: it is in the log
        before = _folder(db)
        _unwritable(db, locked)
        _unwritable(folder, locked)
        done = headway("export", "--workspace", T, env={"HEADWAY_DB": str(db)})
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["tables"]["members"][0]["name"] == "Ada (renamed)"
        assert _folder(db) == before


def test_digest_dry_run_refuses_a_database_that_needs_an_upgrade_and_leaves_it_as_it_was(
        env, db_path):
    from sqlite_utils import Database

    from bot.store import Store
    from bot.store.migrations import migrations

    ours = Store.known_migrations()
    db = Database(db_path)
    migrations.apply(db, stop_before=ours[1])  # a database from the first version
    db.close()
    before = db_path.read_bytes()
    line = one_line(headway("digest", "--dry-run"), 2)
    assert line == (f"headway: the database {db_path} needs a schema upgrade ({len(ours) - 1} "
                    f"migrations) before this command can read it: run `headway migrate` "
                    f"first")
    assert db_path.read_bytes() == before and _folder(db_path) == ["headway.db"]
    assert headway("migrate").returncode == 0  # canary: what the line says to do
    assert "no workspace has used Headway yet" in one_line(headway("digest", "--dry-run"), 2)

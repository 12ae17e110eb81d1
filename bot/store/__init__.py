"""The only package that speaks SQL.

One SQLite file through sqlite-utils, in WAL mode with foreign keys on. Bolt runs
listeners on a thread pool and the scheduler runs on its own thread, and a sqlite3
connection belongs to the thread that opened it, so each thread gets its own connection
(WAL lets readers and the one writer proceed together; `busy_timeout` makes a second
writer wait instead of failing).

`Store` holds the connections, transactions, backups and migrations; the reads and writes
are grouped by aggregate, the way sqlite-utils hands out tables: `store.workspaces`,
`store.members`, `store.teams` (with memberships and leads), `store.nudges` (the delivery
ledger), `store.replies` (with items and corrections), `store.digests` (and
`store.rollups`, the leaders' posts, kept the same way), `store.team_weeks` (every team's
weeks at once, for the rollup), `store.admins`,
`store.members`, `store.nudges` (the delivery ledger), `store.replies` (with items and
corrections), `store.digests`, `store.efforts` (the effort question), `store.admins`,
`store.problems` (tracked problems), `store.holidays`, `store.messages` (handled
messages), `store.reminders` (the gentle reminders' ledger), `store.scheduler` (scheduler
state)
and `store.exports`, a module each.

Every method that records a moment takes `now` from the caller: time is injected.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from bot.store.admins import Admins
from bot.store.digests import Digests
from bot.store.efforts import Efforts
from bot.store.export import NOT_EXPORTED, Exports
from bot.store.files import (
    StoreError,
    check_database_file,
    create_database_file,
    read_only_uri,
)
from bot.store.holidays import Holidays
from bot.store.members import Members
from bot.store.messages import Messages
from bot.store.migrations import migrations
from bot.store.nudges import Nudges
from bot.store.problems import Problems
from bot.store.reminders import Reminders
from bot.store.replies import Replies
from bot.store.scheduler_state import SchedulerState
from bot.store.team_weeks import TeamWeeks
from bot.store.teams import Teams
from bot.store.workspaces import Workspaces

__all__ = ["NOT_EXPORTED", "Store", "StoreError"]

BUSY_TIMEOUT_MS = 10_000


class Store:
    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False) -> None:
        """`read_only`: for the commands that only read; no connection of this store can
        write, and opening it leaves no file behind (see `files.read_only_uri`)."""
        self.path = Path(path)
        self.read_only = read_only
        self._uri = read_only_uri(self.path) if read_only else None
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.workspaces = Workspaces(self)
        self.members = Members(self)
        self.admins = Admins(self)
        self.holidays = Holidays(self)
        self.nudges = Nudges(self)
        self.reminders = Reminders(self)
        self.replies = Replies(self)
        self.messages = Messages(self)
        self.teams = Teams(self)
        self.digests = Digests(self)
        self.rollups = Digests(self, table="rollups")
        self.team_weeks = TeamWeeks(self)  # every team's weeks at once, for the rollup
        self.efforts = Efforts(self)
        self.problems = Problems(self)
        self.scheduler = SchedulerState(self)
        self.exports = Exports(self)

    # ── connections ──────────────────────────────────────────────────────────

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = True,
             migrate: bool = True, write: bool | None = None) -> Store:
        """Open the database at `path` for Headway's use.

        `create`: make the file if it is missing (commands that only read pass False, so a
        mistyped HEADWAY_DB is an error, not a new empty database). `migrate`: refuse a
        database written by a newer Headway and apply this version's pending migrations
        (`backup` and `export` pass False: they copy rows as stored, whatever the schema).
        `write` (default: `create`): the file must be writable now, not at the first write;
        False opens it read-only (a read-only file in a read-only folder works), and then
        `migrate` only checks the schema: one that needs an upgrade is an error.
        Raises `StoreError`, whose message says what is wrong and what to do.
        """
        path = Path(path)
        write = create if write is None else write
        check_database_file(path, create=create, write=write)
        if not path.exists():
            create_database_file(path)
        store = cls(path, read_only=not write)
        try:
            store.db.execute("SELECT count(*) FROM sqlite_master").fetchall()
            if migrate:
                store.migrate()
        except sqlite3.DatabaseError as exc:
            store.close()
            raise StoreError(_unusable(path, exc, read_only=not write)) from None
        except BaseException:
            store.close()
            raise
        return store

    @property
    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            if self._uri is not None:
                conn = sqlite3.connect(self._uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
            else:
                conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            db = Database(conn)
            if self.read_only:
                conn.execute("PRAGMA query_only = ON")  # and the journal mode as it is
            else:
                conn.execute("PRAGMA synchronous = NORMAL")
                if db.journal_mode != "wal":
                    db.enable_wal()
            self._local.db = db
            with self._lock:
                self._all.append(conn)
        return db

    def close_thread(self) -> None:
        """Close the calling thread's connection, if it has one: a worker thread that ends
        (`bot.senders`) leaves no connection behind."""
        db = getattr(self._local, "db", None)
        if db is None:
            return
        self._local.db = None
        with self._lock:
            if db.conn in self._all:
                self._all.remove(db.conn)
        with contextlib.suppress(sqlite3.ProgrammingError):
            db.conn.close()

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                # a connection made by a thread that is gone may refuse; nothing to release
                with contextlib.suppress(sqlite3.ProgrammingError):
                    conn.close()
            self._all.clear()
        self._local = threading.local()

    def migrate(self) -> list[str]:
        """Apply pending migrations; returns the names applied (empty: already up to date).

        Refuses (StoreError) a database that records a migration this version does not
        know: it was written by a newer Headway, whose tables this code would misread.
        """
        self.check_schema()
        pending = self.pending_migrations()
        if pending and self.read_only:
            raise StoreError(f"the database {self.path} needs a schema upgrade ({len(pending)} "
                             f"migration{'s' if len(pending) > 1 else ''}) before this command "
                             f"can read it: run `headway migrate` first")
        if pending:
            try:
                migrations.apply(self.db)
            except sqlite3.OperationalError as exc:
                if "readonly" in str(exc):
                    raise StoreError(f"the database {self.path} is read-only, and its schema "
                                     f"needs an upgrade: make it writable (chmod u+w)") from None
                raise
        return pending

    def schema_version(self) -> list[str]:
        """The migrations applied to this database, in order (the last one names it)."""
        return [m.name for m in migrations.applied(self.db)]

    def pending_migrations(self) -> list[str]:
        return [m.name for m in migrations.pending(self.db)]

    @staticmethod
    def known_migrations() -> list[str]:
        """Every migration this version of Headway has, in order."""
        return [m.name for m in migrations.pending(Database(memory=True))]

    def check_schema(self) -> None:
        """StoreError if the database was written by a newer Headway."""
        applied = self.schema_version()
        known = self.known_migrations()
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise StoreError(
                f"the database {self.path} was written by a newer Headway (schema "
                f"{applied[-1]}, {len(applied)} migrations; this version knows up to "
                f"{known[-1]}, {len(known)}): upgrade Headway, or restore a backup made by "
                f"this version")

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """A transaction that takes the write lock at once (BEGIN IMMEDIATE).

        Why not sqlite-utils' deferred BEGIN: under WAL, a transaction that reads and then
        writes fails at once with "database is locked" if another connection wrote in
        between (the busy timeout does not apply to that case). Taking the lock first
        makes it wait its turn instead. Nested calls become savepoints. Whatever fails,
        the body or the COMMIT itself, the transaction is rolled back and the error raised:
        nothing of it is written, and the connection is ready for the next one.
        """
        db = self.db
        if db.conn.in_transaction:
            with db.atomic():
                yield db
            return
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
            # Inside the try: a COMMIT can fail (a deferred foreign key still violated, a
            # full disk) and leave the transaction open, and every later write on this
            # thread's connection would then land in it, never committed.
            db.conn.execute("COMMIT")
        except BaseException:
            db.conn.rollback()
            raise

    def backup(self, target: str | os.PathLike[str]) -> Path:
        """A consistent copy while the bot runs, through SQLite's online backup API.

        Written to a temporary file beside `target` and renamed over it when complete: a
        failed backup leaves no half-written file, and an earlier backup at `target` is
        replaced only by a whole one. Raises `StoreError` for a target that is a directory,
        anything else but a regular file (a device such as /dev/null, a pipe: the rename
        would replace it with the copy), the database itself, or not writable.
        """
        target = Path(target)
        if target.is_dir():
            raise StoreError(f"the backup target {target} is a directory: give a file path "
                             f"such as {target / 'headway-backup.db'}")
        if target.exists() and not target.is_file():
            raise StoreError(f"the backup target {target} is not a regular file (a device, a "
                             f"pipe or a socket): give the path of a file to write")
        if target.exists() and target.resolve() == self.path.resolve():
            raise StoreError(f"the backup target {target} is the database itself: give "
                             f"another path")
        if target.parent.exists() and not target.parent.is_dir():
            raise StoreError(f"cannot write the backup to {target}: {target.parent} is a "
                             f"file, not a directory")
        tmp: str | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # mkstemp makes the file readable by its owner only, like the database
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                       suffix=".part")
            os.close(fd)
            dest = sqlite3.connect(tmp)
            try:
                self.db.conn.backup(dest)
            finally:
                dest.close()
            os.replace(tmp, target)
            tmp = None
        except OSError as exc:
            raise StoreError(f"cannot write the backup to {target} ({exc.strerror}): choose "
                             f"a path in a writable directory") from None
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot write the backup to {target} ({exc}): choose a path "
                             f"in a writable directory with free space") from None
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        return target


def _unusable(path: Path, exc: sqlite3.DatabaseError, *, read_only: bool = False) -> str:
    """One sentence for an SQLite error met while opening `path`."""
    text = str(exc)
    if read_only and "unable to open" in text and Path(f"{path}-wal").exists():
        # mode=ro through a -wal whose -shm is missing and cannot be created here
        return (f"cannot read the database {path}: its write-ahead log {path}-wal holds "
                f"changes this user cannot apply (the folder is not writable): run "
                f"`headway migrate` as the user running Headway, which folds them in")
    if "readonly" in text:
        return (f"the database {path} is read-only: make it writable (chmod u+w) for the user "
                f"running Headway")
    if "malformed" in text or "not a database" in text:
        return f"the database {path} is damaged ({text}): restore it from a backup"
    return (f"cannot use {path} as the database ({text}): point HEADWAY_DB at a SQLite file "
            f"on a local, writable disk")

"""The only module that speaks SQL.

One SQLite file through sqlite-utils, in WAL mode with foreign keys on. Bolt runs
listeners on a thread pool and the scheduler runs on its own thread, and a sqlite3
connection belongs to the thread that opened it, so each thread gets its own connection
(WAL lets readers and the one writer proceed together; `busy_timeout` makes a second
writer wait instead of failing).

Every method that records a moment takes `now` from the caller: time is injected.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.core.model import Item, Label, Member, Reply, Team, WeekShare
from bot.store.files import StoreError, check_database_file, create_database_file
from bot.store.migrations import migrations

__all__ = ["DigestRecord", "Nudge", "Store", "StoreError"]

BUSY_TIMEOUT_MS = 10_000

# The column that names the workspace in Headway's tables (DESIGN.md: `workspace_id`; the
# first tables were written with Slack's name for it).
WORKSPACE_COLUMNS = ("workspace_id", "team_id")
# Tables in the database file that `export` leaves out, and why. Everything else that
# carries a workspace column is exported (tests/test_cli_failures.py fails for a table that
# has neither).
NOT_EXPORTED = {
    "_sqlite_migrations": "the schema's own record of the migrations applied; no workspace",
    "slack_installations": "slack_sdk's OAuth installations: bot and refresh tokens, secrets "
                           "that must not leave the server; Slack re-creates them on reinstall",
    "slack_bots": "slack_sdk's OAuth bot tokens (secrets), as slack_installations",
    "oauth_states": "slack_sdk's one-time OAuth state values, valid 10 minutes; no workspace",
}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _is_rowid(value: object) -> bool:
    """Ids come from button values and modal metadata, i.e. from the client: anything
    outside SQLite's 64-bit INTEGER range cannot name a row (and would raise)."""
    return isinstance(value, int) and -(2**63) <= value < 2**63


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


@dataclass(frozen=True)
class Nudge:
    """A row of the delivery ledger."""

    id: int
    team_id: str
    user_id: str
    prompt_id: str
    period: str
    status: str  # claimed | sent | answered | skipped | missed | failed
    claimed_at: datetime
    sent_at: datetime | None = None
    channel: str | None = None
    ts: str | None = None
    error: str | None = None
    snoozed_until: datetime | None = None
    reminded_at: datetime | None = None
    claimed_by: str | None = None  # the run id of the process that claimed it


@dataclass(frozen=True)
class DigestRecord:
    id: int
    team_id: str
    channel: str
    period: str
    status: str  # claimed | posted | failed
    ts: str | None
    thread_ts: tuple[str, ...]
    claimed_at: datetime | None = None
    updated_at: datetime | None = None  # last post or chat.update
    dirty: bool = False  # something it shows changed since it was last built


@dataclass(frozen=True)
class MessageReply:
    """A reply tied to the Slack message it came from, with where its confirmation is."""

    reply: Reply
    channel: str
    ts: str
    nudge_id: int | None
    edited_ts: str | None
    confirm_channel: str | None
    confirm_ts: str | None


@dataclass(frozen=True)
class DeletedReply:
    """What a deletion removed; `reopened` is the nudge it answered, open again because
    no other reply answers it."""

    removed: MessageReply
    reopened: Nudge | None


class Store:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    # ── connections ──────────────────────────────────────────────────────────

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = True,
             migrate: bool = True, write: bool | None = None) -> Store:
        """Open the database at `path` for Headway's use.

        `create`: make the file if it is missing (commands that only read pass False, so a
        mistyped HEADWAY_DB is an error, not a new empty database). `migrate`: refuse a
        database written by a newer Headway and apply this version's pending migrations
        (`backup` and `export` pass False: they copy rows as stored, whatever the schema).
        `write` (default: `create`): the file must be writable now, not at the first write.
        Raises `StoreError`, whose message says what is wrong and what to do.
        """
        path = Path(path)
        check_database_file(path, create=create, write=create if write is None else write)
        if not path.exists():
            create_database_file(path)
        store = cls(path)
        try:
            store.db.execute("SELECT count(*) FROM sqlite_master").fetchall()
            if migrate:
                store.migrate()
        except sqlite3.DatabaseError as exc:
            store.close()
            raise StoreError(_unusable(path, exc)) from None
        except BaseException:
            store.close()
            raise
        return store

    @property
    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
            db = Database(conn)
            if db.journal_mode != "wal":
                db.enable_wal()
            self._local.db = db
            with self._lock:
                self._all.append(conn)
        return db

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
        makes it wait its turn instead. Nested calls become savepoints.
        """
        db = self.db
        if db.conn.in_transaction:
            with db.atomic():
                yield db
            return
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.execute("COMMIT")

    def backup(self, target: str | os.PathLike[str]) -> Path:
        """A consistent copy while the bot runs, through SQLite's online backup API.

        Written to a temporary file beside `target` and renamed over it when complete: a
        failed backup leaves no half-written file, and an earlier backup at `target` is
        replaced only by a whole one. Raises `StoreError` for a target that is a directory,
        the database itself, or not writable.
        """
        target = Path(target)
        if target.is_dir():
            raise StoreError(f"the backup target {target} is a directory: give a file path "
                             f"such as {target / 'headway-backup.db'}")
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

    def export(self, team_id: str) -> dict[str, Any]:
        """Everything Headway stores for one workspace: every row of every table that
        carries the workspace column, exactly as stored, table by table (README: "What
        `headway export` holds"). Tables in `NOT_EXPORTED` are left out, with the reason."""
        tables: dict[str, list[dict[str, Any]]] = {}
        for name, column in self.workspace_tables().items():
            order = ", ".join(f"[{c}]" for c in self.db[name].pks)
            tables[name] = list(self.db.query(
                f"SELECT * FROM [{name}] WHERE [{column}] = ? ORDER BY {order}", [team_id]))
        applied = self.schema_version()
        return {
            "format": "headway-export",
            "workspace_id": team_id,
            "schema": applied[-1] if applied else None,
            "tables": tables,
            "not_exported": {t: why for t, why in NOT_EXPORTED.items()
                             if t in self.db.table_names()},
        }

    def workspace_tables(self) -> dict[str, str]:
        """Each exported table and its workspace column, by name."""
        out: dict[str, str] = {}
        for name in sorted(self.db.table_names()):
            if name in NOT_EXPORTED or name.startswith("sqlite_"):  # SQLite's own
                continue
            columns = self.db[name].columns_dict
            column = next((c for c in WORKSPACE_COLUMNS if c in columns), None)
            if column is not None:
                out[name] = column
        return out

    def tables_without_workspace(self) -> list[str]:
        """Tables neither exported nor explained in `NOT_EXPORTED`: should be none."""
        exported = self.workspace_tables()
        return [t for t in sorted(self.db.table_names())
                if t not in exported and t not in NOT_EXPORTED and not t.startswith("sqlite_")]

    # ── workspaces ───────────────────────────────────────────────────────────

    def ensure_team(self, team_id: str, now: datetime, name: str = "") -> Team:
        known = self.get_team(team_id)
        if known is not None and (not name or known.name == name):
            return known  # the common case, on every command: a read, no write
        self.db.execute(
            "INSERT INTO workspaces (team_id, name, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT(team_id) DO UPDATE SET name = CASE WHEN excluded.name != '' "
            "THEN excluded.name ELSE workspaces.name END",
            [team_id, name, _iso(now)],
        )
        team = self.get_team(team_id)
        assert team is not None
        return team

    def get_team(self, team_id: str) -> Team | None:
        rows = list(self.db.query("SELECT * FROM workspaces WHERE team_id = ?", [team_id]))
        return _team(rows[0]) if rows else None

    def teams(self, *, include_uninstalled: bool = False) -> list[Team]:
        """The workspaces Headway serves (an uninstalled one only when asked for)."""
        where = "" if include_uninstalled else " WHERE uninstalled_at IS NULL"
        return [_team(r) for r in self.db.query(
            f"SELECT * FROM workspaces{where} ORDER BY team_id")]

    def mark_uninstalled(self, team_id: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE workspaces SET uninstalled_at = coalesce(uninstalled_at, ?) "
            "WHERE team_id = ?", [_iso(now), team_id])

    def mark_installed(self, team_id: str, now: datetime, name: str = "") -> None:
        """A (re)install: the workspace is served again and its retention clock stops."""
        self.ensure_team(team_id, now, name)
        self.db.execute("UPDATE workspaces SET uninstalled_at = NULL WHERE team_id = ?",
                        [team_id])

    def uninstalled_before(self, cutoff: datetime) -> list[str]:
        return [r["team_id"] for r in self.db.query(
            "SELECT team_id FROM workspaces WHERE uninstalled_at IS NOT NULL "
            "AND uninstalled_at < ?", [_iso(cutoff)])]

    def purge_workspace(self, team_id: str) -> dict[str, int]:
        """Delete every row of one workspace, in every table (all carry team_id)."""
        counts: dict[str, int] = {}
        with self.atomic() as db:
            tables = [t for t in db.table_names()
                      if t != "workspaces" and "team_id" in db[t].columns_dict]
            # Children first: items before replies, and so on, for the foreign keys.
            order = ["corrections", "items", "replies", "nudges"]
            tables.sort(key=lambda t: order.index(t) if t in order else len(order))
            for table in tables:
                counts[table] = db.execute(
                    f"DELETE FROM [{table}] WHERE team_id = ?", [team_id]).rowcount
            counts["workspaces"] = db.execute(
                "DELETE FROM workspaces WHERE team_id = ?", [team_id]).rowcount
        return counts

    def update_team(self, team_id: str, **fields: Any) -> Team:
        allowed = {"name", "digest_channel", "digest_day", "digest_time", "tz", "pack",
                   "retention_months"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"not workspace settings: {sorted(bad)}")
        if "digest_time" in fields and isinstance(fields["digest_time"], time):
            fields["digest_time"] = _hhmm(fields["digest_time"])
        if fields:
            sets = ", ".join(f"{k} = ?" for k in fields)
            self.db.execute(
                f"UPDATE workspaces SET {sets} WHERE team_id = ?", [*fields.values(), team_id]
            )
        team = self.get_team(team_id)
        if team is None:
            raise KeyError(team_id)
        return team

    # ── members ──────────────────────────────────────────────────────────────

    def upsert_member(self, member: Member, now: datetime) -> Member:
        self.db.execute(
            """
            INSERT INTO members (team_id, user_id, name, tz, days, nudge_time, paused_until,
                                 anonymous, active, inactive_reason, joined_at, updated_at,
                                 quiet_hours)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(team_id, user_id) DO UPDATE SET
                name = excluded.name, tz = excluded.tz, days = excluded.days,
                nudge_time = excluded.nudge_time, paused_until = excluded.paused_until,
                anonymous = excluded.anonymous, active = excluded.active,
                inactive_reason = excluded.inactive_reason, updated_at = excluded.updated_at,
                quiet_hours = excluded.quiet_hours
            """,
            [
                member.team_id,
                member.user_id,
                member.name,
                member.tz,
                ",".join(str(d) for d in member.days),
                _hhmm(member.nudge_time),
                member.paused_until.isoformat() if member.paused_until else None,
                int(member.anonymous),
                int(member.active),
                member.inactive_reason,
                _iso(now),
                _iso(now),
                _quiet_text(member.quiet_hours),
            ],
        )
        got = self.get_member(member.team_id, member.user_id)
        assert got is not None
        return got

    def get_member(self, team_id: str, user_id: str) -> Member | None:
        rows = list(
            self.db.query(
                "SELECT * FROM members WHERE team_id = ? AND user_id = ?", [team_id, user_id]
            )
        )
        return _member(rows[0]) if rows else None

    def members(self, team_id: str | None = None, *, active_only: bool = True) -> list[Member]:
        where, params = [], []
        if team_id is not None:
            where.append("team_id = ?")
            params.append(team_id)
        if active_only:
            where.append("active = 1")
        sql = "SELECT * FROM members"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [_member(r) for r in self.db.query(sql + " ORDER BY team_id, user_id", params)]

    def count_members(self, team_id: str) -> int:
        row = next(
            self.db.query(
                "SELECT count(*) AS n FROM members WHERE team_id = ? AND active = 1", [team_id]
            )
        )
        return int(row["n"])

    def set_member(self, team_id: str, user_id: str, now: datetime, **fields: Any) -> Member:
        """Change some of a member's settings."""
        allowed = {"name", "tz", "days", "nudge_time", "paused_until", "anonymous", "active",
                   "inactive_reason", "quiet_hours"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"not member settings: {sorted(bad)}")
        values = []
        for key, value in fields.items():
            if key == "days":
                value = ",".join(str(d) for d in value)
            elif key == "nudge_time":
                value = _hhmm(value)
            elif key == "paused_until":
                value = value.isoformat() if value else None
            elif key in {"anonymous", "active"}:
                value = int(value)
            elif key == "quiet_hours":
                value = _quiet_text(value)
            values.append(value)
        sets = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(
            f"UPDATE members SET {sets}, updated_at = ? WHERE team_id = ? AND user_id = ?",
            [*values, _iso(now), team_id, user_id],
        )
        member = self.get_member(team_id, user_id)
        if member is None:
            raise KeyError(f"{team_id}/{user_id}")
        return member

    def set_member_tz(self, team_id: str, user_id: str, tz: str, now: datetime) -> bool:
        """Follow a time zone change in Slack; True if the member's zone changed."""
        cur = self.db.execute(
            "UPDATE members SET tz = ?, updated_at = ? WHERE team_id = ? AND user_id = ? "
            "AND tz != ?",
            [tz, _iso(now), team_id, user_id, tz],
        )
        return cur.rowcount > 0

    # ── rests: holidays, missed nudges, scheduler state ──────────────────────

    def add_holidays(self, team_id: str, days: list[date]) -> int:
        """Add workspace holidays; returns how many were new."""
        with self.atomic():
            added = 0
            for day in days:
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO holidays (team_id, day) VALUES (?, ?)",
                    [team_id, day.isoformat()],
                )
                added += cur.rowcount
        return added

    def remove_holidays(self, team_id: str, days: list[date]) -> int:
        with self.atomic():
            removed = 0
            for day in days:
                cur = self.db.execute("DELETE FROM holidays WHERE team_id = ? AND day = ?",
                                      [team_id, day.isoformat()])
                removed += cur.rowcount
        return removed

    def holidays(self, team_id: str, since: date | None = None) -> list[date]:
        rows = self.db.query(
            "SELECT day FROM holidays WHERE team_id = ? AND day >= ? ORDER BY day",
            [team_id, since.isoformat() if since else ""],
        )
        return [date.fromisoformat(r["day"]) for r in rows]

    def record_missed_nudge(self, team_id: str, user_id: str, scheduled_at: datetime,
                            period: str, now: datetime) -> bool:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO missed_nudges (team_id, user_id, scheduled_at, period, "
            "recorded_at) VALUES (?, ?, ?, ?, ?)",
            [team_id, user_id, _iso(scheduled_at), period, _iso(now)],
        )
        return cur.rowcount > 0

    def missed_nudges(self, team_id: str, user_id: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT user_id, scheduled_at, period FROM missed_nudges WHERE team_id = ?"
        params: list[Any] = [team_id]
        if user_id is not None:
            sql += " AND user_id = ?"
            params.append(user_id)
        return list(self.db.query(sql + " ORDER BY scheduled_at, user_id", params))

    # scheduler_state: one row per workspace, one instant per column.
    _STATE_COLUMNS = frozenset({"last_tick_at", "tz_refreshed_at"})

    def _state(self, team_id: str, column: str) -> datetime | None:
        assert column in self._STATE_COLUMNS
        rows = list(self.db.query(
            f"SELECT {column} FROM scheduler_state WHERE team_id = ?", [team_id]))
        return _dt(rows[0][column]) if rows else None

    def _set_state(self, team_id: str, column: str, at: datetime) -> None:
        assert column in self._STATE_COLUMNS
        self.db.execute(
            f"INSERT INTO scheduler_state (team_id, {column}) VALUES (?, ?) "
            f"ON CONFLICT(team_id) DO UPDATE SET {column} = excluded.{column}",
            [team_id, _iso(at)],
        )

    def last_tick(self, team_id: str) -> datetime | None:
        """When the scheduler last looked at this workspace (to see what downtime skipped)."""
        return self._state(team_id, "last_tick_at")

    def set_last_tick(self, team_id: str, at: datetime) -> None:
        self._set_state(team_id, "last_tick_at", at)

    def tz_refreshed_at(self, team_id: str) -> datetime | None:
        return self._state(team_id, "tz_refreshed_at")

    def set_tz_refreshed_at(self, team_id: str, at: datetime) -> None:
        self._set_state(team_id, "tz_refreshed_at", at)

    def deactivate_member(self, team_id: str, user_id: str, reason: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE members SET active = 0, inactive_reason = ?, updated_at = ? "
            "WHERE team_id = ? AND user_id = ?",
            [reason, _iso(now), team_id, user_id],
        )

    def skip_period(self, team_id: str, user_id: str, period: str, now: datetime) -> bool:
        """Record "skip this week"; open nudges of that period are closed as skipped."""
        with self.atomic() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO skips (team_id, user_id, period, created_at) "
                "VALUES (?, ?, ?, ?)",
                [team_id, user_id, period, _iso(now)],
            )
            db.execute(
                "UPDATE nudges SET status = 'skipped' WHERE team_id = ? AND user_id = ? "
                "AND period = ? AND status = 'sent'",
                [team_id, user_id, period],
            )
        return cur.rowcount > 0

    def is_skipped(self, team_id: str, user_id: str, period: str) -> bool:
        rows = self.db.query(
            "SELECT 1 FROM skips WHERE team_id = ? AND user_id = ? AND period = ?",
            [team_id, user_id, period],
        )
        return next(iter(rows), None) is not None

    # ── the delivery ledger ──────────────────────────────────────────────────

    def claim_nudge(
        self, team_id: str, user_id: str, prompt_id: str, period: str, now: datetime,
        claimed_by: str | None = None,
    ) -> Nudge | None:
        """Claim the right to send this nudge; None when it was ever claimed before."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO nudges (team_id, user_id, prompt_id, period, status, "
            "claimed_at, claimed_by) VALUES (?, ?, ?, ?, 'claimed', ?, ?)",
            [team_id, user_id, prompt_id, period, _iso(now), claimed_by],
        )
        if cur.rowcount == 0:
            return None
        return self.get_nudge(cur.lastrowid)

    def record_missed(
        self, team_id: str, user_id: str, prompt_id: str, period: str, now: datetime
    ) -> bool:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO nudges (team_id, user_id, prompt_id, period, status, "
            "claimed_at) VALUES (?, ?, ?, ?, 'missed', ?)",
            [team_id, user_id, prompt_id, period, _iso(now)],
        )
        return cur.rowcount > 0

    def mark_nudge_sent(self, nudge_id: int, channel: str, ts: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE nudges SET status = 'sent', channel = ?, ts = ?, sent_at = ?, error = NULL "
            "WHERE id = ?",
            [channel, ts, _iso(now), nudge_id],
        )

    def release_nudge(self, nudge_id: int) -> None:
        """Drop a claim whose DM Slack refused, so a later attempt may send it."""
        self.db.execute(
            "DELETE FROM nudges WHERE id = ? AND status IN ('claimed', 'failed') AND ts IS NULL",
            [nudge_id],
        )

    def unconfirmed_claims(self, before: datetime, not_by: str | None = None) -> list[Nudge]:
        """Claims never marked sent that are older than `before`, or (any age) made by a
        process other than `not_by`: their process died mid-send."""
        rows = self.db.query(
            "SELECT * FROM nudges WHERE status = 'claimed' AND (claimed_at < ? OR "
            "(? IS NOT NULL AND coalesce(claimed_by, '') != ?)) ORDER BY id",
            [_iso(before), not_by, not_by],
        )
        return [_nudge(r) for r in rows]

    def mark_nudge_failed(self, nudge_id: int, error: str) -> None:
        self.db.execute(
            "UPDATE nudges SET status = 'failed', error = ? WHERE id = ?", [error, nudge_id]
        )

    def set_nudge_status(self, nudge_id: int, status: str) -> None:
        self.db.execute("UPDATE nudges SET status = ? WHERE id = ?", [status, nudge_id])

    def snooze_nudge(self, nudge_id: int, until: datetime) -> None:
        self.db.execute(
            "UPDATE nudges SET snoozed_until = ?, reminded_at = NULL WHERE id = ?",
            [_iso(until), nudge_id],
        )

    def claim_reminder(self, nudge_id: int, now: datetime) -> bool:
        """A snoozed nudge is reminded once: claim that reminder."""
        cur = self.db.execute(
            "UPDATE nudges SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL "
            "AND snoozed_until IS NOT NULL AND snoozed_until <= ? AND status = 'sent'",
            [_iso(now), nudge_id, _iso(now)],
        )
        return cur.rowcount > 0

    def due_reminders(self, now: datetime) -> list[Nudge]:
        rows = self.db.query(
            "SELECT * FROM nudges WHERE status = 'sent' AND reminded_at IS NULL "
            "AND snoozed_until IS NOT NULL AND snoozed_until <= ? ORDER BY id",
            [_iso(now)],
        )
        return [_nudge(r) for r in rows]

    def get_nudge(self, nudge_id: int | None) -> Nudge | None:
        if not _is_rowid(nudge_id):
            return None  # e.g. a forged button value too big for SQLite: no such row
        rows = list(self.db.query("SELECT * FROM nudges WHERE id = ?", [nudge_id]))
        return _nudge(rows[0]) if rows else None

    def nudges(
        self,
        team_id: str,
        user_id: str | None = None,
        period: str | None = None,
        statuses: Sequence[str] | None = None,
    ) -> list[Nudge]:
        sql, params = "SELECT * FROM nudges WHERE team_id = ?", [team_id]
        if user_id is not None:
            sql += " AND user_id = ?"
            params.append(user_id)
        if period is not None:
            sql += " AND period = ?"
            params.append(period)
        if statuses:
            sql += f" AND status IN ({', '.join('?' for _ in statuses)})"
            params.extend(statuses)
        return [_nudge(r) for r in self.db.query(sql + " ORDER BY id", params)]

    def newest_open_nudge(self, team_id: str, user_id: str) -> Nudge | None:
        rows = list(
            self.db.query(
                "SELECT * FROM nudges WHERE team_id = ? AND user_id = ? AND status = 'sent' "
                "ORDER BY sent_at DESC, id DESC LIMIT 1",
                [team_id, user_id],
            )
        )
        return _nudge(rows[0]) if rows else None

    def nudge_at(self, team_id: str, user_id: str, channel: str, ts: str) -> Nudge | None:
        """The member's nudge posted as message (channel, ts): a reply in its thread
        answers it."""
        rows = list(self.db.query(
            "SELECT * FROM nudges WHERE team_id = ? AND user_id = ? AND channel = ? AND ts = ?",
            [team_id, user_id, channel, ts]))
        return _nudge(rows[0]) if rows else None

    def prompt_history(self, team_id: str, user_id: str, limit: int = 52) -> list[tuple[str, str]]:
        """(period, prompt_id) of the member's latest nudges, newest first."""
        rows = self.db.query(
            "SELECT period, prompt_id FROM nudges WHERE team_id = ? AND user_id = ? "
            "ORDER BY period DESC, id DESC LIMIT ?",
            [team_id, user_id, limit],
        )
        return [(r["period"], r["prompt_id"]) for r in rows]

    # ── replies and items ────────────────────────────────────────────────────

    def add_reply(
        self, reply: Reply, *, source: str, now: datetime, nudge_id: int | None = None
    ) -> Reply:
        """Store a reply with its items in one transaction; marks the nudge answered."""
        with self.atomic() as db:
            stored = self._insert_reply(db, reply, source=source, now=now, nudge_id=nudge_id)
        assert stored is not None  # only a message-tied reply can conflict
        return stored

    def add_message_reply(
        self, reply: Reply, *, channel: str, ts: str, source: str, now: datetime,
        nudge_id: int | None = None, edited_ts: str | None = None,
    ) -> Reply | None:
        """Store the reply made from Slack message (channel, ts), or None when that message
        was handled before (a redelivery) or its answer was deleted.

        The unique index on (team_id, channel, ts) is the claim: of two deliveries of one
        event handled at once, exactly one insert succeeds, in the same transaction as the
        items, so the loser stores nothing and must send nothing.
        """
        with self.atomic() as db:
            if self._handled_outcome(reply.team_id, channel, ts) == "deleted":
                return None  # a late redelivery of a message the member already deleted
            return self._insert_reply(db, reply, source=source, now=now, nudge_id=nudge_id,
                                      channel=channel, ts=ts, edited_ts=edited_ts)

    def _insert_reply(
        self, db: Database, reply: Reply, *, source: str, now: datetime,
        nudge_id: int | None, channel: str | None = None, ts: str | None = None,
        edited_ts: str | None = None,
    ) -> Reply | None:
        cur = db.execute(
            "INSERT INTO replies (team_id, user_id, nudge_id, prompt_id, kind, period, text, "
            "anonymous, source, created_at, channel, ts, edited_ts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (team_id, channel, ts) WHERE ts IS NOT NULL DO NOTHING",
            [
                reply.team_id,
                reply.user_id,
                nudge_id,
                reply.prompt_id,
                reply.kind,
                reply.period,
                reply.text,
                int(reply.anonymous),
                source,
                _iso(now),
                channel,
                ts,
                edited_ts,
            ],
        )
        if cur.rowcount == 0:
            return None
        reply_id = cur.lastrowid
        assert reply_id is not None
        stored = self._write_items(db, reply.team_id, reply_id, reply.items)
        if nudge_id is not None:
            db.execute(
                "UPDATE nudges SET status = 'answered' WHERE id = ? AND status IN "
                "('sent', 'claimed', 'skipped')",
                [nudge_id],
            )
        self._mark_dirty(db, reply.team_id, [reply.period])
        return replace(reply, id=reply_id, items=tuple(stored), created_at=now)

    def _write_items(self, db: Database, team_id: str, reply_id: int,
                     items: Sequence[Item]) -> list[Item]:
        """Give the reply exactly `items`, in order. An item that carries the id of one of
        the reply's stored items keeps that row (its label, any correction, the id its
        fix-the-label button names); the reply's other rows go, the rest are inserted."""
        existing = {r["id"] for r in db.query(
            "SELECT id FROM items WHERE reply_id = ?", [reply_id])}
        kept = {i.id for i in items if i.id in existing}
        stored: list[Item] = []
        for position, item in enumerate(items):
            if item.id in kept:
                db.execute("UPDATE items SET position = ? WHERE id = ?", [position, item.id])
                stored.append(item)
                continue
            icur = db.execute(
                "INSERT INTO items (team_id, reply_id, position, text, kind, label, "
                "confidence, reasons, label_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    team_id,
                    reply_id,
                    position,
                    item.text,
                    item.kind,
                    item.label,
                    item.confidence,
                    json.dumps(list(item.reasons)),
                    item.label_source,
                ],
            )
            stored.append(replace(item, id=icur.lastrowid))
        # Removed lines go last: deleted first, the highest of their ids would be handed
        # straight to a new line, and an old fix-the-label button would name it.
        for gone in existing - kept:
            db.execute("DELETE FROM items WHERE id = ?", [gone])  # corrections cascade
        return stored

    def _mark_dirty(self, db: Database, team_id: str, periods: Iterable[str]) -> None:
        """Posted digests of these periods must be rebuilt: called inside the transaction
        of the change itself, so no change can be missed."""
        periods = sorted(set(periods))
        if periods:
            marks = ", ".join("?" for _ in periods)
            db.execute(f"UPDATE digests SET dirty = 1 WHERE team_id = ? AND period IN ({marks})",
                       [team_id, *periods])

    def message_reply(self, team_id: str, channel: str, ts: str) -> MessageReply | None:
        """The reply made from Slack message (channel, ts), if Headway stored one."""
        rows = list(self.db.query(
            "SELECT id, nudge_id, edited_ts, confirm_channel, confirm_ts FROM replies "
            "WHERE team_id = ? AND channel = ? AND ts = ?", [team_id, channel, ts]))
        if not rows:
            return None
        row = rows[0]
        reply = self.get_reply(team_id, row["id"])
        if reply is None:
            return None
        return MessageReply(reply=reply, channel=channel, ts=ts, nudge_id=row["nudge_id"],
                            edited_ts=row["edited_ts"], confirm_channel=row["confirm_channel"],
                            confirm_ts=row["confirm_ts"])

    def edit_message_reply(
        self, found: MessageReply, text: str, items: Sequence[Item], edited_ts: str | None,
    ) -> Reply | None:
        """Replace the text and items of a reply as `found` saw it; None when it changed
        (or went) meanwhile, so the caller re-reads and decides again. Items carrying a
        stored item's id keep that row (see `_write_items`)."""
        old = found.reply
        assert old.id is not None
        with self.atomic() as db:
            cur = db.execute(
                "UPDATE replies SET text = ?, edited_ts = ? WHERE id = ? AND team_id = ? "
                "AND text = ? AND edited_ts IS ?",
                [text, edited_ts, old.id, old.team_id, old.text, found.edited_ts],
            )
            if cur.rowcount == 0:
                return None
            stored = self._write_items(db, old.team_id, old.id, items)
            self._mark_dirty(db, old.team_id, [old.period])
        return replace(old, text=text, items=tuple(stored))

    def delete_message_reply(
        self, team_id: str, channel: str, ts: str, user_id: str, now: datetime
    ) -> DeletedReply | None:
        """The member deleted Slack message (channel, ts): remove its reply and items (and
        the corrections made on them), reopen the nudge it answered if nothing else
        answers it, and remember the deletion so a late redelivery of the original
        message cannot bring the answer back. None when no reply was stored for it."""
        with self.atomic() as db:
            db.execute(
                "INSERT INTO handled_messages (team_id, channel, ts, user_id, outcome, "
                "handled_at) VALUES (?, ?, ?, ?, 'deleted', ?) ON CONFLICT (team_id, channel, "
                "ts) DO UPDATE SET outcome = 'deleted', handled_at = excluded.handled_at",
                [team_id, channel, ts, user_id, _iso(now)],
            )
            found = self.message_reply(team_id, channel, ts)
            if found is None:
                return None
            db.execute("DELETE FROM items WHERE reply_id = ?", [found.reply.id])
            db.execute("DELETE FROM replies WHERE id = ?", [found.reply.id])
            self._mark_dirty(db, team_id, [found.reply.period])
            reopened = None
            if found.nudge_id is not None:
                cur = db.execute(
                    "UPDATE nudges SET status = 'sent' WHERE id = ? AND status = 'answered' "
                    "AND NOT EXISTS (SELECT 1 FROM replies WHERE nudge_id = ?)",
                    [found.nudge_id, found.nudge_id],
                )
                if cur.rowcount:
                    reopened = self.get_nudge(found.nudge_id)
        return DeletedReply(found, reopened)

    def set_confirmation(self, reply_id: int, channel: str, ts: str) -> None:
        """Where the member's confirmation of this reply is (to update it in place)."""
        self.db.execute("UPDATE replies SET confirm_channel = ?, confirm_ts = ? WHERE id = ?",
                        [channel, ts, reply_id])

    def confirmation_of(self, team_id: str, reply_id: int) -> tuple[str, str] | None:
        """(channel, ts) of the reply's confirmation DM, once it was posted."""
        rows = list(self.db.query(
            "SELECT confirm_channel, confirm_ts FROM replies WHERE team_id = ? AND id = ? "
            "AND confirm_ts IS NOT NULL", [team_id, reply_id]))
        return (rows[0]["confirm_channel"], rows[0]["confirm_ts"]) if rows else None

    def note_message(self, team_id: str, channel: str, ts: str, user_id: str,
                     now: datetime) -> bool:
        """Claim the right to answer DM message (channel, ts) with a note instead of storing
        it; False when it was handled before (a redelivery: send nothing)."""
        cur = self.db.execute(
            "INSERT INTO handled_messages (team_id, channel, ts, user_id, outcome, handled_at) "
            "VALUES (?, ?, ?, ?, 'noted', ?) ON CONFLICT (team_id, channel, ts) DO NOTHING",
            [team_id, channel, ts, user_id, _iso(now)],
        )
        return cur.rowcount > 0

    def _handled_outcome(self, team_id: str, channel: str, ts: str) -> str | None:
        rows = list(self.db.query(
            "SELECT outcome FROM handled_messages WHERE team_id = ? AND channel = ? AND ts = ?",
            [team_id, channel, ts]))
        return rows[0]["outcome"] if rows else None

    def purge_handled_messages(self, before: datetime) -> int:
        """Forget handled messages older than `before` (Slack stopped redelivering them)."""
        return self.db.execute("DELETE FROM handled_messages WHERE handled_at < ?",
                               [_iso(before)]).rowcount

    def replies(
        self,
        team_id: str,
        *,
        period: str | None = None,
        user_id: str | None = None,
        limit: int | None = None,
        include_items: bool = True,
    ) -> list[Reply]:
        sql = (
            "SELECT r.*, m.name AS author_name FROM replies r LEFT JOIN members m "
            "ON m.team_id = r.team_id AND m.user_id = r.user_id WHERE r.team_id = ?"
        )
        params: list[Any] = [team_id]
        if period is not None:
            sql += " AND r.period = ?"
            params.append(period)
        if user_id is not None:
            sql += " AND r.user_id = ?"
            params.append(user_id)
        sql += " ORDER BY r.id DESC" if limit else " ORDER BY r.id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        rows = list(self.db.query(sql, params))
        items: dict[int, list[Item]] = {}
        if include_items and rows:
            ids = [r["id"] for r in rows]
            for chunk_start in range(0, len(ids), 500):
                chunk = ids[chunk_start : chunk_start + 500]
                marks = ", ".join("?" for _ in chunk)
                for r in self.db.query(
                    f"SELECT * FROM items WHERE reply_id IN ({marks}) ORDER BY reply_id, position",
                    chunk,
                ):
                    items.setdefault(r["reply_id"], []).append(_item(r))
        return [_reply(r, tuple(items.get(r["id"], ()))) for r in rows]

    def get_item(self, team_id: str, item_id: int) -> tuple[Item, str] | None:
        """The item and the user id of its author."""
        if not _is_rowid(item_id):
            return None
        rows = list(
            self.db.query(
                "SELECT i.*, r.user_id AS author FROM items i JOIN replies r ON r.id = i.reply_id "
                "WHERE i.team_id = ? AND i.id = ?",
                [team_id, item_id],
            )
        )
        return (_item(rows[0]), rows[0]["author"]) if rows else None

    def correct_item(
        self, team_id: str, item_id: int, user_id: str, label: Label, now: datetime
    ) -> Item | None:
        """Set a member's label on an item and remember the correction for the classifier."""
        with self.atomic() as db:
            found = self.get_item(team_id, item_id)
            if found is None:
                return None
            item, _author = found
            db.execute(
                "UPDATE items SET label = ?, label_source = 'user', confidence = 1.0 "
                "WHERE id = ? AND team_id = ?",
                [label, item_id, team_id],
            )
            db.execute(
                "INSERT INTO corrections (team_id, item_id, user_id, text, label, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [team_id, item_id, user_id, item.text, label, _iso(now)],
            )
            self._mark_dirty(db, team_id, [r["period"] for r in db.query(
                "SELECT r.period FROM items i JOIN replies r ON r.id = i.reply_id "
                "WHERE i.id = ?", [item_id])])
        return replace(item, label=label, label_source="user", confidence=1.0)

    def corrections(self, team_id: str, limit: int = 2000) -> list[tuple[str, Label]]:
        """The workspace's label corrections, newest last (only this workspace's)."""
        rows = self.db.query(
            "SELECT text, label FROM (SELECT id, text, label FROM corrections WHERE team_id = ? "
            "ORDER BY id DESC LIMIT ?) ORDER BY id",
            [team_id, limit],
        )
        return [(r["text"], r["label"]) for r in rows]

    def week_shares(self, team_id: str, periods: Iterable[str]) -> list[WeekShare]:
        """Progress and KTLO counts of `work` items per period (SQL aggregate: cost per week);
        `none` items count in neither."""
        periods = list(periods)
        if not periods:
            return []
        marks = ", ".join("?" for _ in periods)
        counts = {p: [0, 0] for p in periods}
        for r in self.db.query(
            # Filtering on r.team_id lets SQLite walk replies_by_period, then items by reply:
            # the cost is those weeks' rows, whatever the length of the history.
            f"SELECT r.period, i.label, count(*) AS n FROM replies r "
            f"JOIN items i ON i.reply_id = r.id WHERE r.team_id = ? AND r.period IN ({marks}) "
            # `none` items (no work in them) are in no share
            f"AND i.kind = 'work' AND i.label IN ('progress', 'ktlo') "
            f"GROUP BY r.period, i.label",
            [team_id, *periods],
        ):
            counts[r["period"]][0 if r["label"] == "progress" else 1] += r["n"]
        return [WeekShare(p, *counts[p]) for p in periods]

    def ktlo_texts(self, team_id: str, periods: Iterable[str]) -> dict[str, list[str]]:
        periods = list(periods)
        out: dict[str, list[str]] = {p: [] for p in periods}
        if not periods:
            return out
        marks = ", ".join("?" for _ in periods)
        for r in self.db.query(
            f"SELECT r.period, i.text FROM replies r JOIN items i ON i.reply_id = r.id "
            f"WHERE r.team_id = ? AND r.period IN ({marks}) AND i.kind = 'work' "
            f"AND i.label = 'ktlo' ORDER BY i.id",
            [team_id, *periods],
        ):
            out[r["period"]].append(r["text"])
        return out

    def count_replies(self, team_id: str, period: str) -> int:
        row = next(
            self.db.query(
                "SELECT count(*) AS n FROM replies WHERE team_id = ? AND period = ?",
                [team_id, period],
            )
        )
        return int(row["n"])

    def member_week_shares(
        self, team_id: str, user_id: str, periods: Iterable[str]
    ) -> list[WeekShare]:
        periods = list(periods)
        if not periods:
            return []
        marks = ", ".join("?" for _ in periods)
        counts = {p: [0, 0] for p in periods}
        for r in self.db.query(
            f"SELECT r.period, i.label, count(*) AS n FROM items i "
            f"JOIN replies r ON r.id = i.reply_id WHERE i.team_id = ? AND r.user_id = ? "
            f"AND r.period IN ({marks}) AND i.kind = 'work' "
            f"AND i.label IN ('progress', 'ktlo') GROUP BY r.period, i.label",
            [team_id, user_id, *periods],
        ):
            counts[r["period"]][0 if r["label"] == "progress" else 1] += r["n"]
        return [WeekShare(p, *counts[p]) for p in periods]

    def reply_of_item(self, team_id: str, item_id: int) -> Reply | None:
        if not _is_rowid(item_id):
            return None
        rows = list(
            self.db.query(
                "SELECT reply_id FROM items WHERE team_id = ? AND id = ?", [team_id, item_id]
            )
        )
        if not rows:
            return None
        return self.get_reply(team_id, rows[0]["reply_id"])

    def get_reply(self, team_id: str, reply_id: int) -> Reply | None:
        if not _is_rowid(reply_id):
            return None
        rows = list(
            self.db.query(
                "SELECT r.*, m.name AS author_name FROM replies r LEFT JOIN members m "
                "ON m.team_id = r.team_id AND m.user_id = r.user_id "
                "WHERE r.team_id = ? AND r.id = ?",
                [team_id, reply_id],
            )
        )
        if not rows:
            return None
        items = tuple(
            _item(r)
            for r in self.db.query(
                "SELECT * FROM items WHERE reply_id = ? ORDER BY position", [reply_id]
            )
        )
        return _reply(rows[0], items)

    def set_replies_anonymous(self, team_id: str, user_id: str) -> int:
        """`anonymous on` hides the name on the member's earlier answers too."""
        with self.atomic() as db:
            cur = db.execute(
                "UPDATE replies SET anonymous = 1 WHERE team_id = ? AND user_id = ?",
                [team_id, user_id],
            )
            if cur.rowcount:
                self._mark_dirty(db, team_id, self._periods_of(team_id, user_id))
        return cur.rowcount

    def _periods_of(self, team_id: str, user_id: str) -> list[str]:
        return [r["period"] for r in self.db.query(
            "SELECT DISTINCT period FROM replies WHERE team_id = ? AND user_id = ?",
            [team_id, user_id])]

    def forget_member(self, team_id: str, user_id: str) -> dict[str, int]:
        """Delete a member's replies, items, corrections, ledger rows and settings."""
        counts: dict[str, int] = {}
        with self.atomic() as db:
            self._mark_dirty(db, team_id, self._periods_of(team_id, user_id))
            db.execute("DELETE FROM handled_messages WHERE team_id = ? AND user_id = ?",
                       [team_id, user_id])
            counts["corrections"] = db.execute(
                "DELETE FROM corrections WHERE team_id = ? AND (user_id = ? OR item_id IN "
                "(SELECT i.id FROM items i JOIN replies r ON r.id = i.reply_id "
                "WHERE r.team_id = ? AND r.user_id = ?))",
                [team_id, user_id, team_id, user_id],
            ).rowcount
            counts["items"] = db.execute(
                "DELETE FROM items WHERE reply_id IN (SELECT id FROM replies "
                "WHERE team_id = ? AND user_id = ?)",
                [team_id, user_id],
            ).rowcount
            counts["replies"] = db.execute(
                "DELETE FROM replies WHERE team_id = ? AND user_id = ?", [team_id, user_id]
            ).rowcount
            counts["nudges"] = db.execute(
                "DELETE FROM nudges WHERE team_id = ? AND user_id = ?", [team_id, user_id]
            ).rowcount
            db.execute("DELETE FROM skips WHERE team_id = ? AND user_id = ?", [team_id, user_id])
            db.execute("DELETE FROM missed_nudges WHERE team_id = ? AND user_id = ?",
                       [team_id, user_id])
            db.execute("DELETE FROM headway_admins WHERE team_id = ? AND user_id = ?",
                       [team_id, user_id])
            counts["member"] = db.execute(
                "DELETE FROM members WHERE team_id = ? AND user_id = ?", [team_id, user_id]
            ).rowcount
        return counts

    def purge_replies_before(self, team_id: str, cutoff: datetime) -> dict[str, int]:
        """Retention: delete replies created before `cutoff`, with their items and the
        corrections made on those items. Ledger rows stay (they hold no text and keep
        "at most once" true)."""
        where = "team_id = ? AND created_at < ?"
        params = [team_id, _iso(cutoff.astimezone(UTC))]
        counts: dict[str, int] = {}
        with self.atomic() as db:
            counts["corrections"] = db.execute(
                "DELETE FROM corrections WHERE item_id IN (SELECT i.id FROM items i JOIN "
                "replies r ON r.id = i.reply_id WHERE r.team_id = ? AND r.created_at < ?)",
                params,
            ).rowcount
            counts["items"] = db.execute(
                f"DELETE FROM items WHERE reply_id IN (SELECT id FROM replies WHERE {where})",
                params,
            ).rowcount
            counts["replies"] = db.execute(f"DELETE FROM replies WHERE {where}", params).rowcount
        return counts

    # ── Headway admins named by a workspace admin ────────────────────────────

    def add_admin(self, team_id: str, user_id: str, added_by: str, now: datetime) -> bool:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO headway_admins (team_id, user_id, added_by, created_at) "
            "VALUES (?, ?, ?, ?)",
            [team_id, user_id, added_by, _iso(now)],
        )
        return cur.rowcount == 1

    def remove_admin(self, team_id: str, user_id: str) -> bool:
        cur = self.db.execute(
            "DELETE FROM headway_admins WHERE team_id = ? AND user_id = ?", [team_id, user_id]
        )
        return cur.rowcount == 1

    def named_admins(self, team_id: str) -> list[str]:
        return [r["user_id"] for r in self.db.query(
            "SELECT user_id FROM headway_admins WHERE team_id = ? ORDER BY created_at, user_id",
            [team_id])]

    def export_team(self, team_id: str) -> dict[str, Any]:
        """The team's shared answers for an admin: anonymous authors hidden, reflection
        answers left out (they never leave their author)."""
        out = []
        for r in self.replies(team_id):
            if r.kind == "reflection":
                continue
            out.append({
                "period": r.period, "prompt_id": r.prompt_id, "kind": r.kind,
                "author": None if r.anonymous else r.user_id,
                "author_name": None if r.anonymous else r.author_name,
                "text": r.text, "created_at": _iso(r.created_at),
                "items": [{"text": i.text, "label": i.label, "confidence": i.confidence,
                           "label_source": i.label_source} for i in r.items],
            })
        return {"team_id": team_id, "replies": out}

    def export_member(self, team_id: str, user_id: str) -> dict[str, Any]:
        """Everything stored about one member, as plain data."""
        member = self.get_member(team_id, user_id)
        replies = self.replies(team_id, user_id=user_id)
        return {
            "member": None if member is None else {
                "team_id": member.team_id, "user_id": member.user_id, "name": member.name,
                "tz": member.tz, "days": list(member.days),
                "nudge_time": _hhmm(member.nudge_time),
                "paused_until": member.paused_until.isoformat() if member.paused_until else None,
                "anonymous": member.anonymous, "active": member.active,
            },
            "replies": [
                {
                    "id": r.id, "period": r.period, "prompt_id": r.prompt_id, "kind": r.kind,
                    "text": r.text, "created_at": _iso(r.created_at),
                    "items": [
                        {"text": i.text, "label": i.label, "confidence": i.confidence,
                         "label_source": i.label_source}
                        for i in r.items
                    ],
                }
                for r in replies
            ],
        }

    def digest_team(self, digest_id: int) -> str:
        row = next(self.db.query("SELECT team_id FROM digests WHERE id = ?", [digest_id]))
        return str(row["team_id"])

    # ── digests ──────────────────────────────────────────────────────────────

    def claim_digest(
        self, team_id: str, channel: str, period: str, now: datetime
    ) -> DigestRecord | None:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO digests (team_id, channel, period, status, claimed_at) "
            "VALUES (?, ?, ?, 'claimed', ?)",
            [team_id, channel, period, _iso(now)],
        )
        if cur.rowcount == 0:
            return None
        return self.get_digest(team_id, channel, period)

    def get_digest(self, team_id: str, channel: str, period: str) -> DigestRecord | None:
        rows = list(
            self.db.query(
                "SELECT * FROM digests WHERE team_id = ? AND channel = ? AND period = ?",
                [team_id, channel, period],
            )
        )
        return _digest(rows[0]) if rows else None

    def digests(self, team_id: str) -> list[DigestRecord]:
        rows = self.db.query("SELECT * FROM digests WHERE team_id = ? ORDER BY id", [team_id])
        return [_digest(r) for r in rows]

    def latest_posted_digest(self, team_id: str, channel: str) -> DigestRecord | None:
        """The newest digest posted to this channel (by period)."""
        rows = list(self.db.query(
            "SELECT * FROM digests WHERE team_id = ? AND channel = ? AND ts IS NOT NULL "
            "ORDER BY period DESC LIMIT 1", [team_id, channel]))
        return _digest(rows[0]) if rows else None

    def mark_digest_posted(
        self,
        digest_id: int,
        ts: str,
        thread_ts: Sequence[str],
        now: datetime,
    ) -> None:
        self.db.execute(
            "UPDATE digests SET status = 'posted', ts = ?, thread_ts = ?, "
            "posted_at = coalesce(posted_at, ?), updated_at = ?, error = NULL WHERE id = ?",
            [ts, json.dumps(list(thread_ts)), _iso(now), _iso(now), digest_id],
        )

    def set_digest_dirty(self, digest_id: int, dirty: bool) -> None:
        """Cleared just before a digest is rebuilt (a change after that marks it again);
        set back when the rebuilt digest could not reach Slack."""
        self.db.execute("UPDATE digests SET dirty = ? WHERE id = ?", [int(dirty), digest_id])

    def mark_digest_failed(self, digest_id: int, error: str) -> None:
        self.db.execute(
            "UPDATE digests SET status = 'failed', error = ? WHERE id = ?", [error, digest_id]
        )

    def release_digest(self, digest_id: int) -> None:
        """Forget a claim whose post never reached Slack, so it can be tried again."""
        self.db.execute("DELETE FROM digests WHERE id = ? AND ts IS NULL", [digest_id])


def _unusable(path: Path, exc: sqlite3.DatabaseError) -> str:
    """One sentence for an SQLite error met while opening `path`."""
    text = str(exc)
    if "readonly" in text:
        return (f"the database {path} is read-only: make it writable (chmod u+w) for the user "
                f"running Headway")
    if "malformed" in text or "not a database" in text:
        return f"the database {path} is damaged ({text}): restore it from a backup"
    return (f"cannot use {path} as the database ({text}): point HEADWAY_DB at a SQLite file "
            f"on a local, writable disk")


# ── row → dataclass ──────────────────────────────────────────────────────────


def _team(r: dict[str, Any]) -> Team:
    return Team(
        team_id=r["team_id"],
        name=r["name"],
        digest_channel=r["digest_channel"],
        digest_day=r["digest_day"],
        digest_time=time.fromisoformat(r["digest_time"]),
        tz=r["tz"],
        pack=r["pack"],
        retention_months=r.get("retention_months"),
        uninstalled_at=_dt(r.get("uninstalled_at")),
    )


def _member(r: dict[str, Any]) -> Member:
    return Member(
        team_id=r["team_id"],
        user_id=r["user_id"],
        tz=r["tz"],
        days=tuple(int(d) for d in r["days"].split(",") if d != ""),
        nudge_time=time.fromisoformat(r["nudge_time"]),
        paused_until=date.fromisoformat(r["paused_until"]) if r["paused_until"] else None,
        anonymous=bool(r["anonymous"]),
        active=bool(r["active"]),
        name=r["name"],
        inactive_reason=r["inactive_reason"],
        quiet_hours=_quiet_hours(r.get("quiet_hours")),
    )


def _quiet_text(quiet: tuple[time, time] | None) -> str | None:
    return f"{_hhmm(quiet[0])}-{_hhmm(quiet[1])}" if quiet else None


def _quiet_hours(text: str | None) -> tuple[time, time] | None:
    if not text:
        return None
    begin, end = text.split("-")
    return time.fromisoformat(begin), time.fromisoformat(end)


def _nudge(r: dict[str, Any]) -> Nudge:
    return Nudge(
        id=r["id"],
        team_id=r["team_id"],
        user_id=r["user_id"],
        prompt_id=r["prompt_id"],
        period=r["period"],
        status=r["status"],
        claimed_at=datetime.fromisoformat(r["claimed_at"]),
        sent_at=_dt(r["sent_at"]),
        channel=r["channel"],
        ts=r["ts"],
        error=r["error"],
        snoozed_until=_dt(r["snoozed_until"]),
        reminded_at=_dt(r["reminded_at"]),
        claimed_by=r.get("claimed_by"),
    )


def _item(r: dict[str, Any]) -> Item:
    return Item(
        id=r["id"],
        text=r["text"],
        kind=r["kind"],
        label=r["label"],
        confidence=r["confidence"],
        reasons=tuple(json.loads(r["reasons"])),
        label_source=r["label_source"],
    )


def _reply(r: dict[str, Any], items: tuple[Item, ...]) -> Reply:
    return Reply(
        id=r["id"],
        team_id=r["team_id"],
        user_id=r["user_id"],
        prompt_id=r["prompt_id"],
        kind=r["kind"],
        period=r["period"],
        text=r["text"],
        items=items,
        anonymous=bool(r["anonymous"]),
        created_at=_dt(r["created_at"]),
        author_name=r.get("author_name") or "",
    )


def _digest(r: dict[str, Any]) -> DigestRecord:
    return DigestRecord(
        id=r["id"],
        team_id=r["team_id"],
        channel=r["channel"],
        period=r["period"],
        status=r["status"],
        ts=r["ts"],
        thread_ts=tuple(json.loads(r["thread_ts"])),
        claimed_at=_dt(r["claimed_at"]),
        updated_at=_dt(r["updated_at"]),
        dirty=bool(r.get("dirty")),
    )

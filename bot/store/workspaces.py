"""`store.workspaces`: the workspaces Headway is installed in, and their settings."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from bot.core.model import Workspace
from bot.store.base import Aggregate, dt, from_row, hhmm, iso, utc_iso
from bot.store.migrations import SLACK_SDK_TABLES

SETTINGS = frozenset({"name", "tz", "pack", "retention_months", "rollup_channel", "rollup_day",
                      "rollup_time"})


class Workspaces(Aggregate):
    def ensure(self, workspace_id: str, now: datetime, name: str = "") -> Workspace:
        """The workspace, recorded now if it is new; a non-empty `name` replaces the
        stored one."""
        known = self.get(workspace_id)
        if known is not None and (not name or known.name == name):
            return known  # the common case, on every command: a read, no write
        with self.atomic() as db:
            db.execute(
                "INSERT INTO workspaces (workspace_id, name, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT(workspace_id) DO UPDATE SET name = CASE WHEN excluded.name != '' "
                "THEN excluded.name ELSE workspaces.name END",
                [workspace_id, name, iso(now)],
            )
            # The scheduler's row: its first time-zone sweep is due at once.
            db.execute("INSERT OR IGNORE INTO scheduler_state (workspace_id, sweep_due_at) "
                       "VALUES (?, '')", [workspace_id])
        workspace = self.get(workspace_id)
        assert workspace is not None
        return workspace

    def get(self, workspace_id: str) -> Workspace | None:
        rows = list(self.db.query("SELECT * FROM workspaces WHERE workspace_id = ?",
                                  [workspace_id]))
        return _workspace(rows[0]) if rows else None

    def all(self, *, include_uninstalled: bool = False) -> list[Workspace]:
        """The workspaces Headway serves (an uninstalled one only when asked for)."""
        where = "" if include_uninstalled else " WHERE uninstalled_at IS NULL"
        return [_workspace(r) for r in self.db.query(
            f"SELECT * FROM workspaces{where} ORDER BY workspace_id")]

    def update(self, workspace_id: str, **fields: Any) -> Workspace:
        """Change some of the settings in `SETTINGS`; KeyError for an unknown workspace."""
        bad = set(fields) - SETTINGS
        if bad:
            raise ValueError(f"not workspace settings: {sorted(bad)}")
        if isinstance(fields.get("rollup_time"), time):
            fields["rollup_time"] = hhmm(fields["rollup_time"])
        if {"rollup_channel", "rollup_day", "rollup_time", "tz"} & set(fields):
            fields["next_rollup_at"] = ""  # its schedule changed: looked at next tick
        if fields:
            sets = ", ".join(f"{k} = ?" for k in fields)
            with self.atomic() as db:
                db.execute(f"UPDATE workspaces SET {sets} WHERE workspace_id = ?",
                           [*fields.values(), workspace_id])
                if "tz" in fields:  # members without a known zone are asked in this one
                    self._store.members.look_again(workspace_id)
        workspace = self.get(workspace_id)
        if workspace is None:
            raise KeyError(workspace_id)
        return workspace

    def rollup_due(self, now: datetime) -> list[tuple[Workspace, str]]:
        """The served workspaces whose rollup is due by `now` (or whose rollup schedule
        changed), each with the due instant read (for `set_next_rollup`)."""
        return [(_workspace(r), r["next_rollup_at"]) for r in self.db.query(
            "SELECT * FROM workspaces WHERE rollup_channel IS NOT NULL "
            "AND next_rollup_at <= ? AND uninstalled_at IS NULL ORDER BY workspace_id",
            [utc_iso(now)])]

    def set_next_rollup(self, workspace_id: str, at: datetime, seen: str) -> bool:
        """The rollup is next due at `at`, unless its schedule changed since `seen`."""
        return self.db.execute(
            "UPDATE workspaces SET next_rollup_at = ? WHERE workspace_id = ? "
            "AND next_rollup_at = ?", [utc_iso(at), workspace_id, seen]).rowcount == 1

    def mark_uninstalled(self, workspace_id: str, now: datetime) -> None:
        """Headway was removed: no more nudges, and the retention clock starts (the first
        uninstall counts; a repeat leaves it running)."""
        self.db.execute(
            "UPDATE workspaces SET uninstalled_at = coalesce(uninstalled_at, ?) "
            "WHERE workspace_id = ?", [iso(now), workspace_id])

    def mark_installed(self, workspace_id: str, now: datetime, name: str = "") -> None:
        """A (re)install: the workspace is served again and its retention clock stops."""
        with self.atomic() as db:
            self.ensure(workspace_id, now, name)
            back = db.execute("UPDATE workspaces SET uninstalled_at = NULL WHERE "
                              "workspace_id = ? AND uninstalled_at IS NOT NULL",
                              [workspace_id]).rowcount
            if back:  # nothing was sent while it was gone: look at everyone afresh
                self._store.members.look_again(workspace_id)

    def oldest_replies(self) -> list[tuple[str, int, datetime]]:
        """(workspace, retention months, its oldest reply's time) of each installed
        workspace with `retention N` and replies: one statement, each workspace's oldest
        reply found through the reply-age index."""
        rows = self.db.query(
            "SELECT w.workspace_id, w.retention_months, (SELECT min(r.created_at) FROM "
            "replies r WHERE r.workspace_id = w.workspace_id) AS oldest FROM workspaces w "
            "WHERE w.retention_months IS NOT NULL AND w.uninstalled_at IS NULL")
        return [(r["workspace_id"], r["retention_months"], datetime.fromisoformat(r["oldest"]))
                for r in rows if r["oldest"] is not None]

    def uninstalled_before(self, cutoff: datetime) -> list[str]:
        return [r["workspace_id"] for r in self.db.query(
            "SELECT workspace_id FROM workspaces WHERE uninstalled_at IS NOT NULL "
            "AND uninstalled_at < ?", [iso(cutoff)])]

    def purge(self, workspace_id: str) -> dict[str, int]:
        """Delete every row of one workspace, in every table (all carry workspace_id, and
        slack_sdk's tables team_id); returns the rows deleted, by table."""
        counts: dict[str, int] = {}
        with self.atomic() as db:
            tables = [t for t in db.table_names()
                      if t != "workspaces" and "workspace_id" in db[t].columns_dict]
            # Children first: items before replies, and so on, for the foreign keys.
            order = ["corrections", "items", "replies", "nudges", "digests",
                     "problem_follow_ups", "problem_weeks", "problem_references",
                     "tracked_problems", "team_members", "team_leads", "teams"]
            tables.sort(key=lambda t: order.index(t) if t in order else len(order))
            for table in tables:
                counts[table] = db.execute(
                    f"DELETE FROM [{table}] WHERE workspace_id = ?", [workspace_id]).rowcount
            for table in SLACK_SDK_TABLES & set(db.table_names()):
                if "team_id" in db[table].columns_dict:  # slack_sdk's, in Slack's words
                    counts[table] = db.execute(
                        f"DELETE FROM [{table}] WHERE team_id = ?", [workspace_id]).rowcount
            counts["workspaces"] = db.execute(
                "DELETE FROM workspaces WHERE workspace_id = ?", [workspace_id]).rowcount
        return counts


def _workspace(r: dict[str, Any]) -> Workspace:
    return from_row(Workspace, r, rollup_time=time.fromisoformat(r["rollup_time"]),
                    uninstalled_at=dt(r.get("uninstalled_at")))

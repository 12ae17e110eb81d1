"""`store.scheduler`: what the scheduler remembers of each workspace between ticks and
restarts (one row per workspace, one instant per column). `sweep_due_at` says when the
workspace's next time-zone sweep is due ('' : at once), so the sweep lane finds the due
ones with one indexed query."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.store.base import Aggregate, dt, iso, utc_iso

COLUMNS = frozenset({"last_tick_at", "tz_refreshed_at"})


class SchedulerState(Aggregate):
    def last_tick(self, workspace_id: str) -> datetime | None:
        """When the scheduler last looked at this workspace (to see what downtime skipped)."""
        return self._get(workspace_id, "last_tick_at")

    def set_last_tick(self, workspace_id: str, at: datetime) -> None:
        self._set(workspace_id, "last_tick_at", at)

    def tz_refreshed_at(self, workspace_id: str) -> datetime | None:
        """When the members' time zones were last read from Slack."""
        return self._get(workspace_id, "tz_refreshed_at")

    def set_tz_refreshed_at(self, workspace_id: str, at: datetime,
                            next_at: datetime | None = None) -> None:
        """The sweep ran at `at`; the next one is due at `next_at` (default: a day on)."""
        self._set(workspace_id, "tz_refreshed_at", at)
        self.db.execute("UPDATE scheduler_state SET sweep_due_at = ? WHERE workspace_id = ?",
                        [utc_iso(next_at or at + timedelta(days=1)), workspace_id])

    def sweeps_due(self, now: datetime) -> list[str]:
        """The installed workspaces whose time-zone sweep is due by `now`."""
        return [r["workspace_id"] for r in self.db.query(
            "SELECT s.workspace_id FROM scheduler_state s JOIN workspaces w "
            "ON w.workspace_id = s.workspace_id WHERE s.sweep_due_at <= ? "
            "AND w.uninstalled_at IS NULL ORDER BY s.sweep_due_at", [utc_iso(now)])]

    def _get(self, workspace_id: str, column: str) -> datetime | None:
        assert column in COLUMNS
        rows = list(self.db.query(
            f"SELECT {column} FROM scheduler_state WHERE workspace_id = ?", [workspace_id]))
        return dt(rows[0][column]) if rows else None

    def _set(self, workspace_id: str, column: str, at: datetime) -> None:
        assert column in COLUMNS
        self.db.execute(
            f"INSERT INTO scheduler_state (workspace_id, {column}) VALUES (?, ?) "
            f"ON CONFLICT(workspace_id) DO UPDATE SET {column} = excluded.{column}",
            [workspace_id, iso(at)],
        )

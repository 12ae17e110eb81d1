"""`store.scheduler`: what the scheduler remembers of each workspace between ticks and
restarts (one row per workspace, one instant per column)."""

from __future__ import annotations

from datetime import datetime

from bot.store.base import Aggregate, dt, iso

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

    def set_tz_refreshed_at(self, workspace_id: str, at: datetime) -> None:
        self._set(workspace_id, "tz_refreshed_at", at)

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

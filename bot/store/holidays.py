"""`store.holidays`: the days a workspace takes off (no nudges on them)."""

from __future__ import annotations

from datetime import date

from bot.store.base import Aggregate


class Holidays(Aggregate):
    def add(self, workspace_id: str, days: list[date]) -> int:
        """Add workspace holidays; returns how many were new."""
        return self._each(workspace_id, days,
                          "INSERT OR IGNORE INTO holidays (workspace_id, day) VALUES (?, ?)")

    def remove(self, workspace_id: str, days: list[date]) -> int:
        """Remove workspace holidays; returns how many there were."""
        return self._each(workspace_id, days,
                          "DELETE FROM holidays WHERE workspace_id = ? AND day = ?")

    def _each(self, workspace_id: str, days: list[date], sql: str) -> int:
        with self.atomic() as db:
            changed = sum(db.execute(sql, [workspace_id, day.isoformat()]).rowcount
                          for day in days)
            if changed:  # a day off more or less moves members' next nudge
                self._store.members.look_again(workspace_id)
            return changed

    def of(self, workspace_id: str, since: date | None = None) -> list[date]:
        """The workspace's holidays (from `since` on), in order."""
        rows = self.db.query(
            "SELECT day FROM holidays WHERE workspace_id = ? AND day >= ? ORDER BY day",
            [workspace_id, since.isoformat() if since else ""],
        )
        return [date.fromisoformat(r["day"]) for r in rows]

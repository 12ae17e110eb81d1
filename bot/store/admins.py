"""`store.admins`: the Headway admins a workspace admin named (workspace admins and owners
are Headway admins by Slack's own say, and are not stored)."""

from __future__ import annotations

from datetime import datetime

from bot.store.base import Aggregate, iso


class Admins(Aggregate):
    def add(self, workspace_id: str, user_id: str, added_by: str, now: datetime) -> bool:
        """Name `user_id` a Headway admin; False when they already were one."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO headway_admins (workspace_id, user_id, added_by, created_at) "
            "VALUES (?, ?, ?, ?)",
            [workspace_id, user_id, added_by, iso(now)],
        )
        return cur.rowcount == 1

    def remove(self, workspace_id: str, user_id: str) -> bool:
        """False when `user_id` was not a named admin."""
        cur = self.db.execute(
            "DELETE FROM headway_admins WHERE workspace_id = ? AND user_id = ?",
            [workspace_id, user_id])
        return cur.rowcount == 1

    def of(self, workspace_id: str) -> list[str]:
        """The user ids of the workspace's named admins, in the order they were named."""
        return [r["user_id"] for r in self.db.query(
            "SELECT user_id FROM headway_admins WHERE workspace_id = ? "
            "ORDER BY created_at, user_id", [workspace_id])]

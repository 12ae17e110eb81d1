"""`store.messages`: the Slack messages Headway handled without storing a reply (answered
with a note) or whose reply the member deleted: a redelivery of either must do nothing.
Slack stops redelivering after a while, so the rows are purged after that."""

from __future__ import annotations

from datetime import datetime

from bot.store.base import Aggregate, iso


class Messages(Aggregate):
    def note(self, workspace_id: str, channel: str, ts: str, user_id: str,
             now: datetime) -> bool:
        """Claim the right to answer DM message (channel, ts) with a note instead of storing
        it; False when it was handled before (a redelivery: send nothing)."""
        cur = self.db.execute(
            "INSERT INTO handled_messages (workspace_id, channel, ts, user_id, outcome, "
            "handled_at) VALUES (?, ?, ?, ?, 'noted', ?) "
            "ON CONFLICT (workspace_id, channel, ts) DO NOTHING",
            [workspace_id, channel, ts, user_id, iso(now)],
        )
        return cur.rowcount > 0

    def note_deleted(self, workspace_id: str, channel: str, ts: str, user_id: str,
                     now: datetime) -> None:
        """Remember that the member deleted message (channel, ts), whatever was noted of
        it before, so a late redelivery of the original cannot bring its answer back."""
        self.db.execute(
            "INSERT INTO handled_messages (workspace_id, channel, ts, user_id, outcome, "
            "handled_at) VALUES (?, ?, ?, ?, 'deleted', ?) ON CONFLICT (workspace_id, channel, "
            "ts) DO UPDATE SET outcome = 'deleted', handled_at = excluded.handled_at",
            [workspace_id, channel, ts, user_id, iso(now)],
        )

    def outcome(self, workspace_id: str, channel: str, ts: str) -> str | None:
        """'noted', 'deleted', or None for a message not handled this way."""
        rows = list(self.db.query(
            "SELECT outcome FROM handled_messages WHERE workspace_id = ? AND channel = ? "
            "AND ts = ?",
            [workspace_id, channel, ts]))
        return rows[0]["outcome"] if rows else None

    def purge_before(self, before: datetime) -> int:
        """Forget handled messages older than `before` (Slack stopped redelivering them)."""
        return self.db.execute("DELETE FROM handled_messages WHERE handled_at < ?",
                               [iso(before)]).rowcount

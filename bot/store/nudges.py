"""`store.nudges`: the delivery ledger, with the member's skipped weeks and the nudges
downtime made Headway miss.

The ledger is what makes a nudge go out at most once: a row is claimed (the unique key
is workspace, member, prompt and period) before the DM is sent, and a claim is only
ever released when Slack refused the DM.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.model import Nudge
from bot.store.base import Aggregate, and_equal, dt, from_row, is_rowid, iso, marks


class Nudges(Aggregate):
    def claim(
        self, workspace_id: str, user_id: str, prompt_id: str, period: str, now: datetime,
        claimed_by: str | None = None,
    ) -> Nudge | None:
        """Claim the right to send this nudge; None when it was ever claimed before."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO nudges (workspace_id, user_id, prompt_id, period, status, "
            "claimed_at, claimed_by) VALUES (?, ?, ?, ?, 'claimed', ?, ?)",
            [workspace_id, user_id, prompt_id, period, iso(now), claimed_by],
        )
        if cur.rowcount == 0:
            return None
        return self.get(cur.lastrowid)

    def mark_sent(self, nudge_id: int, channel: str, ts: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE nudges SET status = 'sent', channel = ?, ts = ?, sent_at = ?, error = NULL "
            "WHERE id = ?",
            [channel, ts, iso(now), nudge_id],
        )

    def mark_failed(self, nudge_id: int, error: str) -> None:
        self.db.execute(
            "UPDATE nudges SET status = 'failed', error = ? WHERE id = ?", [error, nudge_id])

    def release(self, nudge_id: int) -> None:
        """Drop a claim whose DM Slack refused, so a later attempt may send it."""
        self.db.execute(
            "DELETE FROM nudges WHERE id = ? AND status IN ('claimed', 'failed') AND ts IS NULL",
            [nudge_id],
        )

    def unconfirmed_claims(self, before: datetime, not_by: str | None = None,
                           workspace_id: str | None = None) -> list[Nudge]:
        """Claims never marked sent that are older than `before`, or (any age) made by a
        process other than `not_by`: their process died mid-send (of one workspace, or
        of all). Found through the index of claims, not by reading the ledger."""
        where, params = and_equal({"workspace_id": workspace_id})
        return [_nudge(r) for r in self.db.query(
            # INDEXED BY: the claims' partial index holds only the few unconfirmed rows;
            # without it SQLite reads the whole ledger (the OR defeats its planner).
            "SELECT * FROM nudges INDEXED BY nudges_unconfirmed WHERE status = 'claimed' "
            "AND (claimed_at < ? OR (? IS NOT NULL AND coalesce(claimed_by, '') != ?))"
            f"{where} ORDER BY id", [iso(before), not_by, not_by, *params])]

    def snooze(self, nudge_id: int, until: datetime) -> None:
        self.db.execute(
            "UPDATE nudges SET snoozed_until = ?, reminded_at = NULL WHERE id = ?",
            [iso(until), nudge_id],
        )

    def claim_reminder(self, nudge_id: int, now: datetime) -> bool:
        """A snoozed nudge is reminded once: claim that reminder."""
        cur = self.db.execute(
            "UPDATE nudges SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL "
            "AND snoozed_until IS NOT NULL AND snoozed_until <= ? AND status = 'sent'",
            [iso(now), nudge_id, iso(now)],
        )
        return cur.rowcount > 0

    def due_reminders(self, now: datetime, workspace_id: str | None = None) -> list[Nudge]:
        """Snoozed nudges, still unanswered, whose snooze is over and not yet reminded (of
        one workspace, or of all): through the index of snoozes."""
        where, params = and_equal({"workspace_id": workspace_id})
        return self._nudges(
            "status = 'sent' AND reminded_at IS NULL AND snoozed_until IS NOT NULL "
            f"AND snoozed_until <= ?{where}", [iso(now), *params])

    def get(self, nudge_id: int | None) -> Nudge | None:
        if not is_rowid(nudge_id):
            return None  # e.g. a forged button value too big for SQLite: no such row
        return next(iter(self._nudges("id = ?", [nudge_id])), None)

    def of(
        self,
        workspace_id: str,
        user_id: str | None = None,
        period: str | None = None,
        statuses: Sequence[str] | None = None,
    ) -> list[Nudge]:
        """The workspace's ledger rows (of one member, period, statuses), oldest first."""
        where, params = and_equal({"user_id": user_id, "period": period})
        if statuses:
            where += f" AND status IN ({marks(statuses)})"
            params.extend(statuses)
        return self._nudges("workspace_id = ?" + where, [workspace_id, *params])

    def newest_open(self, workspace_id: str, user_id: str) -> Nudge | None:
        """The member's latest nudge sent and not yet answered or skipped."""
        rows = list(self.db.query(
            "SELECT * FROM nudges WHERE workspace_id = ? AND user_id = ? AND status = 'sent' "
            "ORDER BY sent_at DESC, id DESC LIMIT 1", [workspace_id, user_id]))
        return _nudge(rows[0]) if rows else None

    def at(self, workspace_id: str, user_id: str, channel: str, ts: str) -> Nudge | None:
        """The member's nudge posted as message (channel, ts): a reply in its thread
        answers it."""
        return next(iter(self._nudges(
            "workspace_id = ? AND user_id = ? AND channel = ? AND ts = ?",
            [workspace_id, user_id, channel, ts])), None)

    def prompt_history(self, workspace_id: str, user_id: str,
                       limit: int = 52) -> list[tuple[str, str]]:
        """(period, prompt_id) of the member's latest nudges, newest first."""
        rows = self.db.query(
            "SELECT period, prompt_id FROM nudges WHERE workspace_id = ? AND user_id = ? "
            "ORDER BY period DESC, id DESC LIMIT ?",
            [workspace_id, user_id, limit],
        )
        return [(r["period"], r["prompt_id"]) for r in rows]

    def _nudges(self, where: str, params: list[Any]) -> list[Nudge]:
        return [_nudge(r) for r in self.db.query(
            f"SELECT * FROM nudges WHERE {where} ORDER BY id", params)]

    # ── "skip this week", and nudges downtime missed ─────────────────────────

    def skip_period(self, workspace_id: str, user_id: str, period: str, now: datetime) -> bool:
        """Record "skip this week"; open nudges of that period are closed as skipped.
        False when the week was skipped already."""
        with self.atomic() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO skips (workspace_id, user_id, period, created_at) "
                "VALUES (?, ?, ?, ?)",
                [workspace_id, user_id, period, iso(now)],
            )
            db.execute(
                "UPDATE nudges SET status = 'skipped' WHERE workspace_id = ? AND user_id = ? "
                "AND period = ? AND status = 'sent'",
                [workspace_id, user_id, period],
            )
        return cur.rowcount > 0

    def is_skipped(self, workspace_id: str, user_id: str, period: str) -> bool:
        rows = self.db.query(
            "SELECT 1 FROM skips WHERE workspace_id = ? AND user_id = ? AND period = ?",
            [workspace_id, user_id, period],
        )
        return next(iter(rows), None) is not None

    def record_missed(self, workspace_id: str, user_id: str, scheduled_at: datetime,
                      period: str, now: datetime) -> bool:
        """Remember a nudge that fell due while Headway was down; False when known."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO missed_nudges (workspace_id, user_id, scheduled_at, period, "
            "recorded_at) VALUES (?, ?, ?, ?, ?)",
            [workspace_id, user_id, iso(scheduled_at), period, iso(now)],
        )
        return cur.rowcount > 0

    def missed(self, workspace_id: str, user_id: str | None = None) -> list[dict[str, Any]]:
        """The nudges downtime missed (user_id, scheduled_at, period), in time order."""
        where, params = and_equal({"user_id": user_id})
        return list(self.db.query(
            f"SELECT user_id, scheduled_at, period FROM missed_nudges WHERE workspace_id = ?"
            f"{where} ORDER BY scheduled_at, user_id", [workspace_id, *params]))


def _nudge(r: dict[str, Any]) -> Nudge:
    return from_row(Nudge, r, claimed_at=datetime.fromisoformat(r["claimed_at"]),
                    sent_at=dt(r["sent_at"]), snoozed_until=dt(r["snoozed_until"]),
                    reminded_at=dt(r["reminded_at"]))

"""`store.reminders`: the gentle reminders' delivery ledger, the open questions they may
be about, and what a team's leads see of who has answered.

The ledger works as the nudges' does: a row is claimed (unique: workspace, member, kind,
period) before the DM is sent, so a reminder goes at most once, ever; a claim is released
only when Slack refused the DM, and a claim a crashed process left is settled from the DM
history (`bot.reminders`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.reminders import Snooze
from bot.core.status import MemberWeek
from bot.store.base import Aggregate, dt, iso, marks
from bot.store.members import _member

WORK = "reminder:work"  # the one kind so far: the weekly work question


@dataclass(frozen=True)
class Reminder:
    """A row of the reminders' ledger."""

    id: int
    workspace_id: str
    user_id: str
    kind: str
    period: str
    nudge_id: int
    status: str  # claimed | sent | failed
    claimed_at: datetime
    claimed_by: str | None = None
    sent_at: datetime | None = None
    channel: str | None = None
    ts: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class OpenQuestion:
    """A work question sent and still open (neither answered nor skipped) that has had no
    reminder: what the tick considers."""

    nudge_id: int
    workspace_id: str
    user_id: str
    prompt_id: str
    period: str
    sent_at: datetime


class Reminders(Aggregate):
    # ── the ledger ───────────────────────────────────────────────────────────

    def claim(self, workspace_id: str, user_id: str, period: str, nudge_id: int,
              now: datetime, *, kind: str = WORK, claimed_by: str | None = None
              ) -> Reminder | None:
        """Claim the right to send this reminder; None when it was ever claimed before."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO reminders (workspace_id, user_id, kind, period, nudge_id, "
            "status, claimed_at, claimed_by) VALUES (?, ?, ?, ?, ?, 'claimed', ?, ?)",
            [workspace_id, user_id, kind, period, nudge_id, iso(now), claimed_by])
        if cur.rowcount == 0:
            return None
        return self.get(int(cur.lastrowid or 0))

    def mark_sent(self, reminder_id: int, channel: str, ts: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE reminders SET status = 'sent', channel = ?, ts = ?, sent_at = ?, "
            "error = NULL WHERE id = ?", [channel, ts, iso(now), reminder_id])

    def mark_failed(self, reminder_id: int, error: str) -> None:
        """Slack can never deliver it (the member is gone): kept, so it is not tried again."""
        self.db.execute("UPDATE reminders SET status = 'failed', error = ? WHERE id = ?",
                        [error, reminder_id])

    def release(self, reminder_id: int) -> None:
        """Drop a claim whose DM did not reach Slack, so a later tick may send it."""
        self.db.execute("DELETE FROM reminders WHERE id = ? AND status = 'claimed' "
                        "AND ts IS NULL", [reminder_id])

    def unconfirmed_claims(self, before: datetime, not_by: str | None = None
                           ) -> list[Reminder]:
        """Claims never marked sent that are older than `before`, or (any age) made by a
        process other than `not_by`: their process died mid-send."""
        return self._reminders(
            "status = 'claimed' AND (claimed_at < ? OR "
            "(? IS NOT NULL AND coalesce(claimed_by, '') != ?))", [iso(before), not_by, not_by])

    def get(self, reminder_id: int) -> Reminder | None:
        return next(iter(self._reminders("id = ?", [reminder_id])), None)

    def of(self, workspace_id: str, user_id: str | None = None) -> list[Reminder]:
        """The workspace's reminders (of one member), oldest first."""
        if user_id is None:
            return self._reminders("workspace_id = ?", [workspace_id])
        return self._reminders("workspace_id = ? AND user_id = ?", [workspace_id, user_id])

    def _reminders(self, where: str, params: list[Any]) -> list[Reminder]:
        return [_reminder(r) for r in self.db.query(
            f"SELECT * FROM reminders WHERE {where} ORDER BY id", params)]

    # ── what the tick considers ──────────────────────────────────────────────

    def open_questions(self, work_prompts: Sequence[str], since: str, *,
                       workspace_id: str | None = None, kind: str = WORK
                       ) -> list[OpenQuestion]:
        """The work questions (nudges of the prompts `work_prompts`) of periods from `since`
        on that were sent and are still open, to active members of workspaces Headway still
        serves, with no reminder of `kind` claimed for that member and period. Walks the
        open nudges of those weeks only (index `nudges_open_by_period`), whatever the
        history."""
        if not work_prompts:
            return []
        where = " AND n.workspace_id = ?" if workspace_id is not None else ""
        rows = self.db.query(
            "SELECT n.id, n.workspace_id, n.user_id, n.prompt_id, n.period, n.sent_at "
            "FROM nudges n "
            "JOIN workspaces w ON w.workspace_id = n.workspace_id "
            "JOIN members m ON m.workspace_id = n.workspace_id AND m.user_id = n.user_id "
            f"WHERE n.status = 'sent' AND n.period >= ? AND n.prompt_id IN "
            f"({marks(work_prompts)}){where} AND n.sent_at IS NOT NULL "
            "AND w.uninstalled_at IS NULL AND m.active = 1 "
            "AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.workspace_id = n.workspace_id "
            "AND r.user_id = n.user_id AND r.kind = ? AND r.period = n.period) "
            "ORDER BY n.workspace_id, n.user_id, n.period",
            [since, *work_prompts, *([workspace_id] if workspace_id is not None else []),
             kind])
        return [OpenQuestion(r["id"], r["workspace_id"], r["user_id"], r["prompt_id"],
                             r["period"], datetime.fromisoformat(r["sent_at"])) for r in rows]

    def answered(self, workspace_id: str, user_id: str, period: str) -> bool:
        """Is a `work` answer of the member's for `period` stored (by DM, form or command)?"""
        return next(iter(self.db.query(
            "SELECT 1 FROM replies WHERE workspace_id = ? AND user_id = ? AND period = ? "
            "AND kind = 'work' LIMIT 1", [workspace_id, user_id, period])), None) is not None

    def snoozes(self, workspace_id: str, user_id: str, since: datetime) -> list[Snooze]:
        """The member's snoozes that matter to a reminder now: those still to come back
        (snoozed, not yet reminded, the question still open) and those whose snooze
        reminder went out after `since`."""
        return [Snooze(datetime.fromisoformat(r["snoozed_until"]), dt(r["reminded_at"]))
                for r in self.db.query(
                    "SELECT snoozed_until, reminded_at FROM nudges WHERE workspace_id = ? "
                    "AND user_id = ? AND snoozed_until IS NOT NULL AND ((reminded_at IS NULL "
                    "AND status = 'sent') OR reminded_at >= ?) ORDER BY id",
                    [workspace_id, user_id, iso(since)])]

    # ── what a team's leads see ──────────────────────────────────────────────

    def team_week(self, team_id: int, period: str, work_prompts: Sequence[str]
                  ) -> list[MemberWeek]:
        """Each active member of the team in `period` (its span of weeks), by user id, with
        whether they answered the work question of that period, skipped it, or were asked
        it (a nudge of one of `work_prompts` reached them)."""
        prompts = list(work_prompts) or [""]
        rows = self.db.query(
            "SELECT m.*, "
            "EXISTS (SELECT 1 FROM replies r WHERE r.workspace_id = m.workspace_id "
            "AND r.user_id = m.user_id AND r.period = ? AND r.kind = 'work') AS answered, "
            "EXISTS (SELECT 1 FROM skips s WHERE s.workspace_id = m.workspace_id "
            "AND s.user_id = m.user_id AND s.period = ?) AS skipped, "
            "EXISTS (SELECT 1 FROM nudges n WHERE n.workspace_id = m.workspace_id "
            "AND n.user_id = m.user_id AND n.period = ? AND n.prompt_id IN "
            f"({marks(prompts)}) AND n.sent_at IS NOT NULL) AS asked "
            "FROM team_members tm JOIN members m ON m.workspace_id = tm.workspace_id "
            "AND m.user_id = tm.user_id WHERE tm.team_id = ? AND m.active = 1 "
            "AND tm.since <= ? AND (tm.until IS NULL OR ? < tm.until) "
            "GROUP BY m.user_id ORDER BY m.user_id",
            [period, period, period, *prompts, team_id, period, period])
        return [MemberWeek(_member(r), bool(r["answered"]), bool(r["skipped"]),
                           bool(r["asked"])) for r in rows]


def _reminder(r: dict[str, Any]) -> Reminder:
    return Reminder(
        id=r["id"], workspace_id=r["workspace_id"], user_id=r["user_id"], kind=r["kind"],
        period=r["period"], nudge_id=r["nudge_id"], status=r["status"],
        claimed_at=datetime.fromisoformat(r["claimed_at"]), claimed_by=r["claimed_by"],
        sent_at=dt(r["sent_at"]), channel=r["channel"], ts=r["ts"], error=r["error"])

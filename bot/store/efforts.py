"""`store.efforts`: the members' answers to the effort question ("how much of your week
went to keeping the lights on?"), one per workspace, member and period.

The key is the claim: tapping again changes the answer in place, and the same tap twice
(a double click, a redelivered request) changes nothing. A change marks the posted digests
of its period for a rebuild, in its own transaction (`store.digests.mark_dirty`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlite_utils import Database

from bot.core.effort import EffortAnswer, EffortChoice, is_choice
from bot.store.base import Aggregate, iso, marks


class Efforts(Aggregate):
    def answer(self, workspace_id: str, user_id: str, period: str, choice: EffortChoice,
               now: datetime) -> bool:
        """Store the member's answer for `period`; True when it changed what was stored
        (a first answer or a different one), False for the same answer again."""
        if not is_choice(choice):
            raise ValueError(f"not an answer to the effort question: {choice!r}")
        with self.atomic() as db:
            cur = db.execute(
                "INSERT INTO efforts (workspace_id, user_id, period, choice, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (workspace_id, user_id, period) DO UPDATE SET "
                "choice = excluded.choice, updated_at = excluded.updated_at "
                "WHERE efforts.choice != excluded.choice",
                [workspace_id, user_id, period, choice, iso(now), iso(now)],
            )
            changed = cur.rowcount > 0
            if changed:
                self._store.digests.mark_dirty(db, workspace_id, [period], author=user_id)
        return changed

    def get(self, workspace_id: str, user_id: str, period: str) -> EffortChoice | None:
        rows = list(self.db.query(
            "SELECT choice FROM efforts WHERE workspace_id = ? AND user_id = ? AND period = ?",
            [workspace_id, user_id, period]))
        return rows[0]["choice"] if rows else None

    def of_period(self, workspace_id: str, period: str,
                  user_ids: Iterable[str] | None = None) -> list[EffortAnswer]:
        """The answers of one period (of these members only, when `user_ids` is given)."""
        sql = "SELECT user_id, period, choice FROM efforts WHERE workspace_id = ? AND period = ?"
        params: list[str] = [workspace_id, period]
        if user_ids is not None:
            wanted = sorted(set(user_ids))
            if not wanted:
                return []
            sql += f" AND user_id IN ({marks(wanted)})"
            params += wanted
        return [EffortAnswer(r["user_id"], r["period"], r["choice"])
                for r in self.db.query(sql + " ORDER BY user_id", params)]

    def of_member(self, workspace_id: str, user_id: str,
                  periods: Iterable[str]) -> dict[str, EffortChoice]:
        """The member's answers in these periods, by period (periods unanswered left out)."""
        periods = list(periods)
        if not periods:
            return {}
        return {r["period"]: r["choice"] for r in self.db.query(
            f"SELECT period, choice FROM efforts WHERE workspace_id = ? AND user_id = ? "
            f"AND period IN ({marks(periods)})", [workspace_id, user_id, *periods])}

    def purge_before(self, db: Database, workspace_id: str, cutoff: datetime) -> int:
        """Retention, inside the purge's transaction (`db`): answers first given before
        `cutoff` go, as the replies of that age do."""
        return db.execute("DELETE FROM efforts WHERE workspace_id = ? AND created_at < ?",
                          [workspace_id, iso(cutoff.astimezone(UTC))]).rowcount

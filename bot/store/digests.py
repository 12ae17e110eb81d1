"""`store.digests` and `store.rollups`: the weekly posts claimed and posted, one per
workspace, channel and period. The claim (a row inserted before the post) keeps a digest
from going out twice; `dirty` says a posted digest shows something that changed since it
was built."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from bot.core.model import DigestRecord
from bot.store.base import Aggregate, dt, from_row, iso, marks

if TYPE_CHECKING:
    from bot.store import Store


class Digests(Aggregate):
    """`store.digests` (the teams' digests) and `store.rollups` (the leaders' rollups): the
    same ledger rules, a table each."""

    def __init__(self, store: Store, table: str = "digests") -> None:
        super().__init__(store)
        self.table = table

    def claim(self, workspace_id: str, channel: str, period: str, now: datetime, *,
              team_id: int | None = None) -> DigestRecord | None:
        """Claim the right to post this digest; None when it was claimed before."""
        columns, values = "workspace_id, channel, period, status, claimed_at", [
            workspace_id, channel, period, "claimed", iso(now)]
        if team_id is not None:  # a team's digest (a rollup is the workspace's)
            columns, values = columns + ", team_id", [*values, team_id]
        cur = self.db.execute(
            f"INSERT OR IGNORE INTO {self.table} ({columns}) VALUES ({marks(values)})", values)
        if cur.rowcount == 0:
            return None
        return self.get(workspace_id, channel, period)

    def get(self, workspace_id: str, channel: str, period: str) -> DigestRecord | None:
        return self._one("workspace_id = ? AND channel = ? AND period = ?",
                         [workspace_id, channel, period])

    def of(self, workspace_id: str) -> list[DigestRecord]:
        """The workspace's digests, in the order they were claimed."""
        return [_digest(r) for r in self.db.query(
            f"SELECT * FROM {self.table} WHERE workspace_id = ? ORDER BY id", [workspace_id])]

    def latest_posted(self, workspace_id: str, channel: str) -> DigestRecord | None:
        """The newest digest posted to this channel (by period)."""
        return self._one("workspace_id = ? AND channel = ? AND ts IS NOT NULL "
                         "ORDER BY period DESC LIMIT 1", [workspace_id, channel])

    def dirty_latest(self) -> list[DigestRecord]:
        """The posted messages marked for a rebuild that are the newest posted in their
        channel (the one a late change updates), in every workspace: an index on the
        marked rows, so an idle lane reads nothing."""
        return [_digest(r) for r in self.db.query(
            f"SELECT d.* FROM {self.table} d WHERE d.dirty = 1 AND d.ts IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {self.table} n WHERE n.workspace_id = "
            f"d.workspace_id AND n.channel = d.channel AND n.ts IS NOT NULL "
            f"AND n.period > d.period) ORDER BY d.workspace_id, d.id")]

    def _one(self, where: str, params: list[Any]) -> DigestRecord | None:
        rows = list(self.db.query(f"SELECT * FROM {self.table} WHERE {where}", params))
        return _digest(rows[0]) if rows else None

    def mark_posted(self, digest_id: int, ts: str, thread_ts: Sequence[str],
                    now: datetime) -> None:
        """The digest is in Slack as message `ts` (with `thread_ts` below it), as of `now`:
        its first post time stays the first one."""
        self.db.execute(
            f"UPDATE {self.table} SET status = 'posted', ts = ?, thread_ts = ?, "
            "posted_at = coalesce(posted_at, ?), updated_at = ?, error = NULL WHERE id = ?",
            [ts, json.dumps(list(thread_ts)), iso(now), iso(now), digest_id],
        )

    def set_dirty(self, digest_id: int, dirty: bool) -> None:
        """Cleared just before a digest is rebuilt (a change after that marks it again);
        set back when the rebuilt digest could not reach Slack."""
        self.db.execute(f"UPDATE {self.table} SET dirty = ? WHERE id = ?",
                        [int(dirty), digest_id])

    def mark_dirty(self, db: Database, workspace_id: str, periods: Iterable[str], *,
                   author: str | None = None) -> None:
        """Posted digests of these periods must be rebuilt: called inside the transaction
        of the change itself (`db`), so no change can be missed. With the `author` of the
        change, only the digests of the teams they were in that week (the others do not
        show it: no needless `chat.update` for fifty teams) and the rollups."""
        periods = sorted(set(periods))
        if not periods:
            return
        teams, by = "", []
        if author is not None:
            teams, by = (" AND (team_id IS NULL OR EXISTS (SELECT 1 FROM team_members tm "
                         "WHERE tm.team_id = digests.team_id AND tm.user_id = ? "
                         "AND tm.since <= digests.period "
                         "AND (tm.until IS NULL OR digests.period < tm.until)))"), [author]
        db.execute(f"UPDATE digests SET dirty = 1 WHERE workspace_id = ? AND period IN "
                   f"({marks(periods)}){teams}", [workspace_id, *periods, *by])
        db.execute(f"UPDATE rollups SET dirty = 1 WHERE workspace_id = ? AND period IN "
                   f"({marks(periods)})", [workspace_id, *periods])

    def mark_team_dirty(self, db: Database, team_id: int, period: str | None = None) -> None:
        """One team's posted digest of `period` must be rebuilt (default: its newest
        posted), inside the change's transaction: a change only that team's digest shows
        (a tracked problem tracked, moved, handed over or untracked)."""
        if period is None:
            db.execute("UPDATE digests SET dirty = 1 WHERE team_id = ? AND ts IS NOT NULL "
                       "AND period = (SELECT max(period) FROM digests WHERE team_id = ? "
                       "AND ts IS NOT NULL)", [team_id, team_id])
        else:
            db.execute("UPDATE digests SET dirty = 1 WHERE team_id = ? AND period = ?",
                       [team_id, period])

    def release(self, digest_id: int) -> None:
        """Forget a claim whose post never reached Slack, so it can be tried again."""
        self.db.execute(f"DELETE FROM {self.table} WHERE id = ? AND ts IS NULL", [digest_id])


def _digest(r: dict[str, Any]) -> DigestRecord:
    return from_row(DigestRecord, r, thread_ts=tuple(json.loads(r["thread_ts"])),
                    claimed_at=dt(r["claimed_at"]), updated_at=dt(r["updated_at"]),
                    dirty=bool(r.get("dirty")))

"""`store.members`: who takes part in a workspace, with their settings."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from bot.core.model import Member
from bot.store.base import Aggregate, from_row, hhmm, iso

SETTINGS = frozenset({"name", "tz", "days", "nudge_time", "paused_until", "anonymous",
                      "active", "inactive_reason", "quiet_hours"})


class Members(Aggregate):
    def upsert(self, member: Member, now: datetime) -> Member:
        """Store `member` whole, new or not (its join time stays the first one)."""
        self.db.execute(
            """
            INSERT INTO members (workspace_id, user_id, name, tz, days, nudge_time, paused_until,
                                 anonymous, active, inactive_reason, joined_at, updated_at,
                                 quiet_hours)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(workspace_id, user_id) DO UPDATE SET
                name = excluded.name, tz = excluded.tz, days = excluded.days,
                nudge_time = excluded.nudge_time, paused_until = excluded.paused_until,
                anonymous = excluded.anonymous, active = excluded.active,
                inactive_reason = excluded.inactive_reason, updated_at = excluded.updated_at,
                quiet_hours = excluded.quiet_hours
            """,
            [member.workspace_id, member.user_id, member.name, member.tz,
             *(_column(key, getattr(member, key)) for key in (
                 "days", "nudge_time", "paused_until", "anonymous", "active")),
             member.inactive_reason, iso(now), iso(now),
             _column("quiet_hours", member.quiet_hours)],
        )
        got = self.get(member.workspace_id, member.user_id)
        assert got is not None
        return got

    def get(self, workspace_id: str, user_id: str) -> Member | None:
        rows = list(self.db.query(
            "SELECT * FROM members WHERE workspace_id = ? AND user_id = ?",
            [workspace_id, user_id]))
        return _member(rows[0]) if rows else None

    def of(self, workspace_id: str, *, active_only: bool = True) -> list[Member]:
        """The workspace's members (by default only the active ones), by user id."""
        active = " AND active = 1" if active_only else ""
        return [_member(r) for r in self.db.query(
            f"SELECT * FROM members WHERE workspace_id = ?{active} ORDER BY user_id",
            [workspace_id])]

    def all_active(self) -> list[Member]:
        """The active members of every workspace, by workspace and user id."""
        return [_member(r) for r in self.db.query(
            "SELECT * FROM members WHERE active = 1 ORDER BY workspace_id, user_id")]

    def count(self, workspace_id: str) -> int:
        """How many active members the workspace has."""
        row = next(self.db.query(
            "SELECT count(*) AS n FROM members WHERE workspace_id = ? AND active = 1",
            [workspace_id]))
        return int(row["n"])

    def update(self, workspace_id: str, user_id: str, now: datetime, **fields: Any) -> Member:
        """Change some of a member's settings (`SETTINGS`); KeyError for an unknown member."""
        bad = set(fields) - SETTINGS
        if bad:
            raise ValueError(f"not member settings: {sorted(bad)}")
        sets = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(
            f"UPDATE members SET {sets}, updated_at = ? WHERE workspace_id = ? AND user_id = ?",
            [*(_column(k, v) for k, v in fields.items()), iso(now), workspace_id, user_id],
        )
        member = self.get(workspace_id, user_id)
        if member is None:
            raise KeyError(f"{workspace_id}/{user_id}")
        return member

    def set_tz(self, workspace_id: str, user_id: str, tz: str, now: datetime) -> bool:
        """Follow a time zone change in Slack; True if the member's zone changed."""
        cur = self.db.execute(
            "UPDATE members SET tz = ?, updated_at = ? WHERE workspace_id = ? AND user_id = ? "
            "AND tz != ?",
            [tz, iso(now), workspace_id, user_id, tz],
        )
        return cur.rowcount > 0

    def deactivate(self, workspace_id: str, user_id: str, reason: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE members SET active = 0, inactive_reason = ?, updated_at = ? "
            "WHERE workspace_id = ? AND user_id = ?",
            [reason, iso(now), workspace_id, user_id],
        )

    def forget(self, workspace_id: str, user_id: str) -> dict[str, int]:
        """Delete a member's replies, items, corrections, effort answers, ledger rows, team
        memberships and leads, and settings, in one transaction; posted digests that showed
        their answers are marked for a rebuild. Their team's tracked problems stay: they no
        longer own any, and the follow-up answers they gave go
        (`store.problems.forget_member`)."""
        who = [workspace_id, user_id]
        counts: dict[str, int] = {}
        with self.atomic() as db:
            self._store.digests.mark_dirty(
                db, workspace_id, self._store.replies.periods_of(workspace_id, user_id),
                author=user_id)
            db.execute("DELETE FROM handled_messages WHERE workspace_id = ? AND user_id = ?",
                       who)
            counts["corrections"] = db.execute(
                "DELETE FROM corrections WHERE workspace_id = ? AND (user_id = ? OR item_id IN "
                "(SELECT i.id FROM items i JOIN replies r ON r.id = i.reply_id "
                "WHERE r.workspace_id = ? AND r.user_id = ?))", who + who).rowcount
            counts["items"] = db.execute(
                "DELETE FROM items WHERE reply_id IN (SELECT id FROM replies "
                "WHERE workspace_id = ? AND user_id = ?)", who).rowcount
            self._store.digests.mark_dirty(db, workspace_id, [r["period"] for r in db.query(
                "SELECT period FROM efforts WHERE workspace_id = ? AND user_id = ?", who)],
                author=user_id)
            counts.update(self._store.problems.forget_member(db, workspace_id, user_id))
            for table, key in (("replies", "replies"), ("nudges", "nudges"), ("skips", None),
                               ("efforts", None), ("missed_nudges", None),
                               ("headway_admins", None), ("team_members", None),
                               ("team_leads", None), ("members", "member")):
                deleted = db.execute(
                    f"DELETE FROM {table} WHERE workspace_id = ? AND user_id = ?", who).rowcount
                if key is not None:
                    counts[key] = deleted
        return counts


def _column(key: str, value: Any) -> Any:
    """A member setting as its column stores it."""
    if key == "days":
        return ",".join(str(d) for d in value)
    if key == "nudge_time":
        return hhmm(value)
    if key == "paused_until":
        return value.isoformat() if value else None
    if key in {"anonymous", "active"}:
        return int(value)
    if key == "quiet_hours":
        return f"{hhmm(value[0])}-{hhmm(value[1])}" if value else None
    return value


def _quiet_hours(text: str | None) -> tuple[time, time] | None:
    if not text:
        return None
    begin, end = text.split("-")
    return time.fromisoformat(begin), time.fromisoformat(end)


def _member(r: dict[str, Any]) -> Member:
    return from_row(
        Member, r,
        days=tuple(int(d) for d in r["days"].split(",") if d != ""),
        nudge_time=time.fromisoformat(r["nudge_time"]),
        paused_until=date.fromisoformat(r["paused_until"]) if r["paused_until"] else None,
        anonymous=bool(r["anonymous"]),
        active=bool(r["active"]),
        quiet_hours=_quiet_hours(r.get("quiet_hours")),
    )

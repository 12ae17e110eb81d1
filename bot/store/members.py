"""`store.members`: who takes part in a workspace, with their settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.core.model import Member
from bot.store.base import Aggregate, dt, from_row, hhmm, iso, utc_iso

SETTINGS = frozenset({"name", "tz", "days", "nudge_time", "paused_until", "anonymous",
                      "active", "inactive_reason", "quiet_hours"})


def _look_again(active: str) -> str:
    """SET terms after a change that may move the member's next nudge: the scheduler looks
    at them at the next tick (''), unless they are overdue already (a nudge fell due while
    nobody looked: that instant stays, so what downtime made them miss is still recorded);
    inactive (`active` is the SQL for the new value): never. `?` is now (`utc_iso`)."""
    return (f"next_due_at = CASE WHEN NOT {active} THEN NULL "
            "WHEN next_due_at != '' AND next_due_at <= ? THEN next_due_at ELSE '' END, "
            "due_rev = due_rev + 1")


@dataclass(frozen=True)
class DueMember:
    """A member the scheduler has to look at now. `since`: the instant from which their
    occurrences were not looked at yet (None: no such instant is known: they just joined
    or changed their settings); `rev` is handed back to `set_next_due`."""

    member: Member
    since: datetime | None
    rev: int


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
                quiet_hours = excluded.quiet_hours, """ + _look_again("excluded.active") + """
            """,
            [member.workspace_id, member.user_id, member.name, member.tz,
             *(_column(key, getattr(member, key)) for key in (
                 "days", "nudge_time", "paused_until", "anonymous", "active")),
             member.inactive_reason, iso(now), iso(now),
             _column("quiet_hours", member.quiet_hours), utc_iso(now)],
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
        active = "?" if "active" in fields else "active"
        self.db.execute(
            f"UPDATE members SET {sets}, updated_at = ?, {_look_again(active)} "
            f"WHERE workspace_id = ? AND user_id = ?",
            [*(_column(k, v) for k, v in fields.items()), iso(now),
             *([int(bool(fields["active"]))] if "active" in fields else []), utc_iso(now),
             workspace_id, user_id],
        )
        member = self.get(workspace_id, user_id)
        if member is None:
            raise KeyError(f"{workspace_id}/{user_id}")
        return member

    def set_tz(self, workspace_id: str, user_id: str, tz: str, now: datetime) -> bool:
        """Follow a time zone change in Slack; True if the member's zone changed."""
        cur = self.db.execute(
            f"UPDATE members SET tz = ?, updated_at = ?, {_look_again('active')} "
            "WHERE workspace_id = ? AND user_id = ? AND tz != ?",
            [tz, iso(now), utc_iso(now), workspace_id, user_id, tz],
        )
        return cur.rowcount > 0

    def deactivate(self, workspace_id: str, user_id: str, reason: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE members SET active = 0, inactive_reason = ?, updated_at = ?, "
            "next_due_at = NULL, due_rev = due_rev + 1 WHERE workspace_id = ? AND user_id = ?",
            [reason, iso(now), workspace_id, user_id],
        )

    # ── when the scheduler looks at each member (see migration m012_next_due) ──────

    def due_workspaces(self, now: datetime) -> list[str]:
        """The installed workspaces with a member the scheduler has to look at by `now`:
        one range over the next-due index, whatever the number of workspaces."""
        # INDEXED BY: without table statistics SQLite would rather walk the primary key.
        return [r["workspace_id"] for r in self.db.query(
            "SELECT DISTINCT m.workspace_id FROM members m INDEXED BY members_next_due "
            "JOIN workspaces w ON w.workspace_id = m.workspace_id WHERE m.next_due_at <= ? "
            "AND m.active = 1 AND w.uninstalled_at IS NULL ORDER BY m.workspace_id",
            [utc_iso(now)])]

    def due(self, workspace_id: str, now: datetime) -> list[DueMember]:
        """The workspace's active members the scheduler has to look at by `now`."""
        return [DueMember(_member(r), dt(r["next_due_at"] or None), r["due_rev"])
                for r in self.db.query(
                    "SELECT * FROM members WHERE workspace_id = ? AND active = 1 "
                    "AND next_due_at <= ? ORDER BY user_id", [workspace_id, utc_iso(now)])]

    def set_next_due(self, workspace_id: str, user_id: str, at: datetime | None,
                     rev: int) -> bool:
        """Look at the member again at `at` (None: only after a change of settings).
        Nothing is stored when their settings changed since `rev` was read (the change
        has them looked at at the next tick); False then."""
        cur = self.db.execute(
            "UPDATE members SET next_due_at = ? WHERE workspace_id = ? AND user_id = ? "
            "AND due_rev = ? AND active = 1",
            [None if at is None else utc_iso(at), workspace_id, user_id, rev])
        return cur.rowcount > 0

    def look_again(self, workspace_id: str, user_id: str | None = None) -> None:
        """Have the scheduler look at the member (every active member of the workspace,
        with no `user_id`) at the next tick: something their next nudge depends on
        changed (a holiday, the workspace's zone, a claim released)."""
        who = " AND user_id = ?" if user_id is not None else ""
        self.db.execute(
            f"UPDATE members SET next_due_at = '', due_rev = due_rev + 1 "
            f"WHERE workspace_id = ? AND active = 1{who}",
            [workspace_id, *([user_id] if user_id is not None else [])])

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

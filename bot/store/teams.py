"""`store.teams`: the teams inside a workspace, who is in each (as spans of weeks), and
who leads each.

A membership is a span of periods, `since` up to (not including) `until`: a team's digest
for a week counts the people who were in the team that week, so moving someone leaves the
old team's past weeks as they were posted. A person is in at most one open span per team.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, time
from typing import Any

from bot.core.model import Team
from bot.core.teams import team_key
from bot.store.base import Aggregate, from_row, hhmm, iso, utc_iso

# A change to any of these moves the digest's next due instant: looked at on the next tick.
SCHEDULE = frozenset({"digest_channel", "digest_day", "digest_time", "tz"})
SETTINGS = frozenset({"name", "digest_channel", "digest_day", "digest_time", "tz", "pack",
                      "target", "reminder_hours"})


class TeamConflict(Exception):
    """The name or the channel is another team's already; the message says which."""


class Teams(Aggregate):
    # ── teams ────────────────────────────────────────────────────────────────

    def create(self, workspace_id: str, name: str, now: datetime, *,
               created_by: str | None = None, digest_channel: str | None = None,
               tz: str = "UTC", pack: str = "default") -> Team:
        """A new team; TeamConflict when the name (whatever its case) or the channel is
        taken in this workspace."""
        try:
            cur = self.db.execute(
                "INSERT INTO teams (workspace_id, name, name_key, digest_channel, tz, pack, "
                "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [workspace_id, name, team_key(name), digest_channel, tz, pack, created_by,
                 iso(now)])
        except sqlite3.IntegrityError:
            raise self._conflict(workspace_id, name, digest_channel) from None
        team = self.get(workspace_id, int(cur.lastrowid or 0))
        assert team is not None
        return team

    def _conflict(self, workspace_id: str, name: str | None,
                  channel: str | None) -> TeamConflict:
        if name is not None and (same := self.named(workspace_id, name)) is not None:
            return TeamConflict(f"there is already a team called {same.name}")
        if channel is not None and (other := self.in_channel(workspace_id, channel)):
            return TeamConflict(f"that channel already gets the digest of {other.name}")
        return TeamConflict("that team changed meanwhile: try again")

    def get(self, workspace_id: str, team_id: int) -> Team | None:
        return self._one("workspace_id = ? AND id = ?", [workspace_id, team_id])

    def named(self, workspace_id: str, name: str) -> Team | None:
        """The team of that name, whatever its case and spacing."""
        return self._one("workspace_id = ? AND name_key = ?", [workspace_id, team_key(name)])

    def in_channel(self, workspace_id: str, channel: str) -> Team | None:
        """The team whose digest goes to `channel`."""
        return self._one("workspace_id = ? AND digest_channel = ?", [workspace_id, channel])

    def of(self, workspace_id: str) -> list[Team]:
        """The workspace's teams, by name."""
        return [_team(r) for r in self.db.query(
            "SELECT * FROM teams WHERE workspace_id = ? ORDER BY name_key", [workspace_id])]

    def with_digest_channel(self) -> list[Team]:
        """Every team with a digest channel, in the workspaces Headway still serves."""
        return [_team(r) for r in self.db.query(
            "SELECT t.* FROM teams t JOIN workspaces w ON w.workspace_id = t.workspace_id "
            "WHERE w.uninstalled_at IS NULL AND t.digest_channel IS NOT NULL "
            "ORDER BY t.workspace_id, t.id")]

    def digest_due(self, now: datetime) -> list[tuple[Team, str]]:
        """The teams whose digest is due by `now` (or whose schedule changed), in the
        workspaces Headway serves, each with the due instant read (for `set_next_digest`).
        An index range: the cost is the teams due, not all of them."""
        return [(_team(r), r["next_digest_at"]) for r in self.db.query(
            "SELECT t.* FROM teams t JOIN workspaces w ON w.workspace_id = t.workspace_id "
            "WHERE t.digest_channel IS NOT NULL AND t.next_digest_at <= ? "
            "AND w.uninstalled_at IS NULL ORDER BY t.workspace_id, t.id", [utc_iso(now)])]

    def set_next_digest(self, team_id: int, at: datetime, seen: str) -> bool:
        """The digest is next due at `at`, unless the team's schedule changed since `seen`
        was read (then the next tick looks again); True if stored."""
        return self.db.execute(
            "UPDATE teams SET next_digest_at = ? WHERE id = ? AND next_digest_at = ?",
            [utc_iso(at), team_id, seen]).rowcount == 1

    def _one(self, where: str, params: list[Any]) -> Team | None:
        rows = list(self.db.query(f"SELECT * FROM teams WHERE {where}", params))
        return _team(rows[0]) if rows else None

    def update(self, workspace_id: str, team_id: int, **fields: Any) -> Team:
        """Change some of the settings in `SETTINGS`; TeamConflict when the new name or
        channel is another team's; KeyError for an unknown team."""
        bad = set(fields) - SETTINGS
        if bad:
            raise ValueError(f"not team settings: {sorted(bad)}")
        columns = dict(fields)
        if isinstance(columns.get("digest_time"), time):
            columns["digest_time"] = hhmm(columns["digest_time"])
        if "name" in columns:
            columns["name_key"] = team_key(columns["name"])
        if SCHEDULE & set(columns):
            columns["next_digest_at"] = ""
        if columns:
            sets = ", ".join(f"{k} = ?" for k in columns)
            try:
                self.db.execute(f"UPDATE teams SET {sets} WHERE workspace_id = ? AND id = ?",
                                [*columns.values(), workspace_id, team_id])
            except sqlite3.IntegrityError:
                raise self._conflict(workspace_id, fields.get("name"),
                                     fields.get("digest_channel")) from None
        team = self.get(workspace_id, team_id)
        if team is None:
            raise KeyError(team_id)
        return team

    def delete(self, workspace_id: str, team_id: int) -> bool:
        """Remove a team, its memberships and leads; its posted digests stay as records
        (no longer tied to a team). Members keep their answers."""
        with self.atomic() as db:
            db.execute("UPDATE digests SET team_id = NULL WHERE team_id = ?", [team_id])
            return db.execute("DELETE FROM teams WHERE workspace_id = ? AND id = ?",
                              [workspace_id, team_id]).rowcount == 1

    # ── members ──────────────────────────────────────────────────────────────

    def add_member(self, workspace_id: str, team_id: int, user_id: str, period: str,
                   now: datetime, *, added_by: str | None = None) -> bool:
        """Put `user_id` in the team from `period` on; False when they already were in it.
        Someone taken out this same week is simply back, with no gap."""
        with self.atomic() as db:
            if self._current(db, team_id, user_id) is not None:
                return False
            reopened = db.execute(
                "UPDATE team_members SET until = NULL WHERE team_id = ? AND user_id = ? "
                "AND until = ?", [team_id, user_id, period]).rowcount
            if not reopened:
                db.execute(
                    "INSERT INTO team_members (workspace_id, team_id, user_id, since, "
                    "added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [workspace_id, team_id, user_id, period, added_by, iso(now)])
            return True

    def remove_member(self, team_id: int, user_id: str, period: str) -> bool:
        """Take `user_id` out of the team from `period` on (that week's digest no longer
        counts them); False when they were not in it. A span that never reached a digest
        week (added and removed in one week) is deleted."""
        with self.atomic() as db:
            row = self._current(db, team_id, user_id)
            if row is None:
                return False
            if row["since"] >= period:
                db.execute("DELETE FROM team_members WHERE id = ?", [row["id"]])
            else:
                db.execute("UPDATE team_members SET until = ? WHERE id = ?", [period, row["id"]])
            return True

    @staticmethod
    def _current(db: Any, team_id: int, user_id: str) -> dict[str, Any] | None:
        rows = list(db.query("SELECT * FROM team_members WHERE team_id = ? AND user_id = ? "
                             "AND until IS NULL", [team_id, user_id]))
        return rows[0] if rows else None

    def member_ids(self, team_id: int, *, active_only: bool = True) -> list[str]:
        """The team's people now (by default only those Headway still asks), by user id."""
        active = " AND m.active = 1" if active_only else ""
        return [r["user_id"] for r in self.db.query(
            "SELECT tm.user_id FROM team_members tm JOIN members m ON "
            "m.workspace_id = tm.workspace_id AND m.user_id = tm.user_id "
            f"WHERE tm.team_id = ? AND tm.until IS NULL{active} ORDER BY tm.user_id",
            [team_id])]

    def members_in(self, team_id: int, period: str) -> list[str]:
        """The people in the team in `period` (whether or not Headway still asks them), by
        user id: the people whose answers of that week count in its digest."""
        return [r["user_id"] for r in self.db.query(
            "SELECT DISTINCT user_id FROM team_members WHERE team_id = ? AND since <= ? "
            "AND (until IS NULL OR ? < until) ORDER BY user_id", [team_id, period, period])]

    def count_members(self, team_id: int, period: str) -> int:
        """How many people were members of the team in `period`: in it that week, and
        still asked by Headway — or taken out of the team since (a closed span), who were
        asked then. So taking someone out of the team, even out of their only one (which
        ends their questions), leaves its past weeks' counts as they were."""
        row = next(self.db.query(
            "SELECT count(DISTINCT tm.user_id) AS n FROM team_members tm JOIN members m ON "
            "m.workspace_id = tm.workspace_id AND m.user_id = tm.user_id WHERE tm.team_id = ? "
            "AND (m.active = 1 OR tm.until IS NOT NULL) AND tm.since <= ? "
            "AND (tm.until IS NULL OR ? < tm.until)",
            [team_id, period, period]))
        return int(row["n"])

    def of_member(self, workspace_id: str, user_id: str) -> list[Team]:
        """The teams `user_id` is in now, in the order they joined them."""
        return [_team(r) for r in self.db.query(
            "SELECT t.* FROM team_members tm JOIN teams t ON t.id = tm.team_id "
            "WHERE tm.workspace_id = ? AND tm.user_id = ? AND tm.until IS NULL "
            "ORDER BY tm.since, tm.id", [workspace_id, user_id])]

    def pack_of_member(self, workspace_id: str, user_id: str) -> str | None:
        """The prompt pack `user_id` is asked from: their first team's (see the README)."""
        teams = self.of_member(workspace_id, user_id)
        return teams[0].pack if teams else None

    # ── leads ────────────────────────────────────────────────────────────────

    def add_lead(self, workspace_id: str, team_id: int, user_id: str, added_by: str,
                 now: datetime) -> bool:
        """False when they already lead the team."""
        return self.db.execute(
            "INSERT OR IGNORE INTO team_leads (workspace_id, team_id, user_id, added_by, "
            "created_at) VALUES (?, ?, ?, ?, ?)",
            [workspace_id, team_id, user_id, added_by, iso(now)]).rowcount == 1

    def remove_lead(self, team_id: int, user_id: str) -> bool:
        return self.db.execute("DELETE FROM team_leads WHERE team_id = ? AND user_id = ?",
                               [team_id, user_id]).rowcount == 1

    def leads(self, team_id: int) -> list[str]:
        """The team's leads, in the order they were named."""
        return [r["user_id"] for r in self.db.query(
            "SELECT user_id FROM team_leads WHERE team_id = ? ORDER BY created_at, user_id",
            [team_id])]

    def led_by(self, workspace_id: str, user_id: str) -> list[Team]:
        """The teams `user_id` leads, by name."""
        return [_team(r) for r in self.db.query(
            "SELECT t.* FROM team_leads l JOIN teams t ON t.id = l.team_id "
            "WHERE l.workspace_id = ? AND l.user_id = ? ORDER BY t.name_key",
            [workspace_id, user_id])]


def _team(r: dict[str, Any]) -> Team:
    return from_row(Team, r, digest_time=time.fromisoformat(r["digest_time"]))

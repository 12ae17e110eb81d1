"""`store.team_weeks`: every team's weeks of one workspace at once, aggregated in SQL for
the leaders' rollup (`bot.core.rollup`).

Each read is one query for the whole workspace, whatever its number of teams, and walks
only the weeks it is given: replies by (workspace, period), then each reply's items and its
author's team spans (`r CROSS JOIN team_members` keeps SQLite from starting at the spans,
which would walk each member's whole history). A reply counts in a team when its author was
in the team in the reply's week (`since <= period < until`), as in the team's digest.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.effort import EffortAnswer
from bot.core.rollup import Membership, PersonWeek, TeamWeek
from bot.store.base import Aggregate, marks

_IN_SPAN = ("tm.workspace_id = r.workspace_id AND tm.user_id = r.user_id "
            "AND tm.since <= r.period AND (tm.until IS NULL OR r.period < tm.until)")


class TeamWeeks(Aggregate):
    def members(self, workspace_id: str, period: str) -> list[Membership]:
        """Who was in which team in `period` (active or not: an inactive member's late
        answer still counts in their team's week)."""
        return [Membership(r["team_id"], r["user_id"], bool(r["active"])) for r in self.db.query(
            "SELECT tm.team_id, tm.user_id, coalesce(m.active, 0) AS active "
            "FROM team_members tm LEFT JOIN members m ON m.workspace_id = tm.workspace_id "
            "AND m.user_id = tm.user_id WHERE tm.workspace_id = ? AND tm.since <= ? "
            "AND (tm.until IS NULL OR ? < tm.until) ORDER BY tm.team_id, tm.user_id",
            [workspace_id, period, period])]

    def people(self, workspace_id: str, period: str) -> list[PersonWeek]:
        """Everyone who answered anything in `period`, with their progress and KTLO
        `work` items counted (no text)."""
        return [PersonWeek(r["user_id"], r["progress"], r["ktlo"]) for r in self.db.query(
            "SELECT r.user_id, count(i.id) FILTER (WHERE i.label = 'progress') AS progress, "
            "count(i.id) FILTER (WHERE i.label = 'ktlo') AS ktlo FROM replies r "
            "LEFT JOIN items i ON i.reply_id = r.id AND i.kind = 'work' "
            # `+r.user_id`: grouped by the member, SQLite would walk the member index, i.e.
            # the workspace's whole history, for the order; the week's rows are a few.
            "WHERE r.workspace_id = ? AND r.period = ? GROUP BY +r.user_id",
            [workspace_id, period])]

    def weeks(self, workspace_id: str, periods: Iterable[str]) -> dict[int, list[TeamWeek]]:
        """Each team's weeks among `periods`: how many of its people answered, and their
        progress and KTLO items; a week nobody of the team answered is left out."""
        periods = sorted(set(periods))
        out: dict[int, list[TeamWeek]] = {}
        if not periods:
            return out
        for r in self.db.query(
            f"SELECT tm.team_id, r.period, count(DISTINCT r.user_id) AS answered, "
            f"count(i.id) FILTER (WHERE i.label = 'progress') AS progress, "
            f"count(i.id) FILTER (WHERE i.label = 'ktlo') AS ktlo "
            f"FROM replies r CROSS JOIN team_members tm ON {_IN_SPAN} "
            f"LEFT JOIN items i ON i.reply_id = r.id AND i.kind = 'work' "
            f"WHERE r.workspace_id = ? AND r.period IN ({marks(periods)}) "
            f"GROUP BY tm.team_id, r.period ORDER BY tm.team_id, r.period",
            [workspace_id, *periods],
        ):
            out.setdefault(r["team_id"], []).append(
                TeamWeek(r["period"], r["answered"], r["progress"], r["ktlo"]))
        return out

    def ktlo_texts(self, workspace_id: str,
                   periods: Iterable[str]) -> dict[int, dict[str, list[str]]]:
        """Each team's KTLO `work` item texts by period, in the order they came."""
        periods = sorted(set(periods))
        out: dict[int, dict[str, list[str]]] = {}
        if not periods:
            return out
        for r in self.db.query(
            f"SELECT tm.team_id, r.period, i.text FROM replies r "
            f"CROSS JOIN team_members tm ON {_IN_SPAN} "
            f"JOIN items i ON i.reply_id = r.id "
            f"WHERE r.workspace_id = ? AND r.period IN ({marks(periods)}) "
            f"AND i.kind = 'work' AND i.label = 'ktlo' ORDER BY i.id",
            [workspace_id, *periods],
        ):
            out.setdefault(r["team_id"], {}).setdefault(r["period"], []).append(r["text"])
        return out

    def efforts(self, workspace_id: str, period: str) -> list[EffortAnswer]:
        """Everyone's answers to the effort question in `period` (the rollup gives each team
        its people's), by the period's index: `store.efforts.of_period` orders by member,
        which for a whole workspace walks its whole history."""
        rows = self.db.query("SELECT user_id, period, choice FROM efforts "
                             "WHERE workspace_id = ? AND period = ?", [workspace_id, period])
        return sorted((EffortAnswer(r["user_id"], r["period"], r["choice"]) for r in rows),
                      key=lambda a: a.user_id)

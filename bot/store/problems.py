"""`store.problems`: a team's tracked problems (`bot.core.problems.TrackedProblem`), with
their references, the weeks their firefight appeared and the answers to "did we move on
it?", one table each (m011).

- A problem is tracked from one digest entry (`source_period`, `kind`, `source_key`): the
  key is unique per team, so the same Track it button pressed twice — a double click, a
  redelivered request, two people at once — stores it once (`add` returns None).
- `save` writes what the pure core changed (status, owner, weeks, references) in place;
  callers read, change and save inside one `store.atomic()`, so a digest counting a week
  and a person moving the status never overwrite each other.
- A member's `forget me` never deletes a team's problem: it clears them as its owner (and
  as the one who tracked it) and deletes the follow-up answers they gave
  (`forget_member`, inside `store.members.forget`).

Reads of a set of problems take a fixed number of queries, however many there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlite_utils import Database

from bot.core.problems import FollowUp, TrackedProblem
from bot.store.base import Aggregate, is_rowid, iso, marks


class TeamProblem(NamedTuple):
    """A stored problem and the team it belongs to."""

    team_id: int
    problem: TrackedProblem


class Problems(Aggregate):
    # ── reads ────────────────────────────────────────────────────────────────

    def of_team(self, workspace_id: str, team_id: int) -> list[TrackedProblem]:
        """The team's tracked problems, oldest first."""
        return [p for _, p in self._load("workspace_id = ? AND team_id = ?",
                                         [workspace_id, team_id])]

    def of_teams(self, workspace_id: str, team_ids: Iterable[int]) -> list[TeamProblem]:
        """The tracked problems of these teams, oldest first."""
        wanted = sorted(set(team_ids))
        if not wanted:
            return []
        return self._load(f"workspace_id = ? AND team_id IN ({marks(wanted)})",
                          [workspace_id, *wanted])

    def owned_by(self, workspace_id: str, user_id: str) -> list[TrackedProblem]:
        """The problems `user_id` owns, in every team, oldest first."""
        return [p for _, p in self._load("workspace_id = ? AND owner = ?",
                                         [workspace_id, user_id])]

    def get(self, workspace_id: str, problem_id: int) -> TeamProblem | None:
        """The problem with that id in this workspace (ids come from buttons: anything
        else is None)."""
        if not is_rowid(problem_id):
            return None
        found = self._load("workspace_id = ? AND id = ?", [workspace_id, problem_id])
        return found[0] if found else None

    def from_source(self, team_id: int, period: str, kind: str,
                    key: str) -> TrackedProblem | None:
        """The problem tracked from that digest entry, if any."""
        found = self._load("team_id = ? AND source_period = ? AND kind = ? AND source_key = ?",
                           [team_id, period, kind, key])
        return found[0].problem if found else None

    def _load(self, where: str, params: list[Any]) -> list[TeamProblem]:
        rows = list(self.db.query(
            f"SELECT * FROM tracked_problems WHERE {where} ORDER BY started, id", params))
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        refs: dict[int, list[str]] = {}
        weeks: dict[int, list[str]] = {}
        answers: dict[int, list[FollowUp]] = {}
        for r in self.db.query(f"SELECT problem_id, text FROM problem_references WHERE "
                               f"problem_id IN ({marks(ids)}) ORDER BY problem_id, position",
                               ids):
            refs.setdefault(r["problem_id"], []).append(r["text"])
        for r in self.db.query(f"SELECT problem_id, period FROM problem_weeks WHERE "
                               f"problem_id IN ({marks(ids)}) ORDER BY problem_id, period", ids):
            weeks.setdefault(r["problem_id"], []).append(r["period"])
        for r in self.db.query(f"SELECT * FROM problem_follow_ups WHERE problem_id IN "
                               f"({marks(ids)}) ORDER BY problem_id, period", ids):
            answers.setdefault(r["problem_id"], []).append(
                FollowUp(r["period"], r["answer"], r["note"]))
        return [TeamProblem(r["team_id"], TrackedProblem(
            title=r["title"], kind=r["kind"], owner=r["owner"] or "", started=r["started"],
            status=r["status"], fixed_at=r["fixed_at"], reopened_at=r["reopened_at"],
            references=tuple(refs.get(r["id"], ())), weeks=tuple(weeks.get(r["id"], ())),
            follow_ups=tuple(answers.get(r["id"], ())), id=r["id"])) for r in rows]

    # ── writes ───────────────────────────────────────────────────────────────

    def add(self, workspace_id: str, team_id: int, problem: TrackedProblem, *,
            source_period: str, source_key: str, tracked_by: str,
            now: datetime) -> TrackedProblem | None:
        """Store a newly tracked problem; None when that digest entry was tracked already
        (the row that was there first stays as it is)."""
        with self.atomic() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO tracked_problems (workspace_id, team_id, title, kind, "
                "owner, status, started, fixed_at, reopened_at, source_period, source_key, "
                "tracked_by, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [workspace_id, team_id, problem.title, problem.kind, problem.owner or None,
                 problem.status, problem.started, problem.fixed_at, problem.reopened_at,
                 source_period, source_key, tracked_by, iso(now), iso(now)])
            if cur.rowcount != 1:
                return None
            problem_id = int(cur.lastrowid or 0)
            self._write_lists(db, workspace_id, problem_id, problem)
            for answer in problem.follow_ups:
                self._write_answer(db, workspace_id, problem_id, answer, tracked_by, now)
        stored = self.get(workspace_id, problem_id)
        assert stored is not None
        return stored.problem

    def save(self, workspace_id: str, problem: TrackedProblem, now: datetime) -> bool:
        """Write a stored problem's title, owner, status, weeks and references as given
        (its follow-up answers are written by `answer`); False when it is gone."""
        assert problem.id is not None, "save a problem that was stored with add"
        with self.atomic() as db:
            cur = db.execute(
                "UPDATE tracked_problems SET title = ?, owner = ?, status = ?, fixed_at = ?, "
                "reopened_at = ?, updated_at = ? WHERE workspace_id = ? AND id = ?",
                [problem.title, problem.owner or None, problem.status, problem.fixed_at,
                 problem.reopened_at, iso(now), workspace_id, problem.id])
            if cur.rowcount != 1:
                return False
            self._write_lists(db, workspace_id, problem.id, problem)
        return True

    @staticmethod
    def _write_lists(db: Database, workspace_id: str, problem_id: int,
                     problem: TrackedProblem) -> None:
        """The weeks and references as `problem` has them (rows changed only where they
        differ: a week's recount that changes nothing writes nothing)."""
        stored = {r["period"] for r in db.query(
            "SELECT period FROM problem_weeks WHERE problem_id = ?", [problem_id])}
        wanted = set(problem.weeks)
        for period in sorted(stored - wanted):
            db.execute("DELETE FROM problem_weeks WHERE problem_id = ? AND period = ?",
                       [problem_id, period])
        for period in sorted(wanted - stored):
            db.execute("INSERT INTO problem_weeks (workspace_id, problem_id, period) "
                       "VALUES (?, ?, ?)", [workspace_id, problem_id, period])
        refs = [r["text"] for r in db.query(
            "SELECT text FROM problem_references WHERE problem_id = ? ORDER BY position",
            [problem_id])]
        if refs != list(problem.references):
            db.execute("DELETE FROM problem_references WHERE problem_id = ?", [problem_id])
            for position, text in enumerate(problem.references):
                db.execute("INSERT INTO problem_references (workspace_id, problem_id, "
                           "position, text) VALUES (?, ?, ?, ?)",
                           [workspace_id, problem_id, position, text])

    def answer(self, workspace_id: str, problem_id: int, follow_up: FollowUp, user_id: str,
               now: datetime) -> bool:
        """Record the answer to "did we move on it?" for the follow-up's week (replacing
        an earlier one); False when the problem is gone or the same answer was there."""
        with self.atomic() as db:
            if not list(db.query("SELECT 1 FROM tracked_problems WHERE workspace_id = ? "
                                 "AND id = ?", [workspace_id, problem_id])):
                return False
            return self._write_answer(db, workspace_id, problem_id, follow_up, user_id, now)

    @staticmethod
    def _write_answer(db: Database, workspace_id: str, problem_id: int, follow_up: FollowUp,
                      user_id: str, now: datetime) -> bool:
        return db.execute(
            "INSERT INTO problem_follow_ups (workspace_id, problem_id, period, answer, note, "
            "answered_by, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (problem_id, period) DO UPDATE SET answer = excluded.answer, "
            "note = excluded.note, answered_by = excluded.answered_by, "
            "answered_at = excluded.answered_at "
            "WHERE problem_follow_ups.answer != excluded.answer "
            "OR problem_follow_ups.note != excluded.note",
            [workspace_id, problem_id, follow_up.period, follow_up.answer, follow_up.note,
             user_id, iso(now)]).rowcount > 0

    def delete(self, workspace_id: str, problem_id: int) -> bool:
        """Untrack: the problem goes, with its weeks, references and answers."""
        if not is_rowid(problem_id):
            return False
        return self.db.execute("DELETE FROM tracked_problems WHERE workspace_id = ? AND id = ?",
                               [workspace_id, problem_id]).rowcount == 1

    def forget_member(self, db: Database, workspace_id: str, user_id: str) -> dict[str, int]:
        """Inside `forget me`'s transaction (`db`): the member owns no problem any more (it
        stays the team's, with no owner until someone picks one), is no longer named as
        the one who tracked it, and the follow-up answers they gave are deleted."""
        who = [workspace_id, user_id]
        owned = db.execute("UPDATE tracked_problems SET owner = NULL WHERE workspace_id = ? "
                           "AND owner = ?", who).rowcount
        db.execute("UPDATE tracked_problems SET tracked_by = NULL WHERE workspace_id = ? "
                   "AND tracked_by = ?", who)
        answers = db.execute("DELETE FROM problem_follow_ups WHERE workspace_id = ? "
                             "AND answered_by = ?", who).rowcount
        return {"problems_unowned": owned, "follow_ups": answers}

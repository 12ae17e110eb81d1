"""Tracked problems at the edge: the store, the digest and the pure core put together.

- **Track it** (`track`): the button names a digest entry (`bot.core.problems.TrackRef`);
  the week's digest is rebuilt from the store and the entry with that text is tracked, by
  the presser, who owns it. Pressed twice (a double click, a redelivered request, another
  member, or another entry the same problem already covers) it tracks nothing new and says
  which problem it is. The posted digest is marked for an update, which swaps the button
  for what the problem is now.
- Status, owner, untrack (`move`, `hand_over`, `untrack`): read, change, save in one
  transaction. Who may is the listener's check (`bot.core.problems.may_*`).
- The weekly count is the digest's (`bot.digests.with_problems`).
- "Did we move on it?" (`follow_up_problem`, `answer_follow_up`): when last week's agenda
  item a follow-up names is tracked by one of the member's teams, the question is asked
  with Yes / Partly / Not yet, and the answer is recorded on the problem for that week.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot import digests
from bot.context import Headway
from bot.core.digest import agenda_subject, build_digest
from bot.core.messages.blocks import Block
from bot.core.messages.problems import (
    ProblemsList,
    already_tracked_reply,
    entry_gone_reply,
    owner_home_blocks,
    problems_list,
    tracked_reply,
)
from bot.core.model import Reply, Team
from bot.core.periods import period_of
from bot.core.problems import (
    Answer,
    TrackedProblem,
    TrackRef,
    find_trackable,
    follow_up_subject,
    record_follow_up,
    set_owner,
    set_status,
    track,
    tracked_as,
)
from bot.store.problems import TeamProblem


def track_entry(hw: Headway, team: Team, ref: TrackRef, user_id: str) -> str:
    """Track the digest entry `ref` names, owned by `user_id`; the answer for them."""
    store = hw.store
    inp = digests.load_input(hw, team, ref.period)
    entry = find_trackable(build_digest(inp), ref)
    if entry is None:
        return entry_gone_reply(ref.period)
    candidate = track(ref, entry, owner=user_id, past_ktlo=inp.past_ktlo)
    with store.atomic() as db:
        same = (store.problems.from_source(team.id, ref.period, ref.kind, ref.key)
                or tracked_as(ref.kind, entry.text,
                              store.problems.of_team(team.workspace_id, team.id)))
        if same is not None:
            return already_tracked_reply(same)
        stored = store.problems.add(team.workspace_id, team.id, candidate,
                                    source_period=ref.period, source_key=ref.key,
                                    tracked_by=user_id, now=hw.now())
        assert stored is not None  # the transaction holds the write lock: no one raced us
        # The posted digest of that week swaps the button for the problem, and counts it.
        store.digests.mark_team_dirty(db, team.id, ref.period)
    return tracked_reply(stored, team.name)


def current_period(hw: Headway, team: Team) -> str:
    """The team's week now, in the team's time zone (a status moved now is moved in it)."""
    return period_of(hw.now(), team.tz)


def move(hw: Headway, team: Team, problem_id: int, status: str) -> TrackedProblem | None:
    """Move the problem to `status` this week; None when it is gone. The same status again
    (a double click) changes nothing."""
    period = current_period(hw, team)
    return _change(hw, team, problem_id, lambda p: set_status(p, status, period))


def hand_over(hw: Headway, team: Team, problem_id: int, owner: str) -> TrackedProblem | None:
    """Give the problem to `owner`; None when it is gone."""
    return _change(hw, team, problem_id, lambda p: set_owner(p, owner))


def _change(hw: Headway, team: Team, problem_id: int,
            how: Callable[[TrackedProblem], TrackedProblem]) -> TrackedProblem | None:
    store = hw.store
    with store.atomic() as db:
        found = store.problems.get(team.workspace_id, problem_id)
        if found is None or found.team_id != team.id:
            return None
        changed = how(found.problem)
        if changed != found.problem:
            store.problems.save(team.workspace_id, changed, hw.now())
            # The team's newest digest shows the problem's status and owner: it follows.
            store.digests.mark_team_dirty(db, team.id)
    return changed


def untrack(hw: Headway, team: Team, problem_id: int) -> bool:
    """Stop tracking the problem (its weeks and answers go with it); False if it was gone.
    The digest of the week it was tracked in is marked for an update (Track it again)."""
    store = hw.store
    with store.atomic() as db:
        found = store.problems.get(team.workspace_id, problem_id)
        if found is None or found.team_id != team.id:
            return False
        store.problems.delete(team.workspace_id, problem_id)
        store.digests.mark_team_dirty(db, team.id, found.problem.started)
        store.digests.mark_team_dirty(db, team.id)  # and its newest, which listed it
    return True


def listing(hw: Headway, team: Team, *, can_untrack: bool) -> ProblemsList:
    """`/headway problems` for `team`, as of this week."""
    return problems_list(hw.store.problems.of_team(team.workspace_id, team.id),
                         current_period(hw, team), team_name=team.name,
                         can_untrack=can_untrack)


# ── "did we move on it?" ────────────────────────────────────────────────────


def follow_up_problem(hw: Headway, workspace_id: str, user_id: str, kind: str,
                      last_week: Sequence[Reply]) -> TrackedProblem | None:
    """The tracked problem (of one of the member's teams) that this week's follow-up of a
    `kind` question names, or None: then the follow-up is the plain line it always was."""
    subject = agenda_subject(kind, last_week)
    if subject is None:
        return None
    teams = [t.id for t in hw.store.teams.of_member(workspace_id, user_id)]
    problems = [tp.problem for tp in hw.store.problems.of_teams(workspace_id, teams)]
    return follow_up_subject(subject.text, kind, problems)


def answer_follow_up(hw: Headway, workspace_id: str, found: TeamProblem, period: str,
                     answer: Answer, user_id: str) -> TrackedProblem:
    """Record `user_id`'s answer for `period` on the problem (a later answer for the same
    week replaces it; the same one again changes nothing)."""
    updated = record_follow_up(found.problem, period, answer)
    assert found.problem.id is not None
    [given] = [f for f in updated.follow_ups if f.period == period]
    hw.store.problems.answer(workspace_id, found.problem.id, given, user_id, hw.now())
    return updated


def home_blocks(hw: Headway, workspace_id: str, user_id: str, period: str) -> list[Block]:
    """App Home: the open problems the member owns, with the last follow-up answer."""
    return owner_home_blocks(hw.store.problems.owned_by(workspace_id, user_id), user_id,
                             period)

"""Teams at the edge: the default team a small workspace never has to think about, and
putting people in and out of teams (in the weeks of each team's own zone).

A workspace where nobody created a team still works as before: `join`, `team add` and
`digest here` put people and the channel in its default team, made on first use and named
as the workspace (what its digest's header showed before there were teams).
"""

from __future__ import annotations

from bot.context import Headway
from bot.core.model import Team
from bot.core.periods import period_of
from bot.core.teams import DEFAULT_NAME, check_team_name
from bot.store.teams import TeamConflict


def default_team(hw: Headway, workspace_id: str, *, channel: str | None = None) -> Team:
    """The workspace's only team, made now (with `channel` as its digest channel) if it has
    none. Callers use it only when the workspace has no team, or exactly one."""
    teams = hw.store.teams.of(workspace_id)
    if teams:
        return teams[0]
    workspace = hw.store.workspaces.ensure(workspace_id, hw.now())
    try:
        name = check_team_name(workspace.name)
    except ValueError:
        name = DEFAULT_NAME
    try:
        return hw.store.teams.create(workspace_id, name, hw.now(), digest_channel=channel,
                                     tz=workspace.tz, pack=workspace.pack)
    except TeamConflict:  # another request made it a moment ago
        return hw.store.teams.of(workspace_id)[0]


def enrol(hw: Headway, team: Team, user_id: str, *, added_by: str | None = None) -> bool:
    """Put someone in `team` from this week on; False when they already were in it."""
    now = hw.now()
    return hw.store.teams.add_member(team.workspace_id, team.id, user_id,
                                     period_of(now, team.tz), now, added_by=added_by)


def unenrol(hw: Headway, team: Team, user_id: str, *, reason: str) -> tuple[bool, bool]:
    """Take someone out of `team` from this week on. Returns (they were in it, they are now
    in no team): someone in no team is no longer asked (`reason` says why), and keeps
    their answers."""
    now = hw.now()
    if not hw.store.teams.remove_member(team.id, user_id, period_of(now, team.tz)):
        return False, False
    if hw.store.teams.of_member(team.workspace_id, user_id):
        return True, False
    member = hw.store.members.get(team.workspace_id, user_id)
    if member is not None and member.active:
        hw.store.members.update(team.workspace_id, user_id, now, active=False,
                                inactive_reason=reason)
    return True, True

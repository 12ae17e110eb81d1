"""Setting up a team's digest in tests, the way the store keeps it since teams: the
workspace's one team gets the channel and settings, and everyone enrolled so far."""

from __future__ import annotations

from typing import Any

from bot.context import Headway
from bot.core.model import Team
from bot.core.periods import FIRST_YEAR, format_period

SINCE_EVER = format_period(FIRST_YEAR, 1)


def digest_team(hw: Headway, workspace_id: str, channel: str | None = None, *,
                name: str | None = None, **settings: Any) -> Team:
    """The workspace's team `name` (default: its only team, made if need be) with these
    settings and `channel`, holding every member of the workspace from the first week on
    (as the migration to teams does)."""
    store = hw.store
    store.workspaces.ensure(workspace_id, hw.now())
    teams = store.teams.of(workspace_id)
    team = next((t for t in teams if name is None or t.name == name), None)
    if team is None:
        team = store.teams.create(workspace_id, name or "Team", hw.now())
    if channel is not None:
        settings["digest_channel"] = channel
    if settings:
        team = store.teams.update(workspace_id, team.id, **settings)
    for member in store.members.of(workspace_id, active_only=False):
        store.teams.add_member(workspace_id, team.id, member.user_id, SINCE_EVER, hw.now())
    return team


def digest_channel(hw: Headway, workspace_id: str) -> str | None:
    """The digest channel of the workspace's only team (None: no team, or no channel)."""
    teams = hw.store.teams.of(workspace_id)
    assert len(teams) <= 1, teams
    return teams[0].digest_channel if teams else None

"""A member's own settings: `join`, `leave`, `skip`, `pause`, `resume`, `time`, `quiet`,
`anonymous`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.context import Headway
from bot.core.messages import member_replies as say
from bot.core.periods import period_of
from bot.core.zones import local_date
from bot.listeners.commands.admin import team_of
from bot.listeners.commands.request import Handler, Request, active_member, fast, slow
from bot.members import member_from_user
from bot.teams import default_team, enrol, unenrol


def _join(hw: Headway, req: Request) -> str:
    """Enrol the caller, in the team named; else the team of this channel, the only team,
    or (rejoining) the teams they were in. Which team is settled before anything is
    stored: a refusal changes nothing."""
    workspace_id, user_id = req.workspace_id, req.user_id
    mine = hw.store.teams.of_member(workspace_id, user_id)
    teams = hw.store.teams.of(workspace_id)
    if req.command.team is not None or not mine or hw.store.teams.in_channel(
            workspace_id, req.channel_id):
        team = (team_of(hw, req, create_default=False) if teams or req.command.team
                else None)
    else:
        team = None  # back in the teams they were in
    user = req.client.users_info(user=user_id)["user"]
    existing = hw.store.members.get(workspace_id, user_id)
    with hw.store.atomic():
        member = hw.store.members.upsert(
            member_from_user(hw, workspace_id, user, existing, unpause=True), hw.now())
        if team is None and not mine:
            team = default_team(hw, workspace_id)
        new_team = team is not None and enrol(hw, team, user_id, added_by=user_id)
    return say.joined(member, again=existing is not None,
                      team=team.name if new_team and team else None,
                      teams=[t.name for t in hw.store.teams.of_member(workspace_id, user_id)])


def _leave(hw: Headway, req: Request) -> str:
    member = hw.store.members.get(req.workspace_id, req.user_id)
    if member is None or not member.active:
        return say.NOT_IN_TO_LEAVE
    if req.command.team is not None:
        team = team_of(hw, req, create_default=False)
        was_in, in_none = unenrol(hw, team, req.user_id, reason="left")
        if not was_in:
            return say.not_in_team(team.name)
        return say.LEFT if in_none else say.left_team(team.name)
    hw.store.members.update(req.workspace_id, req.user_id, hw.now(), active=False,
                            inactive_reason="left")
    return say.LEFT


def _skip(hw: Headway, req: Request) -> str:
    member = active_member(hw, req)
    period = period_of(hw.now(), member.tz)
    skipped = hw.store.nudges.skip_period(req.workspace_id, req.user_id, period, hw.now())
    return say.skipping(period, already=not skipped)


def _pause(hw: Headway, req: Request) -> str:
    member = active_member(hw, req)
    weeks = req.command.weeks
    assert weeks is not None
    until = local_date(hw.now(), member.tz) + timedelta(weeks=weeks)
    hw.store.members.update(req.workspace_id, req.user_id, hw.now(), paused_until=until)
    return say.paused(weeks, until)


def _resume(hw: Headway, req: Request) -> str:
    member = active_member(hw, req)
    if member.paused_until is not None:
        hw.store.members.update(req.workspace_id, req.user_id, hw.now(), paused_until=None)
    return say.resumed(member, was_paused=member.paused_until is not None)


def _time(hw: Headway, req: Request) -> str:
    active_member(hw, req)
    fields: dict[str, Any] = {"nudge_time": req.command.at}
    if req.command.days is not None:
        fields["days"] = req.command.days
    return say.schedule_set(hw.store.members.update(req.workspace_id, req.user_id, hw.now(),
                                                **fields))


def _quiet(hw: Headway, req: Request) -> str:
    active_member(hw, req)
    return say.quiet_hours_set(hw.store.members.update(req.workspace_id, req.user_id, hw.now(),
                                                   quiet_hours=req.command.quiet))


def _anonymous(hw: Headway, req: Request) -> str:
    active_member(hw, req)
    on = bool(req.command.flag)
    hw.store.members.update(req.workspace_id, req.user_id, hw.now(), anonymous=on)
    earlier = hw.store.replies.make_anonymous(req.workspace_id, req.user_id) if on else 0
    return say.anonymous_set(on, earlier)


HANDLERS: dict[str, Handler] = {
    "join": slow(_join),  # asks Slack for the member's name and time zone
    "leave": fast(_leave),
    "skip": fast(_skip),
    "pause": fast(_pause),
    "resume": fast(_resume),
    "time": fast(_time),
    "quiet": fast(_quiet),
    "anonymous": fast(_anonymous),
}

"""A member's own settings: `join`, `leave`, `skip`, `pause`, `resume`, `time`, `quiet`,
`anonymous`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.context import Headway
from bot.core.messages import member_replies as say
from bot.core.periods import period_of
from bot.core.zones import local_date
from bot.listeners.commands.request import Handler, Request, active_member, fast, slow
from bot.members import member_from_user


def _join(hw: Headway, req: Request) -> str:
    workspace_id, user_id = req.workspace_id, req.user_id
    user = req.client.users_info(user=user_id)["user"]
    existing = hw.store.members.get(workspace_id, user_id)
    member = hw.store.members.upsert(
        member_from_user(hw, workspace_id, user, existing, unpause=True), hw.now())
    return say.joined(member, again=existing is not None)


def _leave(hw: Headway, req: Request) -> str:
    member = hw.store.members.get(req.workspace_id, req.user_id)
    if member is None or not member.active:
        return say.NOT_IN_TO_LEAVE
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

"""A team's leads on who has not answered: `team status [<team>]`, and the gentle
reminder before the team's digest, `reminder <hours>|off [for <team>]`. Both are a lead's
(the dispatcher's lead check found the team and admitted its leads and admins)."""

from __future__ import annotations

from bot.context import Headway
from bot.core.messages import team_status as say
from bot.listeners.commands.request import Handler, Request, slow
from bot.team_status import load_team_week


def _team_status(hw: Headway, req: Request) -> str:
    assert req.team is not None  # the lead check found it
    return say.team_status(load_team_week(hw, req.team, hw.now()))


def _reminder(hw: Headway, req: Request) -> str:
    assert req.team is not None
    hours = req.command.hours if req.command.flag else None
    return say.reminder_set(hw.store.teams.update(req.workspace_id, req.team.id,
                                                  reminder_hours=hours))


HANDLERS: dict[str, Handler] = {
    "team status": slow(_team_status),
    "reminder": slow(_reminder),
}

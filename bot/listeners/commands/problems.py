"""`/headway problems [<team>]`: the team's tracked problems, with buttons to move their
status and owner (and, for its leads and the workspace's admins, to untrack them). The
buttons are handled in `bot.listeners.problems`."""

from __future__ import annotations

from bot import problems as tracked
from bot.context import Headway
from bot.core.model import Team
from bot.core.problems import may_untrack
from bot.listeners.commands.admin import is_admin, team_of
from bot.listeners.commands.request import Answer, Handler, Request, slow


def _team(hw: Headway, req: Request) -> Team:
    """The named team; else this channel's team, the caller's first team, or the only one
    (as `stats team` and `digest preview` choose)."""
    if req.command.team is None and not hw.store.teams.in_channel(req.workspace_id,
                                                                   req.channel_id):
        mine = hw.store.teams.of_member(req.workspace_id, req.user_id)
        if mine:
            return mine[0]
    return team_of(hw, req, create_default=False)


def _problems(hw: Headway, req: Request) -> Answer:
    team = _team(hw, req)
    lead = req.user_id in hw.store.teams.leads(team.id)
    admin = not lead and is_admin(hw, req.client, req.workspace_id, req.user_id)
    listing = tracked.listing(hw, team, can_untrack=may_untrack(lead=lead, admin=admin))
    return {"text": listing.text, "blocks": listing.blocks}


# Slow: whether the caller may untrack asks Slack if they are an admin.
HANDLERS: dict[str, Handler] = {"problems": slow(_problems)}

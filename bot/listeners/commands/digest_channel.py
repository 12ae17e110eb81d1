"""A team's weekly digest, its place and time: `digest here [<team>]`, `digest time
<day> <HH:MM> [for <team>]`, and `digest preview [<team>]` (this week's digest so far, only
to the person who asks)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.context import Headway
from bot.core.channels import (
    explain_info_error,
    explain_join_error,
    judge_digest_channel,
    reworded,
)
from bot.core.messages import admin_replies as say
from bot.core.periods import period_of
from bot.core.render import render_digest_blocks
from bot.core.text import safe
from bot.digests import build
from bot.listeners.commands.admin import team_in_view, team_of
from bot.listeners.commands.request import Handler, Refusal, Request, fast, slow
from bot.members import zone_for
from bot.store.teams import TeamConflict
from bot.teams import default_team


def _digest_here(hw: Headway, req: Request) -> str:
    assert req.caller is not None  # the admin check fetched it
    teams = hw.store.teams.of(req.workspace_id)
    team = None
    if req.command.team is not None:
        team = team_of(hw, req, create_default=False)
    elif (here := hw.store.teams.in_channel(req.workspace_id, req.channel_id)) is not None:
        team = here
    elif len(teams) == 1:
        team = teams[0]  # a one-team workspace moves its digest, as before teams
    elif teams:
        raise Refusal(say.which_team_here(teams))
    joined = ensure_digest_channel(req.client, req.channel_id)
    if team is None:  # its channel is set below, with the zone: one change to watch
        team = default_team(hw, req.workspace_id)
    # The digest's zone is the zone of the admin who chose its channel; in a workspace of
    # one team, the workspace's too (the fallback zone for members: see `zone_for`).
    zone = zone_for(hw, req.workspace_id, req.caller)
    if len(teams) <= 1:
        hw.store.workspaces.update(req.workspace_id, tz=zone)
    try:
        team = hw.store.teams.update(req.workspace_id, team.id, digest_channel=req.channel_id,
                                     tz=zone)
    except TeamConflict as conflict:
        raise Refusal(f"Nothing changed: {safe(str(conflict))}. A channel gets one team's "
                      f"digest.") from None
    return say.digest_channel_set(team, joined=joined)


def ensure_digest_channel(client: WebClient, channel_id: str, *, command: str = "digest here",
                          post: str = "weekly digest") -> bool:
    """Refuse a conversation that can never receive the digest (a DM, a group DM, a private
    channel Headway is not in); join a public one it is not in yet. True if it joined.
    `command` and `post` name another weekly post in the refusals (`rollup here`)."""
    def refusal(message: str) -> Refusal:
        return Refusal(reworded(message, command, post))

    try:
        info = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        raise refusal(explain_info_error(str(exc.response.get("error")),
                                         exc.response.get("needed"))) from None
    verdict = judge_digest_channel(info)
    if verdict.action == "refuse":
        raise refusal(verdict.message)
    if verdict.action == "use":
        return False
    try:
        client.conversations_join(channel=channel_id)
    except SlackApiError as exc:
        raise refusal(explain_join_error(str(exc.response.get("error")))) from None
    return True


def _digest_time(hw: Headway, req: Request) -> str:
    assert req.command.day is not None and req.command.at is not None and req.team
    return say.digest_time_set(hw.store.teams.update(
        req.workspace_id, req.team.id, digest_day=req.command.day, digest_time=req.command.at))


def _digest_preview(hw: Headway, req: Request) -> dict[str, Any]:
    """The named team's digest; else the team of this channel, the caller's first team,
    or the only team."""
    if req.command.team is None and not hw.store.teams.of(req.workspace_id):
        raise Refusal(say.NO_TEAM_YET)
    team = team_in_view(hw, req)
    period = period_of(hw.now(), team.tz)
    message = render_digest_blocks(build(hw, team, period))
    return say.digest_preview(message.text, message.blocks)


HANDLERS: dict[str, Handler] = {
    "digest here": slow(_digest_here),
    "digest time": slow(_digest_time),
    "digest preview": fast(_digest_preview),
}

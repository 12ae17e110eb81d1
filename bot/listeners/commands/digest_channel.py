"""The weekly digest's place and time: `digest here`, `digest time`, and `digest
preview` (this week's digest so far, only to the person who asks)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.context import Headway
from bot.core.channels import explain_info_error, explain_join_error, judge_digest_channel
from bot.core.messages import admin_replies as say
from bot.core.periods import period_of
from bot.core.render import render_digest_blocks
from bot.digests import build
from bot.listeners.commands.request import Handler, Refusal, Request, fast, slow
from bot.members import zone_for


def _digest_here(hw: Headway, req: Request) -> str:
    assert req.caller is not None  # the admin check fetched it
    joined = _ensure_digest_channel(req.client, req.channel_id)
    # The digest's zone is the zone of the admin who chose its channel.
    workspace = hw.store.workspaces.update(req.workspace_id, digest_channel=req.channel_id,
                                          tz=zone_for(hw, req.workspace_id, req.caller))
    return say.digest_channel_set(workspace, joined=joined)


def _ensure_digest_channel(client: WebClient, channel_id: str) -> bool:
    """Refuse a conversation that can never receive the digest (a DM, a group DM, a private
    channel Headway is not in); join a public one it is not in yet. True if it joined."""
    try:
        info = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        raise Refusal(explain_info_error(str(exc.response.get("error")),
                                         exc.response.get("needed"))) from None
    verdict = judge_digest_channel(info)
    if verdict.action == "refuse":
        raise Refusal(verdict.message)
    if verdict.action == "use":
        return False
    try:
        client.conversations_join(channel=channel_id)
    except SlackApiError as exc:
        raise Refusal(explain_join_error(str(exc.response.get("error")))) from None
    return True


def _digest_time(hw: Headway, req: Request) -> str:
    assert req.command.day is not None and req.command.at is not None
    return say.digest_time_set(hw.store.workspaces.update(
        req.workspace_id, digest_day=req.command.day, digest_time=req.command.at))


def _digest_preview(hw: Headway, req: Request) -> dict[str, Any]:
    workspace = hw.store.workspaces.get(req.workspace_id)
    period = period_of(hw.now(), workspace.tz if workspace else "UTC")
    message = render_digest_blocks(build(hw, req.workspace_id, period))
    return say.digest_preview(message.text, message.blocks)


HANDLERS: dict[str, Handler] = {
    "digest here": slow(_digest_here),
    "digest time": slow(_digest_time),
    "digest preview": fast(_digest_preview),
}

"""The leaders' rollup, its place and time: `rollup here`, `rollup time <day> <HH:MM>`, and
`rollup preview` (this week's rollup so far, only to the admin who asks)."""

from __future__ import annotations

from typing import Any

from bot.context import Headway
from bot.core.messages import rollup_replies as say
from bot.core.periods import period_of
from bot.core.render_rollup import render_rollup_blocks
from bot.listeners.commands.digest_channel import ensure_digest_channel
from bot.listeners.commands.request import Handler, Request, slow
from bot.members import zone_for
from bot.rollups import build


def _rollup_here(hw: Headway, req: Request) -> str:
    assert req.caller is not None  # the admin check fetched it
    joined = ensure_digest_channel(req.client, req.channel_id, command="rollup here",
                                   post="leaders' rollup")
    # The rollup's zone is the zone of the admin who chose its channel, as a digest's is.
    zone = zone_for(hw, req.workspace_id, req.caller)
    workspace = hw.store.workspaces.update(req.workspace_id, rollup_channel=req.channel_id,
                                           tz=zone)
    return say.rollup_channel_set(workspace, joined=joined,
                                  teams=len(hw.store.teams.of(req.workspace_id)))


def _rollup_time(hw: Headway, req: Request) -> str:
    assert req.command.day is not None and req.command.at is not None
    return say.rollup_time_set(hw.store.workspaces.update(
        req.workspace_id, rollup_day=req.command.day, rollup_time=req.command.at))


def _rollup_preview(hw: Headway, req: Request) -> dict[str, Any]:
    workspace = hw.store.workspaces.ensure(req.workspace_id, hw.now())
    period = period_of(hw.now(), workspace.tz)
    return say.rollup_preview(render_rollup_blocks(build(hw, req.workspace_id, period)))


HANDLERS: dict[str, Handler] = {
    "rollup here": slow(_rollup_here),
    "rollup time": slow(_rollup_time),
    "rollup preview": slow(_rollup_preview),
}

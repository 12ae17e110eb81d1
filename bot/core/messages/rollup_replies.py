"""What `/headway rollup …` answers: where and when the leaders' rollup is posted, and its
preview. Pure text (Slack mrkdwn) and blocks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.messages.blocks import Block, context
from bot.core.model import WEEKDAYS, Workspace
from bot.core.render import MAX_BLOCKS, DigestMessage


def _when(workspace: Workspace) -> str:
    return (f"{WEEKDAYS[workspace.rollup_day].title()} at {workspace.rollup_time:%H:%M} "
            f"({workspace.tz})")


def rollup_channel_set(workspace: Workspace, *, joined: bool, teams: int) -> str:
    note = " Headway joined the channel to post it." if joined else ""
    text = (f"This channel now gets the leaders' weekly rollup, {_when(workspace)}: one line "
            f"per team, the whole workspace's share and a chart. It lists no one's items, "
            f"and a team with fewer than 3 answers that week shows participation only. "
            f"Anyone in this channel sees it.{note}")
    if not teams:
        text += (" There is no team yet: `/headway team create <name>` in a team's channel "
                 "makes one.")
    return text


def rollup_time_set(workspace: Workspace) -> str:
    where = (f"to <#{workspace.rollup_channel}>" if workspace.rollup_channel else
             "once a channel is chosen with `/headway rollup here`")
    return f"The leaders' rollup now posts {_when(workspace)}, {where}."


def rollup_preview(message: DigestMessage) -> dict[str, Any]:
    """The rollup as `rollup preview` shows it: the channel message with its thread's
    teams after it, under Slack's 50 blocks, and a note that only the person sees it."""
    note = context("_Preview: only you see this. The weekly post goes to the rollup channel "
                   "(`/headway rollup here`)._")
    *body, footer = message.blocks
    extra: Sequence[Block] = [b for _, blocks in message.thread for b in blocks]
    room = MAX_BLOCKS - len(body) - 2
    return {"text": message.text, "blocks": [*body, *extra[:room], footer, note]}

"""Turning a member's answer (DM, modal or command) into a stored, labelled reply."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.context import Headway
from bot.core import messages
from bot.core.labelling import label_answer
from bot.core.model import Prompt, Reply
from bot.core.schedule import period_of
from bot.members import named
from bot.store import Nudge

MAX_REPLY_CHARS = 40_000  # Slack's own message limit; the store keeps every character


@dataclass(frozen=True)
class Stored:
    reply: Reply
    prompt: Prompt
    nudge: Nudge | None


class NotEnrolled(Exception):
    """The person is not a Headway member of this workspace."""


def record_answer(
    hw: Headway,
    team_id: str,
    user_id: str,
    text: str,
    *,
    source: str,
    nudge_id: int | None = None,
) -> Stored:
    """Store `text` as the answer to a nudge.

    A modal names its nudge; a plain DM is attached to the newest open nudge, or failing
    that taken as this week's answer to the `work` prompt.
    """
    store = hw.store
    now = hw.now()
    member = store.get_member(team_id, user_id)
    if member is None or not member.active:
        raise NotEnrolled(user_id)
    pack = hw.pack_for(store.get_team(team_id))

    nudge = store.get_nudge(nudge_id) if nudge_id is not None else None
    if nudge is not None and (nudge.team_id != team_id or nudge.user_id != user_id):
        nudge = None  # a button value naming someone else's nudge: ignore it
    if nudge is None and nudge_id is None:
        nudge = store.newest_open_nudge(team_id, user_id)

    prompt = pack.get(nudge.prompt_id) if nudge else None
    if prompt is None:
        prompt = pack.work_prompt
    period = nudge.period if nudge else period_of(now, member.tz)

    items = label_answer(text, prompt.kind, store.corrections(team_id))
    reply = Reply(
        team_id=team_id,
        user_id=user_id,
        prompt_id=prompt.id,
        kind=prompt.kind,
        period=period,
        text=text,
        items=items,
        anonymous=member.anonymous,
    )
    saved = store.add_reply(reply, source=source, now=now, nudge_id=nudge.id if nudge else None)
    return Stored(reply=saved, prompt=prompt, nudge=nudge)


def confirm(hw: Headway, client: WebClient, stored: Stored, channel: str) -> None:
    """Tell the member what was stored and how each item was labelled; close the nudge."""
    [reply] = named(hw, stored.reply.team_id, [stored.reply])
    text, blocks = messages.confirmation_blocks(stored.prompt.text, reply)
    client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    nudge = stored.nudge
    if nudge is not None and nudge.channel and nudge.ts:
        client.chat_update(
            channel=nudge.channel,
            ts=nudge.ts,
            text=stored.prompt.text,
            blocks=messages.nudge_closed_blocks(stored.prompt, nudge.period, "answered — thanks!"),
        )

"""A member's own week and answers: `now` (ask me now), `history`, `stats`."""

from __future__ import annotations

from bot.context import Headway
from bot.core.edits import why_not_editable
from bot.core.messages import member_replies as say
from bot.core.messages.edit import history_blocks
from bot.core.periods import period_of, recent_periods
from bot.listeners.commands.request import (
    Answer,
    Handler,
    Request,
    active_member,
    fast,
    slow,
)
from bot.members import named
from bot.nudges import FanoutResult, send_nudge

HISTORY_REPLIES = 5
STATS_WEEKS = 8


def _now(hw: Headway, req: Request) -> str:
    member = active_member(hw, req)
    period = period_of(hw.now(), member.tz)
    pack = hw.pack_for(hw.store.workspaces.get(req.workspace_id), req.user_id)
    result = FanoutResult()
    if send_nudge(hw, req.client, member, pack.work_prompt, period, result):
        return say.NUDGE_SENT
    if result.failed or result.deactivated:
        return say.NUDGE_FAILED
    return say.already_asked(period)


def _history(hw: Headway, req: Request) -> Answer:
    active_member(hw, req)
    return history_answer(hw, req.workspace_id, req.user_id)


def history_answer(hw: Headway, workspace_id: str, user_id: str) -> Answer:
    """The member's recent answers: the text, and blocks with an Edit button beside each
    answer that can be edited in Headway's form (`edits.why_not_editable`)."""
    replies = named(hw, workspace_id, hw.store.replies.of(workspace_id, user_id=user_id,
                                                          limit=HISTORY_REPLIES))
    text = say.history(replies)
    if not replies:
        return text
    member = hw.store.members.get(workspace_id, user_id)
    period = period_of(hw.now(), member.tz if member else "UTC")
    return {"text": text, "blocks": history_blocks(
        [(r, why_not_editable(r, user_id, period)) for r in replies])}


def _stats(hw: Headway, req: Request) -> str:
    member = active_member(hw, req)
    period = period_of(hw.now(), member.tz)
    weeks = [*recent_periods(period, STATS_WEEKS - 1), period]
    return say.stats(hw.store.replies.week_shares(req.workspace_id, weeks, user_id=req.user_id),
                     STATS_WEEKS)


HANDLERS: dict[str, Handler] = {
    "now": slow(_now),  # sends the DM through Slack
    "history": fast(_history),
    "stats": fast(_stats),
}

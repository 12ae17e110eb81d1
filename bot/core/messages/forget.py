"""`forget me`: the question that asks first, and the two answers to it."""

from __future__ import annotations

from typing import Any

from bot.core.messages.blocks import section
from bot.core.messages.ids import FORGET_CANCEL, FORGET_CONFIRM

KEPT = "Kept: nothing was deleted."


def forget_prompt() -> dict[str, Any]:
    """The ephemeral question with its two buttons (their ids: `ids.FORGET_*`)."""
    text = ("*Delete everything Headway stores about you?* Your answers, their labels, "
            "your corrections, your delivery history and your settings. This can't be undone. "
            "Your team's tracked problems stay with the team; you will no longer own any.")
    return {
        "text": text,
        "blocks": [
            section(text),
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "style": "danger", "action_id": FORGET_CONFIRM,
                     "text": {"type": "plain_text", "text": "Delete my data"}, "value": "yes"},
                    {"type": "button", "action_id": FORGET_CANCEL,
                     "text": {"type": "plain_text", "text": "Keep it"}, "value": "no"},
                ],
            },
        ],
    }


def forgotten(counts: dict[str, int]) -> str:
    """After the deletion, with what `store.members.forget` counted."""
    unowned = counts.get("problems_unowned", 0)
    problems = (f" You no longer own {unowned} tracked problem{'s' if unowned != 1 else ''}: "
                f"{'they stay' if unowned != 1 else 'it stays'} with the team, for someone "
                f"else to pick up." if unowned else "")
    return (f"Deleted: {counts['replies']} answers, {counts['items']} items, "
            f"{counts['corrections']} corrections and your settings. "
            f"Headway no longer knows anything about you.{problems}")

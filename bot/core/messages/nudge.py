"""The nudge DM, what it turns into once dealt with, and the answer modal it opens.
Pure functions returning plain dicts; user text is always escaped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.messages.blocks import Block, button, context, section
from bot.core.messages.effort import effort_blocks
from bot.core.messages.ids import (
    ANSWER,
    ANSWER_BLOCK,
    ANSWER_INPUT,
    ANSWER_VIEW,
    NUDGE_EVENT,
    SKIP,
    SNOOZE,
)
from bot.core.model import Prompt
from bot.core.text import safe, truncate

# ── the nudge ────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class NudgeMessage:
    text: str
    blocks: list[Block]
    metadata: dict[str, Any]


def nudge_message(
    prompt: Prompt, period: str, nudge_id: int, workspace_id: str, user_id: str,
    reminder: bool = False, follow_up: str | None = None, effort: str | None = None,
) -> NudgeMessage:
    """The nudge DM. The weekly `work` question carries the optional effort question
    below its buttons (`effort`: the member's answer so far, shown chosen)."""
    lead = "Reminder: " if reminder else ""
    private = " Only you will see this answer." if prompt.kind == "reflection" else ""
    opening = [context(f"↩︎ {safe(follow_up, 2900)}")] if follow_up else []
    blocks = [
        *opening,
        section(f"{lead}*{safe(prompt.text, 2900)}*"),
        context(
            f"Week {period} · reply right here in this DM (one line per thing), "
            f"or tap *Answer*.{private}"
        ),
        {
            "type": "actions",
            "block_id": f"nudge:{nudge_id}",
            "elements": [
                button("Answer", ANSWER, str(nudge_id), "primary"),
                button("Skip this week", SKIP, str(nudge_id)),
                button("Snooze 2h", SNOOZE, str(nudge_id)),
            ],
        },
        *(effort_blocks(nudge_id, effort) if prompt.kind == "work" else []),
    ]
    # Message metadata names the ledger key, so a restart can find nudges that reached
    # Slack but whose "sent" mark never reached the database.
    metadata = {
        "event_type": NUDGE_EVENT,
        "event_payload": {
            "nudge_id": nudge_id,
            "team_id": workspace_id,
            "user_id": user_id,
            "prompt_id": prompt.id,
            "period": period,
        },
    }
    return NudgeMessage(text=truncate(lead + prompt.text, 300), blocks=blocks, metadata=metadata)


def nudge_closed_blocks(prompt: Prompt, period: str, note: str, *,
                        nudge_id: int | None = None, effort: str | None = None) -> list[Block]:
    """What a nudge turns into once answered, skipped or snoozed (buttons removed). With
    its `nudge_id`, a `work` question keeps the effort question (answered: `effort`): it can
    be answered or changed after the work question."""
    blocks = [section(f"*{safe(prompt.text, 2900)}*"), context(f"Week {period} · {note}")]
    if nudge_id is not None and prompt.kind == "work":
        blocks += effort_blocks(nudge_id, effort)
    return blocks


# ── the answer modal ─────────────────────────────────────────────────────────


def answer_modal(prompt: Prompt, period: str, nudge_id: int) -> Block:
    hint = "One line per thing you did." if prompt.kind == "work" else ""
    return {
        "type": "modal",
        "callback_id": ANSWER_VIEW,
        "private_metadata": str(nudge_id),
        "title": {"type": "plain_text", "text": "Headway"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*{safe(prompt.text, 2900)}*"),
            {
                "type": "input",
                "block_id": ANSWER_BLOCK,
                "label": {"type": "plain_text", "text": f"Your answer for {period}"},
                "hint": {"type": "plain_text", "text": hint or "Answer in your own words."},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ANSWER_INPUT,
                    "multiline": True,
                    "max_length": 3000,
                },
            },
        ],
    }

"""The effort question under the weekly work question, as the nudge DM carries it: the
question and one button per answer, the member's answer (if any) marked. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.effort import EFFORT_CAPTIONS, EFFORT_CHOICES, EFFORT_QUESTION, EFFORT_SAID
from bot.core.messages.blocks import Block, button, section
from bot.core.messages.ids import EFFORT_ACTIONS

# The two blocks' ids name the nudge: a tap redraws exactly these in the clicked message.
QUESTION_BLOCK = "effort_q:{nudge_id}"
BUTTONS_BLOCK = "effort:{nudge_id}"


def effort_blocks(nudge_id: int, chosen: str | None = None) -> list[Block]:
    """The question and its five buttons; the chosen answer is highlighted and repeated,
    with how to change it."""
    said = next((f"You said *{EFFORT_SAID[c]}* (tap another to change it)."
                 for c in EFFORT_CHOICES if c == chosen), "_Optional: one tap._")
    question = section(f"*{EFFORT_QUESTION}*\n{said}")
    question["block_id"] = QUESTION_BLOCK.format(nudge_id=nudge_id)
    buttons = {
        "type": "actions",
        "block_id": BUTTONS_BLOCK.format(nudge_id=nudge_id),
        "elements": [button(EFFORT_CAPTIONS[c], EFFORT_ACTIONS[c], str(nudge_id),
                            "primary" if c == chosen else None) for c in EFFORT_CHOICES],
    }
    return [question, buttons]


def with_effort_answer(blocks: Sequence[Block], nudge_id: int,
                       chosen: str) -> list[Block] | None:
    """`blocks` (a message as Slack sends it back with a click) with its effort question
    redrawn to show `chosen`, everything else as it was; None when the message has no
    effort question for that nudge."""
    ours = {QUESTION_BLOCK.format(nudge_id=nudge_id), BUTTONS_BLOCK.format(nudge_id=nudge_id)}
    at = next((i for i, b in enumerate(blocks) if b.get("block_id") in ours), None)
    if at is None:
        return None
    rest = [b for b in blocks if b.get("block_id") not in ours]
    return [*rest[:at], *effort_blocks(nudge_id, chosen), *rest[at:]]

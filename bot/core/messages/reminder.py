"""The gentle reminder DM (`bot.reminders`): short, kind, and carrying the question's own
**Answer** and **Skip this week** buttons (their value is the nudge, so the listeners that
answer a nudge answer it). Pure; user text is always escaped."""

from __future__ import annotations

from datetime import datetime

from bot.core.messages.blocks import button, context, section
from bot.core.messages.ids import ANSWER, REMINDER_EVENT, SKIP
from bot.core.messages.nudge import NudgeMessage
from bot.core.model import Prompt
from bot.core.text import safe, truncate
from bot.core.zones import zone


def when_local(instant: datetime, tz: str) -> str:
    """`Monday at 09:00` on the member's own clock."""
    local = instant.astimezone(zone(tz))
    return f"{local:%A} at {local:%H:%M}"


def reminder_message(prompt: Prompt, period: str, nudge_id: int, reminder_id: int,
                     workspace_id: str, user_id: str, digest_at: datetime,
                     tz: str) -> NudgeMessage:
    """The reminder about the work question `prompt` of `period` (nudge `nudge_id`), before
    the digest posted at `digest_at`, told on the member's clock (`tz`)."""
    when = when_local(digest_at, tz)
    text = (f"A gentle reminder: your week's answer isn't in yet, and the digest goes out "
            f"{when} (your time).")
    blocks = [
        section(f"A gentle reminder, in case this week got away from you: *"
                f"{safe(prompt.text, 2800)}*"),
        context(f"Week {period} · the digest goes out {when} (your time). A line or two is "
                f"plenty: reply right here, or tap *Answer*. No pressure: you can skip."),
        {
            "type": "actions",
            "block_id": f"nudge:{nudge_id}",
            "elements": [
                button("Answer", ANSWER, str(nudge_id), "primary"),
                button("Skip this week", SKIP, str(nudge_id)),
            ],
        },
    ]
    metadata = {
        "event_type": REMINDER_EVENT,
        "event_payload": {
            "reminder_id": reminder_id,
            "nudge_id": nudge_id,
            "team_id": workspace_id,
            "user_id": user_id,
            "period": period,
        },
    }
    return NudgeMessage(text=truncate(text, 300), blocks=blocks, metadata=metadata)

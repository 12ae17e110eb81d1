"""Editing an answer from Headway: the Edit button beside an answer (App Home, `/headway
history`), the form it opens with the answer filled in, and what is said instead when an
answer cannot be edited there. Pure functions returning plain dicts; user text escaped
wherever it is mrkdwn (the form's text box is plain text: it gets the answer as typed)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.edits import EDITABLE_WEEKS, FORM_MAX_CHARS, NotEditable
from bot.core.messages.blocks import Block, button, context, section
from bot.core.messages.confirmation import LABEL_NAMES
from bot.core.messages.ids import ANSWER_BLOCK, ANSWER_INPUT, EDIT_ANSWER, EDIT_VIEW
from bot.core.model import Reply
from bot.core.text import safe, show

WHY_NOT: dict[NotEditable, str] = {
    "not_yours": "Only the person who wrote an answer can edit it.",
    "in_message": ("You sent this answer as a message in your DM with Headway: edit (or "
                   "delete) that message in Slack, and the answer follows."),
    "too_old": (f"Answers can be edited here during their week and the {EDITABLE_WEEKS} "
                f"weeks after; this one is older."),
    "too_long": (f"This answer is longer than the form holds ({FORM_MAX_CHARS:,} "
                 f"characters)."),
}
# Under an answer that came from a DM message, in place of the Edit button.
IN_MESSAGE_NOTE = "Sent as a DM: edit that message in Slack to change it."


def edit_button(reply: Reply) -> Block:
    assert reply.id is not None
    return button("Edit", EDIT_ANSWER, str(reply.id))


def answer_heading(reply: Reply, why_not: NotEditable | None) -> list[Block]:
    """The line above an answer's items in App Home: its week and kind, with the Edit
    button when it can be edited here, or the way to edit a DM answer."""
    head = f"Week {reply.period} · {reply.kind}"
    if why_not is None:
        return [section(head, accessory=edit_button(reply))]
    if why_not == "in_message":
        return [context(f"{head} · {IN_MESSAGE_NOTE}")]
    return [context(head)]


# ── the form ────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class EditForm:
    """What the edit form carries in its private_metadata, through Slack and back."""

    reply_id: int
    seen: str  # the fingerprint of the text the form opened with (`edits.fingerprint`)
    origin: str  # "home" | "history": what to redraw once the edit is stored
    response_url: str | None = None  # the `history` message's, to redraw it

    def encode(self) -> str:
        data = {"reply": self.reply_id, "seen": self.seen, "from": self.origin}
        if self.response_url:
            data["url"] = self.response_url
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | None) -> EditForm | None:
        """None for anything that is not a form Headway opened."""
        try:
            data = json.loads(text or "")
            reply_id, seen, origin = data["reply"], data["seen"], data["from"]
        except (ValueError, TypeError, KeyError):
            return None
        if (not isinstance(reply_id, int) or isinstance(reply_id, bool)
                or not isinstance(seen, str) or origin not in ("home", "history")):
            return None
        url = data.get("url")
        return cls(reply_id, seen, origin, url if isinstance(url, str) else None)


def edit_modal(prompt_text: str, reply: Reply, form: EditForm) -> Block:
    """The answer form with the stored answer filled in, exactly as it was typed."""
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": form.encode(),
        "title": {"type": "plain_text", "text": "Edit your answer"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*{safe(prompt_text, 2900)}*" if prompt_text else f"*{reply.kind}*"),
            {
                "type": "input",
                "block_id": ANSWER_BLOCK,
                "label": {"type": "plain_text", "text": f"Your answer for {reply.period}"},
                "hint": {"type": "plain_text",
                         "text": "Lines you leave as they are keep their labels and your fixes."},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ANSWER_INPUT,
                    "multiline": True,
                    "max_length": FORM_MAX_CHARS,
                    "initial_value": reply.text,
                },
            },
        ],
    }


def cannot_edit_modal(why: str) -> Block:
    """Said instead of the form when the answer cannot be edited here (`WHY_NOT`: an old
    button, a DM answer, someone else's; or `GONE`)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Edit your answer"},
        "close": {"type": "plain_text", "text": "OK"},
        "blocks": [section(why)],
    }


CHANGED_MEANWHILE = ("This answer changed since you opened the form (edited elsewhere). "
                     "Press Cancel, then Edit again to start from what is stored now.")
GONE = "This answer is no longer stored (deleted, or forgotten)."


# ── `/headway history` ───────────────────────────────────────────────────────


def history_blocks(replies: Sequence[tuple[Reply, NotEditable | None]]) -> list[Block]:
    """The member's recent answers, one section each (its week, kind and items with their
    labels), with the Edit button where the answer can be edited here."""
    blocks: list[Block] = [section("*Your recent answers*")]
    for reply, why_not in replies:
        lines = [f"*{reply.period}* · {reply.kind}"]
        for item in reply.items:
            label = f" — _{LABEL_NAMES[item.label]}_" if item.label else ""
            lines.append(f"• {show(item.text, 300)}{label}")
        text = "\n".join(lines)[:2900]
        blocks.append(section(text, accessory=edit_button(reply) if why_not is None else None))
        if why_not == "in_message":
            blocks.append(context(IN_MESSAGE_NOTE))
    return blocks

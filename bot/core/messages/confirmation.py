"""The confirmation DM: what was stored and how each item was labelled, with a button to
fix each label. Pure functions returning plain dicts; user text is always escaped."""

from __future__ import annotations

from bot.core.messages.blocks import Block, button, context, section
from bot.core.messages.ids import FLIP
from bot.core.model import Item, Label, Reply
from bot.core.text import safe, show

LABEL_NAMES: dict[str, str] = {"progress": "progress", "ktlo": "keeping the lights on"}
LABEL_EMOJI: dict[str, str] = {"progress": ":rocket:", "ktlo": ":bulb:"}
MAX_ITEM_BLOCKS = 40  # confirmation: room for header/context blocks under Slack's 50


def item_line(item: Item) -> str:
    """An item as the confirmation and App Home show it: its label, how it was set and
    why, then the text."""
    text = show(item.text, 2600)
    if item.label is None:
        return f"• {text}"
    how = "you set" if item.label_source == "user" else f"auto, {round(item.confidence * 100)}%"
    why = ""
    if item.reasons and item.label_source == "auto":
        why = " — " + ", ".join(f"“{safe(r, 60)}”" for r in item.reasons[:3])
    return f"{LABEL_EMOJI[item.label]} *{LABEL_NAMES[item.label]}* ({how}{why})\n{text}"


def flip_button(item: Item) -> Block | None:
    """The button that gives a labelled item the other label (none for an unlabelled one)."""
    if item.label is None or item.id is None:
        return None
    other: Label = "ktlo" if item.label == "progress" else "progress"
    caption = "Mark as progress" if other == "progress" else "Mark as lights-on"
    return button(caption, FLIP, f"{item.id}:{other}")


def confirmation_blocks(prompt_text: str, reply: Reply,
                        edited: bool = False) -> tuple[str, list[Block]]:
    """The DM that says what was stored and how each item was labelled, with fix buttons.
    After the member edits their message, the same DM says so (updated in place)."""
    n = len(reply.items)
    count = f"{n} item{'s' if n != 1 else ''}"
    verb = "Updated your answer after your edit" if edited else "Stored your answer"
    head = f":white_check_mark: {verb} for week {reply.period} ({count})."
    blocks: list[Block] = [section(head), context(f"_{safe(prompt_text, 280)}_")]
    shown = reply.items[:MAX_ITEM_BLOCKS]
    for item in shown:
        blocks.append(section(item_line(item), flip_button(item)))
    if n > len(shown):
        blocks.append(context(f"…and {n - len(shown)} more, all stored. Fix their labels "
                              f"from Headway's *Home* tab."))
    if n == 0 and reply.kind == "work":
        blocks.append(context("Nothing in that reads as work: a greeting or a mention on its "
                              "own is not an item. Reply with what you did this week, one "
                              "line per thing."))
    if any(i.label for i in reply.items):
        blocks.append(context("Wrong label? One click fixes it, and Headway learns from it "
                              "for your workspace."))
    if reply.kind == "reflection":
        blocks.append(context(":lock: Private: this answer never appears in the digest."))
    return head, blocks


def removed_confirmation_blocks(prompt_text: str, period: str) -> tuple[str, list[Block]]:
    """What the confirmation turns into when the member deletes their answer's message."""
    head = f":wastebasket: You deleted this answer for week {period}: it is no longer stored."
    return head, [
        section(head),
        context(f"_{safe(prompt_text, 280)}_"),
        context("It leaves the digest too. Reply here to answer again."),
    ]



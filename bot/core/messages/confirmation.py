"""The confirmation DM: what was stored and how each item was labelled, with buttons to
fix each label; an item Headway is unsure about asks its question instead. Pure functions
returning plain dicts; user text is always escaped."""

from __future__ import annotations

from bot.core.labelling import is_unsure
from bot.core.messages.blocks import Block, button, context, section
from bot.core.messages.ids import ANSWER_LABEL, FLIP
from bot.core.model import LABELS, Item, Reply
from bot.core.text import safe, show

LABEL_NAMES: dict[str, str] = {"progress": "progress", "ktlo": "keeping the lights on",
                               "none": "no work in it · not counted"}
LABEL_EMOJI: dict[str, str] = {"progress": ":rocket:", "ktlo": ":bulb:", "none": ":zzz:"}
FIX_CAPTIONS: dict[str, str] = {"progress": "Mark as progress", "ktlo": "Mark as lights-on",
                                "none": "Mark as no work"}
ANSWER_CAPTIONS: dict[str, str] = {"progress": "Progress", "ktlo": "Keeping the lights on",
                                   "none": "No work in it"}
# Each item is two blocks (the item, its buttons): 20 items and the header and notes stay
# under Slack's 50 blocks per message.
MAX_ITEMS_SHOWN = 20


def item_line(item: Item) -> str:
    """An item as the confirmation and App Home show it: its label, how it was set and
    why, then the text."""
    text = show(item.text, 2600)
    if item.label is None:
        return f"• {text}"
    if is_unsure(item):
        return _question(item) + f"\n{text}"
    how = "you set" if item.label_source == "user" else f"auto, {round(item.confidence * 100)}%"
    why = ""
    if item.reasons and item.label_source == "auto":
        why = " — " + ", ".join(f"“{safe(r, 60)}”" for r in item.reasons[:3])
    return f"{LABEL_EMOJI[item.label]} *{LABEL_NAMES[item.label]}* ({how}{why})\n{text}"


def _question(item: Item) -> str:
    """The question an unsure item asks, with Headway's guess and why, plainly."""
    ask = ("Any work in this?" if item.label == "none"
           else "Progress or keeping the lights on?")
    guess = "no work in it" if item.label == "none" else LABEL_NAMES[item.label or "ktlo"]
    why = ""
    if item.reasons:
        why = ", " + ", ".join(f"“{safe(r, 60)}”" for r in item.reasons[:2])
    return (f":grey_question: *{ask}* I'm not sure: my guess is {guess} "
            f"({round(item.confidence * 100)}%{why}).")


def label_buttons(item: Item) -> Block | None:
    """The item's buttons: for an unsure item, its question's answers (every label, the
    guess included: confirming it is an answer too); otherwise the fixes to the other two
    labels. None for an unlabelled or unstored item."""
    if item.label is None or item.id is None:
        return None
    if is_unsure(item):
        elements = [button(ANSWER_CAPTIONS[label], f"{ANSWER_LABEL}_{label}",
                           f"{item.id}:{label}") for label in LABELS]
    else:
        elements = [button(FIX_CAPTIONS[label], f"{FLIP}_{label}", f"{item.id}:{label}")
                    for label in LABELS if label != item.label]
    return {"type": "actions", "block_id": f"item:{item.id}", "elements": elements}


def item_blocks(item: Item) -> list[Block]:
    """One item as the member sees it: what they wrote, its label (or the question), and
    the buttons that set it."""
    buttons = label_buttons(item)
    return [section(item_line(item)), *([buttons] if buttons else [])]


def confirmation_blocks(prompt_text: str, reply: Reply,
                        edited: bool = False) -> tuple[str, list[Block]]:
    """The DM that says what was stored and how each item was labelled, with fix buttons;
    an item Headway is unsure about asks its question instead. After the member edits
    their message, the same DM says so (updated in place)."""
    n = len(reply.items)
    count = f"{n} item{'s' if n != 1 else ''}"
    verb = "Updated your answer after your edit" if edited else "Stored your answer"
    head = f":white_check_mark: {verb} for week {reply.period} ({count})."
    blocks: list[Block] = [section(head), context(f"_{safe(prompt_text, 280)}_")]
    shown = reply.items[:MAX_ITEMS_SHOWN]
    for item in shown:
        blocks += item_blocks(item)
    if n > len(shown):
        blocks.append(context(f"…and {n - len(shown)} more, all stored. Fix their labels "
                              f"from Headway's *Home* tab."))
    if n == 0 and reply.kind == "work":
        blocks.append(context("Nothing in that reads as work: a greeting or a mention on its "
                              "own is not an item. Reply with what you did this week, one "
                              "line per thing."))
    unsure = sum(1 for i in reply.items if is_unsure(i))
    none = sum(1 for i in reply.items if i.label == "none")
    notes = []
    if unsure:
        notes.append(f"I wasn't sure about {unsure} item{'s' if unsure != 1 else ''}: your "
                     f"answer counts as a correction.")
    if none:
        notes.append("Lines with no work in them are kept here for you and left out of "
                     "every progress share.")
    if any(i.label for i in reply.items):
        notes.append("Wrong label? One click fixes it, and Headway learns from it for your "
                     "workspace.")
    if notes:
        blocks.append(context(" ".join(notes)))
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



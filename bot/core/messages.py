"""Block Kit for the member-facing surfaces: the nudge DM, the confirmation, the answer
modal and App Home. Pure functions returning plain dicts; user text is always escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.labelling import is_unsure
from bot.core.model import LABELS, Item, Member, Prompt, Reply, WeekShare
from bot.core.text import safe, show, truncate

Block = dict[str, Any]

# action_ids: the listeners register these names; keep them stable across releases so
# buttons on old messages keep working.
ANSWER = "nudge_answer"
SKIP = "nudge_skip"
SNOOZE = "nudge_snooze"
# A label fix: "label_flip_<label>" sets <label> (value "<item id>:<label>"); plain
# "label_flip" is the one button of confirmations sent before `none` existed. An unsure
# item's question: "label_answer_<label>", same value. Listeners match both by prefix.
FLIP = "label_flip"
ANSWER_LABEL = "label_answer"
ANSWER_VIEW = "answer_modal"
ANSWER_BLOCK = "answer"
ANSWER_INPUT = "answer_text"
NUDGE_EVENT = "headway_nudge"

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
SECTION_LIMIT = 3000


def _section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if accessory:
        block["accessory"] = accessory
    return block


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


# ── the nudge ────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class NudgeMessage:
    text: str
    blocks: list[Block]
    metadata: dict[str, Any]


def nudge_message(
    prompt: Prompt, period: str, nudge_id: int, team_id: str, user_id: str,
    reminder: bool = False, follow_up: str | None = None,
) -> NudgeMessage:
    lead = "Reminder: " if reminder else ""
    private = " Only you will see this answer." if prompt.kind == "reflection" else ""
    opening = [_context(f"↩︎ {safe(follow_up, 2900)}")] if follow_up else []
    blocks = [
        *opening,
        _section(f"{lead}*{safe(prompt.text, 2900)}*"),
        _context(
            f"Week {period} · reply right here in this DM (one line per thing), "
            f"or tap *Answer*.{private}"
        ),
        {
            "type": "actions",
            "block_id": f"nudge:{nudge_id}",
            "elements": [
                _button("Answer", ANSWER, str(nudge_id), "primary"),
                _button("Skip this week", SKIP, str(nudge_id)),
                _button("Snooze 2h", SNOOZE, str(nudge_id)),
            ],
        },
    ]
    # Message metadata names the ledger key, so a restart can find nudges that reached
    # Slack but whose "sent" mark never reached the database.
    metadata = {
        "event_type": NUDGE_EVENT,
        "event_payload": {
            "nudge_id": nudge_id,
            "team_id": team_id,
            "user_id": user_id,
            "prompt_id": prompt.id,
            "period": period,
        },
    }
    return NudgeMessage(text=truncate(lead + prompt.text, 300), blocks=blocks, metadata=metadata)


def nudge_closed_blocks(prompt: Prompt, period: str, note: str) -> list[Block]:
    """What a nudge turns into once answered, skipped or snoozed (buttons removed)."""
    return [_section(f"*{safe(prompt.text, 2900)}*"), _context(f"Week {period} · {note}")]


# ── the confirmation ─────────────────────────────────────────────────────────


def _item_line(item: Item) -> str:
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
        elements = [_button(ANSWER_CAPTIONS[label], f"{ANSWER_LABEL}_{label}",
                            f"{item.id}:{label}") for label in LABELS]
    else:
        elements = [_button(FIX_CAPTIONS[label], f"{FLIP}_{label}", f"{item.id}:{label}")
                    for label in LABELS if label != item.label]
    return {"type": "actions", "block_id": f"item:{item.id}", "elements": elements}


def item_blocks(item: Item) -> list[Block]:
    """One item as the member sees it: what they wrote, its label (or the question), and
    the buttons that set it."""
    buttons = label_buttons(item)
    return [_section(_item_line(item)), *([buttons] if buttons else [])]


def confirmation_blocks(prompt_text: str, reply: Reply,
                        edited: bool = False) -> tuple[str, list[Block]]:
    """The DM that says what was stored and how each item was labelled, with fix buttons;
    an item Headway is unsure about asks its question instead. After the member edits
    their message, the same DM says so (updated in place)."""
    n = len(reply.items)
    count = f"{n} item{'s' if n != 1 else ''}"
    verb = "Updated your answer after your edit" if edited else "Stored your answer"
    head = f":white_check_mark: {verb} for week {reply.period} ({count})."
    blocks: list[Block] = [_section(head), _context(f"_{safe(prompt_text, 280)}_")]
    shown = reply.items[:MAX_ITEMS_SHOWN]
    for item in shown:
        blocks += item_blocks(item)
    if n > len(shown):
        blocks.append(_context(f"…and {n - len(shown)} more, all stored. Fix their labels "
                               f"from Headway's *Home* tab."))
    if n == 0 and reply.kind == "work":
        blocks.append(_context("Nothing in that reads as work: a greeting or a mention on its "
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
        blocks.append(_context(" ".join(notes)))
    if reply.kind == "reflection":
        blocks.append(_context(":lock: Private: this answer never appears in the digest."))
    return head, blocks


def removed_confirmation_blocks(prompt_text: str, period: str) -> tuple[str, list[Block]]:
    """What the confirmation turns into when the member deletes their answer's message."""
    head = f":wastebasket: You deleted this answer for week {period}: it is no longer stored."
    return head, [
        _section(head),
        _context(f"_{safe(prompt_text, 280)}_"),
        _context("It leaves the digest too. Reply here to answer again."),
    ]


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
            _section(f"*{safe(prompt.text, 2900)}*"),
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


# ── App Home ─────────────────────────────────────────────────────────────────


def share_bar(share: float | None, width: int = 10) -> str:
    if share is None:
        return "no data"
    filled = round(share * width)
    return "▓" * filled + "░" * (width - filled) + f" {round(share * 100)}%"


def home_view(
    member: Member | None,
    recent: Sequence[Reply],
    shares: Sequence[WeekShare],
    schedule_line: str,
) -> Block:
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Headway"}},
    ]
    if member is None or not member.active:
        blocks.append(_section("You're not enrolled. Type `/headway join` to get a short weekly "
                               "question by DM, and `/headway help` for everything else."))
        return {"type": "home", "blocks": blocks}

    settings = [
        f"*When:* {schedule_line}",
        f"*Time zone:* {safe(member.tz)}",
        f"*Paused until:* {member.paused_until.isoformat()}" if member.paused_until else None,
        "*Digest:* your answers appear " + ("without your name" if member.anonymous
                                           else "with your name"),
    ]
    blocks.append(_section("\n".join(s for s in settings if s)))
    blocks.append(_context("Change with `/headway time 09:30 mon-fri`, `/headway pause 2`, "
                           "`/headway anonymous on`."))

    blocks.append({"type": "divider"})
    blocks.append(_section("*Your progress share, recent weeks*\n" + "\n".join(
        f"`{w.period}` {share_bar(w.share)}" for w in shares
    ) if shares else "*Your progress share*\nNo labelled work yet."))

    blocks.append({"type": "divider"})
    title = "*Your recent answers*"
    blocks.append(_section(title if recent else f"{title}\nNone yet."))
    budget = 100 - len(blocks) - 2  # Home views allow 100 blocks
    for reply in recent:
        if budget <= 1:
            break
        blocks.append(_context(f"Week {reply.period} · {reply.kind}"))
        budget -= 1
        for item in reply.items:
            shown = item_blocks(item)
            if budget < len(shown):
                break
            blocks += shown
            budget -= len(shown)
    return {"type": "home", "blocks": blocks}

"""From a member's answer to labelled items: split, then classify or file by prompt kind."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.classify import classify_many
from bot.core.items import split_items
from bot.core.model import Item, Label, PromptKind
from bot.core.text import readable

# Answers to these prompts are filed by the prompt's kind, not classified: a problem
# someone names is agenda material, not a unit of the week's work.
FILED_KINDS: frozenset[str] = frozenset({"problem", "opportunity", "recognition", "reflection"})
# Under this calibrated confidence Headway asks the member instead of just telling them:
# its guess is wrong about one time in three or more. Chosen on the dev splits.
UNSURE = 0.75


def label_answer(
    text: str, kind: PromptKind, corrections: Sequence[tuple[str, Label]] = ()
) -> tuple[Item, ...]:
    """Items of one answer. `work` items get a label; other kinds are filed as they are."""
    parts = split_items(text) if kind == "work" else [text.strip()]
    parts = [p for p in parts if p.strip()]
    if kind in FILED_KINDS:
        return tuple(Item(text=p, kind=kind, label=None, label_source="prompt") for p in parts)
    # The classifier reads what people see ("@Ana", "PR 812"), not Slack's markup; the
    # items keep the markup so that mentions and links can be shown later.
    labels = classify_many([readable(p) for p in parts],
                           [(readable(t), label) for t, label in corrections])
    return tuple(
        Item(
            text=p,
            kind=kind,
            label=c.label,
            confidence=c.confidence,
            reasons=c.reasons,
            label_source="auto",
        )
        for p, c in zip(parts, labels, strict=True)
    )


def flipped(label: Label | None) -> Label:
    """The other work label (progress for KTLO, KTLO for progress); progress otherwise."""
    return "ktlo" if label == "progress" else "progress"


def is_unsure(item: Item) -> bool:
    """Headway labelled this `work` item itself, with a confidence under `UNSURE`, and
    the member has not answered it yet: it asks them instead of telling them. (An answer
    makes the label the member's, `label_source` "user".)"""
    return (item.kind == "work" and item.label is not None and item.label_source == "auto"
            and item.confidence < UNSURE)

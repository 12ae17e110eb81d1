"""Block Kit pieces every surface builds with. Pure: plain dicts in Slack's shapes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Block = dict[str, Any]


def section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if accessory:
        block["accessory"] = accessory
    return block


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    made: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        made["style"] = style
    return made


# A line of a digest's list and the sub-heading it sits under (None: none).
Entry = tuple[str | None, str]


def entry_lines(entries: Sequence[Entry]) -> list[str]:
    """The entries as lines, each sub-heading written where its items begin."""
    lines: list[str] = []
    heading: str | None = None
    for sub, text in entries:
        if sub is not None and sub != heading:
            lines.append(sub)
        heading = sub
        lines.append(text)
    return lines

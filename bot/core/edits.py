"""What an edit in Slack does to a stored reply: pure policy, no Slack, no SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.core.model import Item

# An edit of a message Headway never stored is taken as the answer only while Slack may
# still be redelivering the original message (it retries for about 5 minutes): after a
# restart, the edit can arrive before the original's redelivery, and the newest text must
# win. Older messages are left alone, so an edit never brings back an answer the member
# had removed (`forget me`, retention) nor files an old message as this week's answer.
ADOPT_UNSTORED_WITHIN = timedelta(minutes=10)


def carry_over(old: Sequence[Item], fresh: Sequence[Item]) -> tuple[Item, ...]:
    """The items of an edited answer, in the new order.

    `fresh` is the edited text freshly split and labelled. A line that was already in the
    answer keeps its stored item instead: its id, its label, and a correction the member
    made (`label_source` "user"). Lines are matched by their exact text, each stored item
    at most once (a line written twice keeps two items). Stored items left unmatched are
    the removed lines.
    """
    unused = list(old)
    out: list[Item] = []
    for item in fresh:
        match = next((o for o in unused if o.text == item.text and o.kind == item.kind), None)
        if match is None:
            out.append(item)
        else:
            unused.remove(match)
            out.append(match)
    return tuple(out)


def is_newer_edit(edited_ts: str | None, stored_edited_ts: str | None) -> bool:
    """Whether an edit stamped `edited_ts` (Slack's `edited.ts`) is not older than the
    newest edit already applied: an older edit arriving late must not undo a newer one.
    (The same edit again, a redelivery, passes here and then changes nothing.)"""
    if edited_ts is None or stored_edited_ts is None:
        return True
    return _ts_key(edited_ts) >= _ts_key(stored_edited_ts)


def adopts_unstored_edit(message_ts: str, now: datetime) -> bool:
    """Whether an edit of a message Headway never stored is taken as a new answer."""
    try:
        sent = datetime.fromtimestamp(float(message_ts), UTC)
    except (ValueError, OverflowError, OSError):
        return False
    return now - sent <= ADOPT_UNSTORED_WITHIN


def _ts_key(ts: str) -> tuple[int, int]:
    """Slack ts "1665102362.013600" as integers, compared without float rounding."""
    whole, _, frac = ts.partition(".")
    try:
        return int(whole), int(frac.ljust(6, "0")[:6] or 0)
    except ValueError:
        return (0, 0)

"""What an edit does to a stored reply, in Slack or in Headway's own form (App Home,
`/headway history`): pure policy, no Slack, no SQL."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.core.model import Item, Reply
from bot.core.periods import period_monday, shift_period

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


# ── edits from Headway (App Home, `/headway history`) ───────────────────────

# An answer can be edited in Headway's form during its own week and this many weeks after
# (in the member's time zone): long enough to fix what was mistyped or forgotten once the
# digest is out. Later, that week's digest is a channel message weeks old that nobody reads
# again, and the digests since have built their trend and recurring firefights on it.
# (An edit in Slack of a DM answer has no such limit: Slack decides what can be edited.)
EDITABLE_WEEKS = 4
# The form's text box holds at most this many characters (`plain_text_input` max_length);
# an answer longer than that (only ever a DM answer) cannot be shown in it to edit.
FORM_MAX_CHARS = 3000

NotEditable = Literal["not_yours", "in_message", "too_old", "too_long"]


def why_not_editable(reply: Reply, user_id: str, current_period: str) -> NotEditable | None:
    """None when `user_id` may edit `reply` in Headway's form now; otherwise why not.

    - `not_yours`: only the author edits an answer;
    - `in_message`: the answer was a DM message, tied to it: edit the message in Slack.
      The form does not edit it too, because Slack sends `message_changed` for that message
      on its own (a thread reply under it, an unfurl) carrying the message's text, and that
      text would silently undo the form's edit; the message stays the one source of truth;
    - `too_old`: its week ended more than EDITABLE_WEEKS weeks before `current_period`;
    - `too_long`: longer than the form can hold.
    """
    if reply.user_id != user_id:
        return "not_yours"
    if reply.in_message:
        return "in_message"
    if not period_in_reach(reply.period, current_period):
        return "too_old"
    if len(reply.text) > FORM_MAX_CHARS:
        return "too_long"
    return None


def period_in_reach(period: str, current_period: str) -> bool:
    """Whether answers of `period` may still change from Headway (an edit, the effort
    question): `current_period` or one of the EDITABLE_WEEKS weeks before it (a later
    period too: a member who moved west may be a week behind it)."""
    try:
        return period_monday(period) >= period_monday(shift_period(current_period,
                                                                   -EDITABLE_WEEKS))
    except ValueError:
        return False


def fingerprint(text: str) -> str:
    """A short digest of an answer's text: the edit form carries it, so a submission can
    tell that the answer changed since the form was opened (an edit elsewhere)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]

"""The scheduler's side of a weekly message (a team's digest, the leaders' rollup): whether
it is due now (`post_if_due`: post, update or leave it, as `bot.core.policies.digest_step`
says), when it is next due (`next_due`), and what happens when Slack refuses it: a growing
wait (`bot.core.policies.retry_wait`: 1, 2, 4 … minutes, at most an hour) before the next
try, with a warning once per streak, then once an hour, not every minute."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.context import Headway
from bot.core.policies import DIGEST_GRACE, RETRY_MAX, digest_step, retry_wait
from bot.core.schedule import Weekly, due_digest, next_digest
from bot.digests import DigestError, Posted
from bot.store.digests import Digests

log = logging.getLogger(__name__)

# (workspace, channel, period) → (refusals in a row, not before)
Refusals = dict[tuple[str, str, str], tuple[int, datetime]]


def post_with_backoff(refusals: Refusals, key: tuple[str, str, str], now: datetime,
                      post: Callable[[], Posted], what: str) -> str | None:
    """`post()` unless Slack refused this message a moment ago; "posted", "updated", or
    None (waiting, or refused now). `what` names it in the log by ids, never by text."""
    refused = refusals.get(key)
    if refused is not None and now < refused[1]:
        return None  # Slack refused it a moment ago: wait out the backoff
    try:
        outcome = post()
    except DigestError as exc:
        count = refused[0] + 1 if refused else 1
        wait = retry_wait(count)
        refusals[key] = (count, now + wait)
        level = logging.WARNING if count == 1 or wait == RETRY_MAX else logging.DEBUG
        log.log(level, "%s not posted: %s (refused %d time%s in a row; trying again in %d "
                "min)", what, exc, count, "" if count == 1 else "s",
                wait.total_seconds() // 60)
        return None
    if refusals.pop(key, None) is not None:
        log.info("%s posted after Slack had refused it", what)
    return outcome.action


def post_if_due(hw: Headway, ledger: Digests, refusals: Refusals, workspace_id: str,
                channel: str, schedule: Weekly, now: datetime,
                post: Callable[[str], Posted], what: str) -> str | None:
    """Post (`post(period)`) or update the message `schedule` makes due at `now` in
    `channel`, or the newest one posted there when a change marked it; "posted",
    "updated" or None (nothing to do, or waiting out Slack's refusal)."""
    due = due_digest(schedule, now, DIGEST_GRACE)
    record = (ledger.get(workspace_id, channel, due.period) if due
              else ledger.latest_posted(workspace_id, channel))
    step = digest_step(due, record, now)
    if step is None:
        return None
    return post_with_backoff(refusals, (workspace_id, channel, step.period), now,
                             lambda: post(step.period), what)


def next_due(ledger: Digests, workspace_id: str, channel: str, schedule: Weekly,
             now: datetime) -> datetime | None:
    """When the message is next due: its next occurrence, once the one due now (if any)
    is out; None while it is not (Slack refused it, a claim is in flight), so it stays due
    and the next tick tries again within the grace window."""
    current = due_digest(schedule, now, DIGEST_GRACE)
    if current is not None:
        record = ledger.get(workspace_id, channel, current.period)
        if record is None or record.ts is None:
            return None
    upcoming = next_digest(schedule, now)
    return None if upcoming is None else upcoming.at

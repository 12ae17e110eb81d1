"""Posting a weekly message (a team's digest, the leaders' rollup) that Slack may refuse:
after a refusal it waits a growing while (`bot.core.policies.retry_wait`: 1, 2, 4 … minutes,
at most an hour) before the next try, and warns once per streak, then once an hour, not
every minute."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.core.policies import RETRY_MAX, retry_wait
from bot.digests import DigestError, Posted

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

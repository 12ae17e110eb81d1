"""Policies: when the scheduler posts a workspace's digest, updates it, or leaves it alone.

Each tick asks this, per workspace with a digest channel, over plain data: the digest
occurrence due now (`bot.core.schedule.due_digest` with `DIGEST_GRACE`), the stored record
of the digest it is about, and `now`. The answer names the week whose digest to post or
update; `bot.digests.post_digest` then claims, builds and sends it. The rules:

- **Due** (the workspace's digest time came within `DIGEST_GRACE`): post that week's digest
  unless it is already out and unchanged since, or another run claimed it a moment ago. A
  claim older than `STALE_CLAIM` that never became a post (its run died, or Slack never
  answered) is taken over, so one crash does not cost the week its digest.
- **Refused**: a post or update Slack refuses (the bot was removed from the channel, the
  channel was archived…) is tried again after 1, 2, 4… minutes, at most an hour apart
  (`retry_wait`), not every tick: the operator is told once, and Slack is not asked the
  same refused question sixty times an hour.
- **Not due**: late changes (replies, edits, deletions, label fixes, a member forgotten)
  mark the newest posted digest dirty; it follows them with `chat.update` until the next
  week's digest replaces it, batched: at most one update per `LATE_UPDATE_EVERY`, so a burst
  of changes is one `chat.update`, not one per change.

Pure: no Slack, no SQL, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from bot.core.schedule import DigestDue

# A digest still goes out this long after its time (after downtime, say).
DIGEST_GRACE = timedelta(hours=12)
# Late changes update a posted digest at most this often.
LATE_UPDATE_EVERY = timedelta(minutes=15)
# A claim this old that was never posted is taken over by the next run.
STALE_CLAIM = timedelta(minutes=10)
# A digest Slack refused is tried again after RETRY_FIRST, doubling up to RETRY_MAX.
RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)


def retry_wait(refusals: int) -> timedelta:
    """How long to wait before trying a digest again after `refusals` refusals in a row
    (1 → RETRY_FIRST, doubling each time, never more than RETRY_MAX)."""
    if refusals < 1:
        return timedelta(0)
    return min(RETRY_FIRST * 2 ** min(refusals - 1, 20), RETRY_MAX)


class DigestState(Protocol):
    """What the policy reads of a stored digest (`bot.store.DigestRecord`)."""

    @property
    def period(self) -> str: ...
    @property
    def ts(self) -> str | None: ...  # the posted message; None while only claimed
    @property
    def dirty(self) -> bool: ...  # something it shows changed since it was last built
    @property
    def claimed_at(self) -> datetime | None: ...
    @property
    def updated_at(self) -> datetime | None: ...  # last post or chat.update


@dataclass(frozen=True)
class DigestStep:
    """Post (a first post, or taking over a stale claim) or update the digest of `period`."""

    action: Literal["post", "update"]
    period: str


def claim_is_stale(record: DigestState, now: datetime) -> bool:
    """A claim a run left without posting, old enough for another run to take over."""
    return (record.ts is None and record.claimed_at is not None
            and now - record.claimed_at > STALE_CLAIM)


def digest_step(due: DigestDue | None, record: DigestState | None,
                now: datetime) -> DigestStep | None:
    """What to do with a workspace's digest at `now`; None: leave it.

    `due` is the occurrence due now (None when none is); `record` is, when due, the stored
    digest of `due.period` in the workspace's digest channel (None if there is none yet),
    and otherwise the newest digest posted there (None if none was).
    """
    if due is not None:
        if record is None:
            return DigestStep("post", due.period)
        if record.ts is None:
            # Claimed by another run: still being posted, unless the claim went stale.
            return DigestStep("post", due.period) if claim_is_stale(record, now) else None
        return DigestStep("update", due.period) if record.dirty else None
    if record is None or record.ts is None or not record.dirty:
        return None
    if record.updated_at is not None and now - record.updated_at < LATE_UPDATE_EVERY:
        return None  # batched: the next tick past the window takes every change since
    return DigestStep("update", record.period)

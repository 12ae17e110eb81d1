"""The digest policy, as a specification: when a tick posts a workspace's digest, updates
the posted one, or leaves it — over plain data (the due occurrence from the real schedule
maths, a stored digest's state, an injected `now`), with no Slack, no database, no clock."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.core.model import Team
from bot.core.policies import (
    DIGEST_GRACE,
    LATE_UPDATE_EVERY,
    STALE_CLAIM,
    DigestStep,
    claim_is_stale,
    digest_step,
    retry_wait,
)
from bot.core.schedule import due_digest

# Digests on Mondays at 09:00 UTC; Monday 23 November 2026 reviews 2026-W47.
WORKSPACE = Team(1, "T1", "Team", digest_channel="C1", digest_day=0, digest_time=time(9, 0))
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TUESDAY_9 = MONDAY_9 + timedelta(days=1)  # long past the grace window: nothing is due


@dataclass(frozen=True)
class Record:
    """A stored digest as the policy sees it (the fields of `bot.store.DigestRecord`)."""

    period: str = "2026-W47"
    ts: str | None = None
    dirty: bool = False
    claimed_at: datetime | None = None
    updated_at: datetime | None = None


def posted(at: datetime, *, dirty: bool = False, period: str = "2026-W47") -> Record:
    return Record(period=period, ts="1700000000.000100", dirty=dirty, claimed_at=at,
                  updated_at=at)


def step_at(now: datetime, record: Record | None) -> DigestStep | None:
    """The policy at `now`, with the due occurrence the scheduler would compute."""
    return digest_step(due_digest(WORKSPACE, now, DIGEST_GRACE), record, now)


# ── due: post it, once ───────────────────────────────────────────────────────


def test_a_due_digest_with_no_record_is_posted_for_the_week_it_reviews():
    assert step_at(MONDAY_9, None) == DigestStep("post", "2026-W47")


@pytest.mark.parametrize("late,due", [
    (timedelta(0), True),
    (DIGEST_GRACE - timedelta(minutes=1), True),
    (DIGEST_GRACE, False),  # exactly the grace old: no longer due
    (timedelta(days=1), False),
])
def test_a_digest_goes_out_late_only_within_the_grace_window(late, due):
    step = step_at(MONDAY_9 + late, None)
    assert step == (DigestStep("post", "2026-W47") if due else None)


def test_a_posted_digest_with_no_change_since_is_left_alone_while_due():
    assert step_at(MONDAY_9 + timedelta(minutes=1), posted(MONDAY_9)) is None


def test_a_posted_digest_that_changed_is_updated_at_once_while_due():
    record = posted(MONDAY_9, dirty=True)
    assert step_at(MONDAY_9 + timedelta(minutes=1), record) == DigestStep("update", "2026-W47")


# ── a claim another run holds ────────────────────────────────────────────────


@pytest.mark.parametrize("age,step", [
    (timedelta(minutes=1), None),  # another run is posting it right now
    (STALE_CLAIM, None),  # not older than STALE_CLAIM yet
    (STALE_CLAIM + timedelta(seconds=1), DigestStep("post", "2026-W47")),  # taken over
])
def test_a_claim_that_never_became_a_post_is_taken_over_once_stale(age, step):
    claim = Record(claimed_at=MONDAY_9)
    assert step_at(MONDAY_9 + age, claim) == step
    assert claim_is_stale(claim, MONDAY_9 + age) is (step is not None)


def test_a_posted_digest_is_never_a_stale_claim():
    assert not claim_is_stale(posted(MONDAY_9), MONDAY_9 + timedelta(days=3))


# ── not due: late changes update the newest posted digest, batched ───────────


def test_with_nothing_due_a_clean_or_missing_digest_is_left_alone():
    assert step_at(TUESDAY_9, None) is None
    assert step_at(TUESDAY_9, posted(MONDAY_9)) is None


def test_a_late_change_updates_the_newest_posted_digest_once_the_batch_window_passed():
    last = MONDAY_9 + timedelta(hours=20)
    record = replace(posted(MONDAY_9, dirty=True), updated_at=last)
    assert step_at(last + LATE_UPDATE_EVERY - timedelta(seconds=1), record) is None
    assert step_at(last + LATE_UPDATE_EVERY, record) == DigestStep("update", "2026-W47")
    # Never updated since the post (no updated_at): no window to wait out.
    assert step_at(TUESDAY_9, replace(record, updated_at=None)) == \
        DigestStep("update", "2026-W47")


def test_an_hour_of_changes_every_minute_makes_one_update_per_batch_window():
    """Ticks every minute, a late reply every minute: chat.update goes out every
    LATE_UPDATE_EVERY, and each one shows every change made before it."""
    record = posted(TUESDAY_9)
    updates = []
    for minute in range(1, 61):
        now = TUESDAY_9 + timedelta(minutes=minute)
        record = replace(record, dirty=True)  # a late reply marks it
        step = step_at(now, record)
        if step is not None:
            assert step == DigestStep("update", "2026-W47")
            updates.append(minute)
            record = replace(record, dirty=False, updated_at=now)  # what post_digest stores
    every = LATE_UPDATE_EVERY // timedelta(minutes=1)  # 15
    assert updates == list(range(every, 61, every))
    assert len(updates) > 1  # canary: more than one batch in the hour


def test_next_weeks_digest_when_due_is_posted_whatever_last_weeks_state():
    next_monday = MONDAY_9 + timedelta(weeks=1)
    # The tick asks about the due week's record; last week's dirty one is not consulted.
    assert step_at(next_monday, None) == DigestStep("post", "2026-W48")


def test_a_refused_digest_waits_one_minute_then_doubles_up_to_an_hour():
    assert retry_wait(0) == timedelta(0)
    assert [retry_wait(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert retry_wait(7) == timedelta(hours=1) and retry_wait(10_000) == timedelta(hours=1)

"""What is due: nudge and digest occurrences, the rests that cancel them, what is due now.

Pure: every function is handed the instant it reasons about; nothing here reads the clock.
The scheduler runs one "tick" a minute and asks `due_nudge` / `due_digest` what is due at
that instant; the delivery ledger (not this module) remembers what was already sent. So the
answers here must be right for any instant, including the first tick after hours of
downtime, and must not depend on how often ticks happen.

Instants passed in must be timezone-aware; instants returned are in UTC. A scheduled wall
time that DST skips or repeats follows `bot.core.zones.local_occurrence` (a gap shifts it
forward, an overlap takes the first), so scheduled days are local calendar days: a Mon–Fri
member gets exactly one nudge per local weekday, never 0 or 2, whatever the zone does that
day. Periods are ISO weeks in the member's zone (`bot.core.periods`).

Resting rules, all judged in the member's zone at the occurrence's own instant:
- `paused_until` is a local date, inclusive: paused until 2026-11-20 means nothing on the
  20th, nudges again on the 21st.
- holidays are local dates on which the workspace gets no nudges.
- quiet hours `(begin, end)` are local, half-open `[begin, end)`, and may wrap midnight
  (`(22:00, 07:00)`); `begin == end` means no quiet hours at all.
A resting occurrence is not an occurrence: it is never due, never missed, never "next".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.model import Member, Team, Workspace
from bot.core.periods import period_of, shift_period
from bot.core.zones import local_occurrence, require_aware, zone

ONE_DAY = timedelta(days=1)
# datetimes have microsecond resolution: "just after t" is t + 1 µs, which turns the
# half-open [start, end) helper into the closed windows the callers need.
_EPSILON = timedelta(microseconds=1)
# How far `next_nudge` / `next_digest` look past a pause before giving up: a whole year of
# holidays or quiet hours means "never", not an endless loop.
_HORIZON = timedelta(days=366)

def _occurrences_from(tz: str, days: Iterable[int], at: time, first: date) -> Iterator[datetime]:
    """Occurrences of "on `days` at `at` local", day by day from local date `first`, in
    time order. Endless: the caller stops. Days outside 0–6 never match."""
    wanted = frozenset(d for d in days if 0 <= d <= 6)
    if not wanted:
        return
    day, previous = first, None
    while True:
        if day.weekday() in wanted:
            instant = local_occurrence(day, at, tz)
            # Only a gap of a whole day (Samoa skipped 2011-12-30) can push one day's time
            # onto the next day's: the same instant must not count twice.
            if instant != previous:
                yield instant
            previous = instant
        day += ONE_DAY


def _between(tz: str, days: Iterable[int], at: time, start: datetime,
             end: datetime) -> list[datetime]:
    """Occurrences in the half-open window [start, end)."""
    require_aware(start, "start")
    require_aware(end, "end")
    if start >= end:
        return []
    # Start a day early: a gap can push a wall time past midnight into the window.
    first = start.astimezone(zone(tz)).date() - ONE_DAY
    out = []
    for instant in _occurrences_from(tz, days, at, first):
        if instant >= end:
            break
        if instant >= start:
            out.append(instant)
    return out


def scheduled_nudges(member: Member, start: datetime, end: datetime) -> list[datetime]:
    """Every occurrence (UTC) of the member's schedule in [start, end), oldest first.

    The bare schedule: one per scheduled local day at `nudge_time` local, whatever DST
    does. Active/paused/holidays are not applied here (see `due_nudge`).
    """
    return _between(member.tz, member.days, member.nudge_time, start, end)


@dataclass(frozen=True)
class Due:
    """A nudge occurrence to act on: `at` is the scheduled instant (UTC), `period` the ISO
    week of `at` in the member's zone."""

    member: Member
    at: datetime
    period: str


def _in_quiet_hours(local: time, quiet: tuple[time, time] | None) -> bool:
    if quiet is None:
        return False
    begin, end = (t.replace(tzinfo=None) for t in quiet)
    if begin <= end:
        return begin <= local < end  # begin == end: empty, i.e. no quiet hours
    return local >= begin or local < end  # wraps midnight


def _resting(member: Member, at: datetime, holidays: frozenset[date],
             quiet_hours: tuple[time, time] | None) -> bool:
    """Is the member not to be nudged at instant `at`? (see the module docstring)"""
    if not member.active:
        return True
    local = at.astimezone(zone(member.tz))
    if is_paused(member, local.date()):
        return True
    return local.date() in holidays or _in_quiet_hours(local.time(), quiet_hours)


def is_paused(member: Member, local_day: date) -> bool:
    """Is `local_day` (a date in the member's zone) inside the member's pause? The pause is
    inclusive: paused until the 20th means nothing on the 20th, questions on the 21st."""
    return member.paused_until is not None and local_day <= member.paused_until


def open_days(member: Member, local_day: date,
              holidays: frozenset[date] = frozenset()) -> tuple[int, ...]:
    """The member's nudge days of `local_day`'s week that are neither holidays nor paused,
    so the work question moves to the last day actually asked (a Friday holiday →
    Thursday). All of the member's days when none is open: the plan still needs a day."""
    monday = local_day - timedelta(days=local_day.weekday())
    days = tuple(d for d in member.days
                 if (day := monday + timedelta(days=d)) not in holidays
                 and not is_paused(member, day))
    return days or member.days


def _check_grace(grace: timedelta) -> None:
    if grace <= timedelta(0):
        raise ValueError(f"grace must be positive, got {grace}")


def due_nudge(
    member: Member,
    now: datetime,
    grace: timedelta,
    holidays: frozenset[date] = frozenset(),
    quiet_hours: tuple[time, time] | None = None,
) -> Due | None:
    """The latest non-resting occurrence in (now - grace, now], or None.

    Boundaries: an occurrence exactly at `now` is due; one exactly `grace` old is not (it
    belongs to `missed_nudges`). After downtime only this latest one is due, so a member
    never gets a burst of stale nudges. Calling this every tick returns the same `Due` for
    up to `grace`: the ledger, keyed by period, makes it one send.
    """
    require_aware(now, "now")
    _check_grace(grace)
    if not member.active:
        return None
    window = scheduled_nudges(member, now - grace + _EPSILON, now + _EPSILON)
    for at in reversed(window):
        if not _resting(member, at, holidays, quiet_hours):
            return Due(member=member, at=at, period=period_of(at, member.tz))
    return None


def missed_nudges(
    member: Member,
    since: datetime,
    now: datetime,
    grace: timedelta,
    holidays: frozenset[date] = frozenset(),
    quiet_hours: tuple[time, time] | None = None,
) -> list[Due]:
    """Non-resting occurrences in (since, now - grace], oldest first: never due at any tick.

    `since` is the instant of the last tick that ran: an occurrence at or before it was
    already seen by that tick (or an earlier one), so it is excluded; an occurrence exactly
    `grace` before `now` is included, because `due_nudge` no longer returns it. The caller
    records these as missed instead of sending them.
    """
    require_aware(since, "since")
    require_aware(now, "now")
    _check_grace(grace)
    if not member.active:
        return []
    window = scheduled_nudges(member, since + _EPSILON, now - grace + _EPSILON)
    return [Due(member=member, at=at, period=period_of(at, member.tz))
            for at in window if not _resting(member, at, holidays, quiet_hours)]


def next_nudge(
    member: Member,
    after: datetime,
    holidays: frozenset[date] = frozenset(),
    quiet_hours: tuple[time, time] | None = None,
) -> datetime | None:
    """The first non-resting occurrence strictly after `after` (UTC), for display.

    Skips a pause, holidays and quiet hours, so it says when the bot will actually write.
    None when the member is inactive or has no days (or a year of rest lies ahead).
    """
    require_aware(after, "after")
    if not member.active:
        return None
    start = after
    if member.paused_until is not None:
        # Jump over a long pause instead of walking through it a day at a time.
        resume = local_occurrence(member.paused_until + ONE_DAY, time(0), member.tz)
        start = max(start, resume - _EPSILON)
    horizon = start + _HORIZON
    first = start.astimezone(zone(member.tz)).date() - ONE_DAY
    for at in _occurrences_from(member.tz, member.days, member.nudge_time, first):
        if at > horizon:
            return None
        if at > after and not _resting(member, at, holidays, quiet_hours):
            return at
    return None


# ── the weekly posts: a team's digest, the leaders' rollup ────────────────────


@dataclass(frozen=True)
class Weekly:
    """When a weekly post goes out: a weekday (Monday = 0) and a wall-clock time in `tz`."""

    tz: str
    day: int
    at: time


def digest_schedule(team: Team) -> Weekly:
    return Weekly(team.tz, team.digest_day, team.digest_time)


def rollup_schedule(workspace: Workspace) -> Weekly:
    return Weekly(workspace.tz, workspace.rollup_day, workspace.rollup_time)


@dataclass(frozen=True)
class DigestDue:
    """A weekly post's occurrence: posted at `at` (UTC), reviewing ISO week `period` (in
    the schedule's zone)."""

    at: datetime
    period: str


def digest_period(weekly: Weekly | Team, at: datetime) -> str:
    """The ISO week a digest (or rollup) posted at `at` reviews.

    Rule: the most recent ISO week whose Friday has begun in the team's zone. So a digest
    posted Monday–Thursday reviews the previous week (it has just ended: Monday 09:00 →
    last week), and one posted Friday–Sunday reviews the current week (most of it has
    happened: Friday 16:00 → this week).
    """
    require_aware(at, "at")
    local = at.astimezone(zone(weekly.tz))
    current = period_of(at, weekly.tz)
    return current if local.weekday() >= 4 else shift_period(current, -1)


def _weekly(post: Weekly | Team) -> Weekly:
    return post if isinstance(post, Weekly) else digest_schedule(post)


def due_digest(post: Weekly | Team, now: datetime, grace: timedelta) -> DigestDue | None:
    """The latest occurrence of a team's digest (or any weekly post) in (now - grace, now]
    (same boundaries as `due_nudge`).

    The period comes from the scheduled instant, not from `now`, so a digest caught up
    after downtime still reviews the week it was meant to.
    """
    require_aware(now, "now")
    _check_grace(grace)
    weekly = _weekly(post)
    window = _between(weekly.tz, (weekly.day,), weekly.at, now - grace + _EPSILON,
                      now + _EPSILON)
    return DigestDue(window[-1], digest_period(weekly, window[-1])) if window else None


def next_digest(post: Weekly | Team, after: datetime) -> DigestDue | None:
    """The first occurrence strictly after `after`, for display."""
    require_aware(after, "after")
    weekly = _weekly(post)
    found = _between(weekly.tz, (weekly.day,), weekly.at, after + _EPSILON,
                     after + timedelta(days=8))
    return DigestDue(found[0], digest_period(weekly, found[0])) if found else None


# ── the daily time-zone sweep, spread across the day ─────────────────────────

SWEEP_GAP = timedelta(hours=12)


def sweep_second(workspace_id: str) -> int:
    """The second of the (UTC) day at which this workspace's sweep runs: the same every
    day, and spread evenly over the day across workspaces (a stable hash of the id, not
    Python's `hash`, which changes with every process)."""
    digest = hashlib.sha256(workspace_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % 86_400


def next_sweep(workspace_id: str, after: datetime) -> datetime:
    """When the workspace's next time-zone sweep is due after one at `after`: its own
    second of the day, at least `SWEEP_GAP` on. So a thousand workspaces installed the
    same minute sweep at a thousand different times from the second day on."""
    require_aware(after, "after")
    earliest = after.astimezone(zone("UTC")) + SWEEP_GAP
    midnight = earliest.replace(hour=0, minute=0, second=0, microsecond=0)
    at = midnight + timedelta(seconds=sweep_second(workspace_id))
    return at if at >= earliest else at + ONE_DAY

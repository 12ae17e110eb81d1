"""Schedule maths: ISO-week periods, local nudge times across DST, what is due now.

Pure: every function is handed the instant it reasons about; nothing here reads the clock.
The scheduler runs one "tick" a minute and asks `due_nudge` / `due_digest` what is due at
that instant; the delivery ledger (not this module) remembers what was already sent. So the
answers here must be right for any instant, including the first tick after hours of
downtime, and must not depend on how often ticks happen.

Instants passed in must be timezone-aware (any zone); a naive datetime raises ValueError,
because `astimezone()` would silently read it as the *host's* local time. Instants returned
are in UTC.

DST rules (wall-clock times that do not exist, or exist twice, in the member's zone):
- Gap (spring forward): a wall time that is skipped fires once, shifted forward by the
  length of the gap — 02:30 on a New York spring-forward day fires at 03:30 EDT, i.e. the
  same elapsed time after the gap's start as intended (PEP 495 `fold=0`). Not clamped to
  03:00, so that every time in the gap keeps its order (02:15 before 02:45).
- Overlap (fall back): a wall time that happens twice fires once, at its first occurrence
  (still on summer time, `fold=0`).
Scheduled days are local calendar days: a Mon–Fri member gets exactly one nudge per local
weekday, never 0 or 2, whatever the zone does that day.

Resting rules, all judged in the member's zone at the occurrence's own instant:
- `paused_until` is a local date, inclusive: paused until 2026-11-20 means nothing on the
  20th, nudges again on the 21st.
- holidays are local dates on which the workspace gets no nudges.
- quiet hours `(begin, end)` are local, half-open `[begin, end)`, and may wrap midnight
  (`(22:00, 07:00)`); `begin == end` means no quiet hours at all.
A resting occurrence is not an occurrence: it is never due, never missed, never "next".
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.model import WEEKDAYS, Member, Workspace

ONE_DAY = timedelta(days=1)
# datetimes have microsecond resolution: "just after t" is t + 1 µs, which turns the
# half-open [start, end) helper into the closed windows the callers need.
_EPSILON = timedelta(microseconds=1)
# How far `next_nudge` / `next_digest` look past a pause before giving up: a whole year of
# holidays or quiet hours means "never", not an endless loop.
_HORIZON = timedelta(days=366)

# ── time zones ───────────────────────────────────────────────────────────────

# Names ZoneInfo can load on some hosts but that mean "whatever this machine is set to":
# a member's schedule must not change when the bot moves to another server.
_HOST_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@functools.cache
def _known_zones() -> dict[str, str]:
    """Lower-cased IANA name → its canonical spelling, for case-insensitive lookups."""
    return {name.lower(): name for name in zoneinfo.available_timezones()
            if name not in _HOST_ZONES}


def validate_tz(name: str) -> str:
    """The canonical IANA name for `name` (case-insensitive); ValueError if unknown."""
    key = name.strip()
    canonical = _known_zones().get(key.lower(), key)
    if not key or canonical in _HOST_ZONES:
        raise ValueError(_tz_error(name))
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(_tz_error(name)) from None
    return canonical


def _tz_error(name: str) -> str:
    return (f"`{_clip(name)}` is not a time zone I know: use an IANA name like "
            "Europe/Berlin or America/New_York")


@functools.lru_cache(maxsize=1024)
def known_tz(name: str) -> str | None:
    """The canonical IANA name for `name` if this machine's tzdata knows it, else None."""
    try:
        return validate_tz(name)
    except ValueError:
        return None


def resolve_tz(name: str | None, *fallbacks: str | None) -> str:
    """The canonical name of the first zone this machine's tzdata knows among `name` and
    then `fallbacks` (the workspace's zone, say); "UTC" when none is known.

    Slack can send a zone newer than the host's tzdata, and a row stored before that was
    checked may hold anything: one unknown zone must never stop a tick. Callers that want
    to warn compare the result with what they passed in.
    """
    for candidate in (name, *fallbacks):
        if isinstance(candidate, str) and (known := known_tz(candidate)) is not None:
            return known
    return "UTC"


def zone(name: str | None, *fallbacks: str | None) -> ZoneInfo:
    """The ZoneInfo for `resolve_tz(name, *fallbacks)`: the one way Headway reads a zone."""
    return ZoneInfo(resolve_tz(name, *fallbacks))


def with_known_zone(member: Member, workspace_tz: str | None) -> Member:
    """`member` with a zone this machine knows: a row stored with a zone the tzdata lacks
    (or anything else) is read in the workspace's zone, then UTC."""
    tz = resolve_tz(member.tz, workspace_tz)
    return member if tz == member.tz else replace(member, tz=tz)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


# ── periods ──────────────────────────────────────────────────────────────────

_PERIOD = re.compile(r"([0-9]{4})-W([0-9]{2})")


def format_period(year: int, week: int) -> str:
    """`(2026, 47)` → `"2026-W47"`."""
    return f"{year:04d}-W{week:02d}"


def period_of(instant: datetime, tz: str) -> str:
    """The ISO week containing `instant` on the wall calendar of `tz`, e.g. `"2026-W47"`.

    ISO week-years, not calendar years: 2027-01-03 is in 2026-W53, 2024-12-30 in 2025-W01.
    """
    _require_aware(instant, "instant")
    year, week, _ = instant.astimezone(zone(tz)).isocalendar()
    return format_period(year, week)


# The years a period given to Headway may name: well inside Python's dates (0001–9999), so
# that the weeks derived from it (its Sunday, a year of earlier weeks for trends, the next
# week's start) are dates in every zone too.
FIRST_YEAR, LAST_YEAR = 1000, 9998


def parse_period(text: str) -> tuple[int, int]:
    """`"2026-W47"` → `(2026, 47)`; ValueError naming the problem otherwise.

    Strict on purpose (capital W, two-digit week, no spaces): callers use the text they
    validated as a database key, so only the canonical spelling may pass. Years outside
    FIRST_YEAR–LAST_YEAR are refused too: every caller that validates a week it was given
    here can then compute with it without meeting an OverflowError.
    """
    year, week = _year_week(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"`{text}` is out of range: Headway's weeks run from "
                         f"{FIRST_YEAR:04d}-W01 to {LAST_YEAR}-W52")
    return year, week


def _year_week(text: str) -> tuple[int, int]:
    """The syntax and the week's number only: the arithmetic below also takes the weeks
    derived from a valid period, which may lie just outside the range."""
    m = _PERIOD.fullmatch(text)
    if not m:
        raise ValueError(f"`{_clip(text)}` is not an ISO week: write it like 2026-W47")
    year, week = int(m.group(1)), int(m.group(2))
    if year < 1:
        raise ValueError(f"`{text}` is out of range: Headway's weeks run from "
                         f"{FIRST_YEAR:04d}-W01 to {LAST_YEAR}-W52")
    last = _weeks_in(year)
    if not 1 <= week <= last:
        raise ValueError(f"{year} has no week {week}: its ISO weeks are W01–W{last:02d}")
    return year, week


def _weeks_in(year: int) -> int:
    # 28 December is always in the last ISO week of its year.
    return date(year, 12, 28).isocalendar()[1]


def period_monday(period: str) -> date:
    """The calendar date of the period's Monday."""
    year, week = _year_week(period)
    return date.fromisocalendar(year, week, 1)


def period_start(period: str, tz: str) -> datetime:
    """The first instant of the period in `tz`: local Monday 00:00, as an aware UTC datetime.

    If midnight itself is skipped by DST that Monday, the gap rule gives the first instant
    that does exist (00:00 → 01:00).
    """
    return local_occurrence(period_monday(period), time(0, 0), tz)


def shift_period(period: str, weeks: int) -> str:
    """The period `weeks` ISO weeks after `period` (negative: before)."""
    try:
        year, week, _ = (period_monday(period) + timedelta(weeks=weeks)).isocalendar()
    except OverflowError:
        raise ValueError(f"{period} shifted by {weeks} weeks is out of range") from None
    return format_period(year, week)


def recent_periods(period: str, n: int) -> list[str]:
    """The `n` periods just before `period` (not including it), oldest first."""
    if n < 0:
        raise ValueError(f"cannot list {n} periods")
    return [shift_period(period, -k) for k in range(n, 0, -1)]


# ── wall-clock times in a zone ───────────────────────────────────────────────


def local_occurrence(day: date, at: time, tz: str) -> datetime:
    """The instant (UTC) at which the wall clock in `tz` shows `day` `at`, DST-safe.

    Gap: shifted forward by the gap (02:30 → 03:30). Overlap: the first occurrence.
    """
    # PEP 495: with fold=0 a wall time inside a gap is read with the offset in force
    # *before* the transition, which lands it exactly `gap` later on the new clock, and a
    # repeated wall time is read as its first occurrence. Both are the module's rules.
    # `at` may carry its own tzinfo/fold; the member's zone decides, so drop them.
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    return wall.replace(tzinfo=zone(tz)).astimezone(UTC)


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
    _require_aware(start, "start")
    _require_aware(end, "end")
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
    if member.paused_until is not None and local.date() <= member.paused_until:
        return True
    return local.date() in holidays or _in_quiet_hours(local.time(), quiet_hours)


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
    _require_aware(now, "now")
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
    _require_aware(since, "since")
    _require_aware(now, "now")
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
    _require_aware(after, "after")
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


# ── the team digest ──────────────────────────────────────────────────────────


@dataclass(frozen=True)
class DigestDue:
    """A digest occurrence: posted at `at` (UTC), reviewing ISO week `period` (team zone)."""

    workspace: Workspace
    at: datetime
    period: str


def digest_period(workspace: Workspace, at: datetime) -> str:
    """The ISO week a digest posted at `at` reviews.

    Rule: the most recent ISO week whose Friday has begun in the team's zone. So a digest
    posted Monday–Thursday reviews the previous week (it has just ended: Monday 09:00 →
    last week), and one posted Friday–Sunday reviews the current week (most of it has
    happened: Friday 16:00 → this week).
    """
    _require_aware(at, "at")
    local = at.astimezone(zone(workspace.tz))
    current = period_of(at, workspace.tz)
    return current if local.weekday() >= 4 else shift_period(current, -1)


def _digest_due(workspace: Workspace, at: datetime) -> DigestDue:
    return DigestDue(workspace=workspace, at=at, period=digest_period(workspace, at))


def due_digest(workspace: Workspace, now: datetime, grace: timedelta) -> DigestDue | None:
    """The latest digest occurrence in (now - grace, now] (same boundaries as `due_nudge`).

    The period comes from the scheduled instant, not from `now`, so a digest caught up
    after downtime still reviews the week it was meant to.
    """
    _require_aware(now, "now")
    _check_grace(grace)
    window = _between(workspace.tz, (workspace.digest_day,), workspace.digest_time,
                      now - grace + _EPSILON, now + _EPSILON)
    return _digest_due(workspace, window[-1]) if window else None


def next_digest(workspace: Workspace, after: datetime) -> DigestDue | None:
    """The first digest occurrence strictly after `after`, for display."""
    _require_aware(after, "after")
    found = _between(workspace.tz, (workspace.digest_day,), workspace.digest_time,
                     after + _EPSILON, after + timedelta(days=8))
    return _digest_due(workspace, found[0]) if found else None


# ── parsing what people type ─────────────────────────────────────────────────

_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NAMES: dict[str, int] = {
    **{d: i for i, d in enumerate(WEEKDAYS)},
    **{name: i for i, name in enumerate(_FULL_NAMES)},
    **{name + "s": i for i, name in enumerate(_FULL_NAMES)},  # "fridays"
    "tues": 1, "weds": 2, "thur": 3, "thurs": 3,
}
# Words that stand for a set of days, usable alone or in a list ("weekdays, sat").
_DAY_SETS: dict[str, tuple[int, ...]] = {
    "weekdays": (0, 1, 2, 3, 4), "workdays": (0, 1, 2, 3, 4),
    "weekends": (5, 6), "weekend": (5, 6),
    "daily": tuple(range(7)), "everyday": tuple(range(7)), "all": tuple(range(7)),
}
_DAY_HINT = "use mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, weekdays or daily"


def _clip(text: str, limit: int = 20) -> str:
    # Error messages quote what was typed inside `code`; a backtick would end the span.
    text = text.replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _day(word: str) -> int:
    key = word.strip().rstrip(".")
    if key not in _DAY_NAMES:
        raise ValueError(f"`{_clip(word)}` is not a day: {_DAY_HINT}")
    return _DAY_NAMES[key]


def parse_days(text: str) -> tuple[int, ...]:
    """Days of the week, Monday=0, sorted: `mon-fri`, `Mon,Wed,Fri`, `fri`, `friday`,
    `weekdays`, `daily`, `fri-mon` (ranges wrap past Sunday), `tue thu`, `mon to fri`.

    ValueError naming the part that is not a day or not a range.
    """
    words = text.strip().lower()
    # Slack and phones turn "-" into en/em dashes; "mon to fri" and "mon - fri" are ranges.
    words = re.sub(r"\s*[-–—]\s*", "-", words)
    words = re.sub(r"\s+(?:to|through|thru|until)\s+", "-", words)
    words = re.sub(r"\bevery day\b", "daily", words)
    parts = [p for p in re.split(r"[,;/&+\s]+", words) if p and p != "and"]
    if not parts:
        raise ValueError("name at least one day, e.g. `fri` or `mon-fri`")
    days: set[int] = set()
    for part in parts:
        if part in _DAY_SETS:
            days.update(_DAY_SETS[part])
        elif "-" in part:
            ends = part.split("-")
            if len(ends) != 2 or not all(ends):
                raise ValueError(f"`{_clip(part)}` is not a day range: write it like mon-fri")
            first, last = _day(ends[0]), _day(ends[1])
            # Walk forward from `first`, wrapping after Sunday: fri-mon is Fri, Sat, Sun, Mon.
            span = (last - first) % 7
            days.update((first + k) % 7 for k in range(span + 1))
        else:
            days.add(_day(part))
    return tuple(sorted(days))


def format_days(days: Iterable[int]) -> str:
    """`(0,1,2,3,4)` → "Mon–Fri", `(0,2,4)` → "Mon, Wed, Fri", `(4,)` → "Fridays",
    all seven → "every day", `(0,4,5,6)` → "Fri–Mon". Runs of 3+ days become ranges."""
    present = sorted(set(days))
    if any(not 0 <= d <= 6 for d in present):
        raise ValueError(f"days are numbered 0 (Monday) to 6 (Sunday), got {present}")
    if not present:
        return "no days"
    if len(present) == 7:
        return "every day"
    if len(present) == 1:
        return _FULL_NAMES[present[0]].title() + "s"
    runs: list[list[int]] = []
    for d in present:
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    # A run ending on Sunday continues into one starting on Monday (fri-mon).
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6:
        wrapped = runs.pop() + runs.pop(0)
        runs.append(wrapped)
    parts: list[str] = []
    for run in runs:
        names = [WEEKDAYS[d].title() for d in run]
        parts.append(f"{names[0]}–{names[-1]}" if len(run) >= 3 else ", ".join(names))
    return ", ".join(parts)


_HHMM = re.compile(r"([0-9]{1,2})(?:[:.]([0-9]{2}))?\s*(?:([ap])\.?m\.?)?")


def parse_hhmm(text: str) -> time:
    """`9:30`, `09:30`, `17:00`, `9.30`, `5pm`, `5:30pm`, `5 PM` → a time; ValueError with a
    specific message otherwise (`25:00`: the hour; `9:75`: the minutes; `abc`, `9`: the
    form — a bare number is ambiguous between hours and a typo, so it is refused)."""
    form = f"`{_clip(text)}` is not a time: write it like 09:30, 16:00 or 4pm"
    m = _HHMM.fullmatch(text.strip().lower())
    if not m:
        raise ValueError(form)
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if m.group(2) is None and half is None:
        raise ValueError(form)
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(f"`{_clip(text)}`: with am/pm the hour goes from 1 to 12")
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23:
        raise ValueError(f"`{_clip(text)}`: the hour must be 0–23")
    if minute > 59:
        raise ValueError(f"`{_clip(text)}`: the minutes must be 00–59")
    return time(hour, minute)

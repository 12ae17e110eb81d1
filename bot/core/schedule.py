"""Schedule maths: ISO-week periods, local nudge times across DST, what is due now.

Pure: every function takes the instant it reasons about; nothing here reads the clock.

DST rules (wall-clock times that do not exist once, or exist twice):
- A time inside the spring-forward gap (02:30 on a New York spring day) fires once, shifted
  forward by the gap (03:30 local): the same elapsed time after midnight as intended.
- A time inside the repeated autumn hour fires once, at its first occurrence (fold=0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.model import WEEKDAYS, Member, Team

_PERIOD = re.compile(r"^(\d{4})-W(\d{2})$")
_DAY_NAMES = {
    **{d: i for i, d in enumerate(WEEKDAYS)},
    **{name: i for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    "tues": 1, "weds": 2, "thur": 3, "thurs": 3,
}


def validate_tz(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None
    return name


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # a member whose zone Slack gave oddly still gets nudged


# ── periods ──────────────────────────────────────────────────────────────────


def format_period(year: int, week: int) -> str:
    return f"{year}-W{week:02d}"


def period_of(instant: datetime, tz: str) -> str:
    """The ISO week of `instant` in zone `tz`, e.g. "2026-W47"."""
    year, week, _ = instant.astimezone(_zone(tz)).isocalendar()
    return format_period(year, week)


def parse_period(text: str) -> tuple[int, int]:
    m = _PERIOD.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not an ISO week: write it like 2026-W47")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{year} has no week {week}") from None
    return year, week


def period_monday(period: str) -> date:
    year, week = parse_period(period)
    return date.fromisocalendar(year, week, 1)


def period_start(period: str, tz: str) -> datetime:
    """Local Monday 00:00 of the period in `tz`, as an aware datetime."""
    return local_occurrence(period_monday(period), time(0, 0), tz)


def shift_period(period: str, weeks: int) -> str:
    year, week, _ = (period_monday(period) + timedelta(weeks=weeks)).isocalendar()
    return format_period(year, week)


def recent_periods(period: str, n: int) -> list[str]:
    """The `n` periods before `period`, oldest first."""
    return [shift_period(period, -k) for k in range(n, 0, -1)]


# ── wall-clock times in a zone ───────────────────────────────────────────────


def local_occurrence(day: date, at: time, tz: str) -> datetime:
    """The instant (in UTC) at which the wall clock in `tz` shows `day` `at`, DST-safe."""
    # PEP 495: with fold=0 a wall time in the spring gap is read with the offset in force
    # before the gap (so it lands `gap` later, e.g. 02:30 -> 03:30), and a repeated wall
    # time means its first occurrence. Both are the rules in the module docstring.
    return datetime.combine(day, at).replace(tzinfo=_zone(tz), fold=0).astimezone(UTC)


def scheduled_nudges(member: Member, start: datetime, end: datetime) -> list[datetime]:
    """Every occurrence of the member's schedule in [start, end), in UTC."""
    zone = _zone(member.tz)
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date() + timedelta(days=1)
    out: list[datetime] = []
    day = first_day
    while day <= last_day:
        if day.weekday() in member.days:
            at = local_occurrence(day, member.nudge_time, member.tz)
            if start <= at < end:
                out.append(at)
        day += timedelta(days=1)
    return out


@dataclass(frozen=True)
class Due:
    member: Member
    at: datetime
    period: str


def _in_quiet_hours(local: time, quiet: tuple[time, time] | None) -> bool:
    if quiet is None:
        return False
    begin, end = quiet
    return begin <= local < end if begin <= end else (local >= begin or local < end)


def due_nudge(
    member: Member,
    now: datetime,
    grace: timedelta,
    holidays: frozenset[date] = frozenset(),
    quiet_hours: tuple[time, time] | None = None,
) -> Due | None:
    """The latest scheduled occurrence in (now - grace, now], unless resting.

    `paused_until` is inclusive (a local date); holidays and quiet hours are local too.
    """
    if not member.active:
        return None
    occurrences = scheduled_nudges(member, now - grace + timedelta(microseconds=1),
                                   now + timedelta(microseconds=1))
    if not occurrences:
        return None
    at = occurrences[-1]
    local = at.astimezone(_zone(member.tz))
    if member.paused_until is not None and local.date() <= member.paused_until:
        return None
    if local.date() in holidays or _in_quiet_hours(local.time(), quiet_hours):
        return None
    return Due(member=member, at=at, period=period_of(at, member.tz))


def missed_nudges(member: Member, since: datetime, now: datetime,
                  grace: timedelta) -> list[datetime]:
    """Occurrences in [since, now - grace]: too old to send, to be recorded as missed."""
    return scheduled_nudges(member, since, now - grace + timedelta(microseconds=1))


def next_nudge(member: Member, after: datetime) -> datetime | None:
    if not member.days:
        return None
    found = scheduled_nudges(member, after + timedelta(microseconds=1), after + timedelta(days=8))
    return found[0] if found else None


# ── the team digest ──────────────────────────────────────────────────────────


@dataclass(frozen=True)
class DigestDue:
    team: Team
    at: datetime
    period: str


def digest_period(team: Team, at: datetime) -> str:
    """The week a digest posted at `at` reviews.

    Rule: a digest posted Monday to Thursday reviews the previous ISO week (it has just
    ended); one posted Friday to Sunday reviews the current week (most of it has happened).
    """
    local = at.astimezone(_zone(team.tz))
    current = period_of(at, team.tz)
    return shift_period(current, -1) if local.weekday() <= 3 else current


def due_digest(team: Team, now: datetime, grace: timedelta) -> DigestDue | None:
    schedule = Member(team.team_id, "digest", tz=team.tz, days=(team.digest_day,),
                      nudge_time=team.digest_time)
    found = scheduled_nudges(schedule, now - grace + timedelta(microseconds=1),
                             now + timedelta(microseconds=1))
    if not found:
        return None
    return DigestDue(team=team, at=found[-1], period=digest_period(team, found[-1]))


# ── parsing what people type ─────────────────────────────────────────────────


def _day(word: str) -> int:
    key = word.strip().lower().rstrip(".")
    if key not in _DAY_NAMES:
        raise ValueError(f"`{word[:20]}` is not a day: use mon, tue, wed, thu, fri, sat, sun")
    return _DAY_NAMES[key]


def parse_days(text: str) -> tuple[int, ...]:
    """`mon-fri`, `mon,wed,fri`, `fri`, `weekdays`, `daily`, `fri-mon` → sorted weekday numbers."""
    words = text.strip().lower()
    if words in {"weekdays", "workdays"}:
        return (0, 1, 2, 3, 4)
    if words in {"daily", "everyday", "every day", "all"}:
        return tuple(range(7))
    if not words:
        raise ValueError("name at least one day, e.g. `fri` or `mon-fri`")
    days: set[int] = set()
    for part in re.split(r"[,\s]+", words):
        if not part:
            continue
        if "-" in part:
            a, _, b = part.partition("-")
            first, last = _day(a), _day(b)
            d = first
            while True:
                days.add(d)
                if d == last:
                    break
                d = (d + 1) % 7
        else:
            days.add(_day(part))
    return tuple(sorted(days))


def format_days(days: tuple[int, ...]) -> str:
    ordered = sorted(set(days))
    if ordered == [0, 1, 2, 3, 4]:
        return "Mon–Fri"
    if ordered == list(range(7)):
        return "every day"
    names = [WEEKDAYS[d].title() for d in ordered]
    if len(ordered) == 1:
        return {"Mon": "Mondays", "Tue": "Tuesdays", "Wed": "Wednesdays", "Thu": "Thursdays",
                "Fri": "Fridays", "Sat": "Saturdays", "Sun": "Sundays"}[names[0]]
    return ", ".join(names)


_HHMM = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")


def parse_hhmm(text: str) -> time:
    """`9:30`, `09:30`, `17:00`, `5pm`, `5:30pm` → time; a specific error otherwise."""
    m = _HHMM.match(text.strip().lower())
    if not m:
        raise ValueError(f"`{text[:20]}` is not a time: write it like 09:30 or 16:00")
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if m.group(2) is None and half is None:
        raise ValueError(f"`{text[:20]}` is not a time: write it like 09:30 or 16:00")
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(f"`{text[:20]}`: with am/pm the hour goes from 1 to 12")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23:
        raise ValueError(f"`{text[:20]}`: the hour must be 0–23")
    if minute > 59:
        raise ValueError(f"`{text[:20]}`: the minutes must be 00–59")
    return time(hour, minute)

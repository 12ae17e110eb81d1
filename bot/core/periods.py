"""Periods: ISO weeks (`2026-W47`), read on the wall calendar of a zone.

ISO week-years, not calendar years: 2027-01-03 is in 2026-W53, 2024-12-30 in 2025-W01.
Pure: every function is handed the instant it reasons about; nothing here reads the clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot.core.text import quoted
from bot.core.zones import local_occurrence, require_aware, zone

_PERIOD = re.compile(r"([0-9]{4})-W([0-9]{2})")


def format_period(year: int, week: int) -> str:
    """`(2026, 47)` → `"2026-W47"`."""
    return f"{year:04d}-W{week:02d}"


def period_of(instant: datetime, tz: str) -> str:
    """The ISO week containing `instant` on the wall calendar of `tz`, e.g. `"2026-W47"`.

    ISO week-years, not calendar years: 2027-01-03 is in 2026-W53, 2024-12-30 in 2025-W01.
    """
    require_aware(instant, "instant")
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
        raise ValueError(f"`{quoted(text)}` is not an ISO week: write it like 2026-W47")
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


def weeks_between(earlier: str, later: str) -> int:
    """How many ISO weeks `later` is after `earlier` (negative when it is before)."""
    return (period_monday(later) - period_monday(earlier)).days // 7


def _thursday(period: str) -> date:
    # An ISO week belongs to the year, and here the quarter, its Thursday falls in.
    return period_monday(period) + timedelta(days=3)


def quarter_of(period: str) -> str:
    """The calendar quarter an ISO week belongs to, e.g. `"2026-Q1"`: the quarter of its
    Thursday, as ISO itself decides a week's year. 2026-W01 (29 Dec 2025 – 4 Jan 2026) is
    in 2026-Q1; 2026-W14 (30 Mar – 5 Apr) in 2026-Q2."""
    thursday = _thursday(period)
    return f"{thursday.year:04d}-Q{(thursday.month - 1) // 3 + 1}"


def quarter_periods(period: str) -> list[str]:
    """Every ISO week of `period`'s quarter (`quarter_of`), oldest first: 12 to 14 weeks
    (a quarter has 12 to 14 Thursdays)."""
    thursday = _thursday(period)
    first_month = (thursday.month - 1) // 3 * 3 + 1
    first = date(thursday.year, first_month, 1)
    day = first + timedelta(days=(3 - first.weekday()) % 7)  # the quarter's first Thursday
    out: list[str] = []
    while day.year == thursday.year and (day.month - 1) // 3 == (thursday.month - 1) // 3:
        year, week, _ = day.isocalendar()
        out.append(format_period(year, week))
        day += timedelta(weeks=1)
    return out

"""When, as people type and read it: days of the week (`mon-fri`, `weekdays`, `fri-mon`)
and times of day (`9:30`, `4pm`), parsed with a specific message for each mistake.

Pure: no clock, no zone; the schedule maths reads these values in the member's zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time

from bot.core.model import WEEKDAYS
from bot.core.text import quoted

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


def _day(word: str) -> int:
    key = word.strip().rstrip(".")
    if key not in _DAY_NAMES:
        raise ValueError(f"`{quoted(word)}` is not a day: {_DAY_HINT}")
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
                raise ValueError(f"`{quoted(part)}` is not a day range: write it like mon-fri")
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
    form = f"`{quoted(text)}` is not a time: write it like 09:30, 16:00 or 4pm"
    m = _HHMM.fullmatch(text.strip().lower())
    if not m:
        raise ValueError(form)
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if m.group(2) is None and half is None:
        raise ValueError(form)
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(f"`{quoted(text)}`: with am/pm the hour goes from 1 to 12")
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23:
        raise ValueError(f"`{quoted(text)}`: the hour must be 0–23")
    if minute > 59:
        raise ValueError(f"`{quoted(text)}`: the minutes must be 00–59")
    return time(hour, minute)

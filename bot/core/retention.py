"""Retention maths: the instant before which replies are purged. Pure; time is passed in."""

from __future__ import annotations

import calendar
from datetime import datetime


def retention_cutoff(now: datetime, months: int) -> datetime:
    """`now` moved back `months` calendar months (the day clipped to the month's length):
    `retention 12` on 2026-03-31 keeps replies from 2025-03-31 on."""
    if months < 1:
        raise ValueError("retention is at least one month")
    index = now.year * 12 + (now.month - 1) - months
    year, month = divmod(index, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)

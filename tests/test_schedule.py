"""Schedule maths, as a specification: once per scheduled local day, at local time, across
DST in both hemispheres, in every zone; what is due at an injected instant; ISO weeks; and
what people type. Every instant is written out; nothing reads the clock."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import bot.core.periods as periods
import bot.core.policies as policies
import bot.core.schedule as schedule
import bot.core.when as when
import bot.core.zones as zones
from bot.core.model import Member, Team
from bot.core.periods import parse_period, period_of, period_start, recent_periods, shift_period
from bot.core.schedule import (
    Due,
    digest_period,
    due_digest,
    due_nudge,
    is_paused,
    missed_nudges,
    next_digest,
    next_nudge,
    open_days,
    scheduled_nudges,
)
from bot.core.when import format_days, parse_days, parse_hhmm
from bot.core.zones import local_date, local_occurrence, validate_tz

NY, BERLIN, SYDNEY = "America/New_York", "Europe/Berlin", "Australia/Sydney"
ZONES = [NY, BERLIN, SYDNEY, "Asia/Kolkata", "Asia/Tokyo", "UTC"]
WEEKDAYS = (0, 1, 2, 3, 4)
DAILY = tuple(range(7))
GRACE = timedelta(hours=6)

# The 2026 transitions used below (all on Sundays, local wall clock):
#   New York  spring 03-08 02:00→03:00   fall 11-01 02:00→01:00
#   Berlin    spring 03-29 02:00→03:00   fall 10-25 03:00→02:00
#   Sydney    spring 10-04 02:00→03:00   fall 04-05 03:00→02:00   (southern hemisphere)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


def member(tz: str, at: time = time(9, 0), days: tuple[int, ...] = WEEKDAYS, **kw) -> Member:
    return Member("T1", "U1", tz=tz, days=days, nudge_time=at, **kw)


def wall(instant: datetime, tz: str) -> datetime:
    """The naive wall-clock reading of `instant` in `tz`."""
    return instant.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


# ── a year of nudges ─────────────────────────────────────────────────────────


@pytest.mark.parametrize("tz", ZONES)
def test_a_year_of_weekday_nudges_is_one_per_local_weekday_at_nine(tz):
    # The local calendar year 2026: Thursday 1 Jan to Thursday 31 Dec, 261 weekdays.
    fired = scheduled_nudges(member(tz), local(tz, 2026, 1, 1), local(tz, 2027, 1, 1))

    readings = [wall(f, tz) for f in fired]
    assert len(fired) == 261
    assert all(r.time() == time(9, 0) for r in readings)
    assert [r.date() for r in readings] == [
        d for d in (date(2026, 1, 1) + timedelta(days=i) for i in range(365)) if d.weekday() < 5
    ]
    assert all(f.tzinfo is UTC for f in fired)
    assert fired == sorted(fired)


@pytest.mark.parametrize("tz", [NY, BERLIN, SYDNEY, "Australia/Lord_Howe", "America/Santiago",
                                "Antarctica/Troll", "Pacific/Chatham"])
@pytest.mark.parametrize("at", [time(0, 0), time(0, 30), time(1, 30), time(2, 0), time(2, 30),
                                time(2, 59), time(3, 0), time(23, 30)])
def test_a_daily_time_near_any_transition_fires_once_every_local_day_of_the_year(tz, at):
    fired = scheduled_nudges(member(tz, at=at, days=DAILY), local(tz, 2026, 1, 1),
                             local(tz, 2027, 1, 1))

    assert [wall(f, tz).date() for f in fired] == [
        date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    # Shifted only on gap days, and then forward by less than the gap (≤ 2 h in Troll).
    for f in fired:
        shift = wall(f, tz) - datetime.combine(wall(f, tz).date(), at)
        assert timedelta(0) <= shift <= timedelta(hours=2)


# ── inside the skipped or the repeated hour ──────────────────────────────────


@pytest.mark.parametrize("tz,day,at,expected", [
    # Spring forward: 02:00–03:00 does not exist; 02:30 fires once, shifted by the gap.
    (NY, date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 30)),  # 03:30 EDT
    (BERLIN, date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1, 30)),  # 03:30 CEST
    (SYDNEY, date(2026, 10, 4), time(2, 30), utc(2026, 10, 3, 16, 30)),  # 03:30 AEDT
    # Fall back: the repeated hour fires once, at its first occurrence (summer time).
    (NY, date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),  # 01:30 EDT
    (BERLIN, date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),  # 02:30 CEST
    (SYDNEY, date(2026, 4, 5), time(2, 30), utc(2026, 4, 4, 15, 30)),  # 02:30 AEDT
])
def test_a_time_inside_the_skipped_or_repeated_hour_fires_exactly_once(tz, day, at, expected):
    m = member(tz, at=at, days=DAILY)
    start = local(tz, day.year, day.month, day.day) - timedelta(days=1)

    fired = scheduled_nudges(m, start, start + timedelta(days=3))

    assert local_occurrence(day, at, tz) == expected
    assert [wall(f, tz).date() for f in fired] == [
        day - timedelta(days=1), day, day + timedelta(days=1)]
    assert fired[1] == expected
    # The neighbours are untouched: the wall time as asked.
    assert wall(fired[0], tz).time() == at and wall(fired[2], tz).time() == at


def test_a_skipped_calendar_day_does_not_fire_twice_on_the_next_day():
    # Samoa jumped from 29 to 31 December 2011: the 30th never happened. Its 09:00 is
    # shifted onto the 31st's 09:00 by the gap rule; that instant must count once.
    m = member("Pacific/Apia", days=DAILY)
    fired = scheduled_nudges(m, local("Pacific/Apia", 2011, 12, 28),
                             local("Pacific/Apia", 2012, 1, 2))
    assert [wall(f, "Pacific/Apia").date() for f in fired] == [
        date(2011, 12, 28), date(2011, 12, 29), date(2011, 12, 31), date(2012, 1, 1)]


@pytest.mark.parametrize("tz,day,at", [
    (NY, date(2026, 3, 8), time(2, 30)),
    (NY, date(2026, 11, 1), time(1, 30)),
    (NY, date(2026, 11, 1), time(9, 0)),
    (BERLIN, date(2026, 3, 29), time(2, 30)),
    (BERLIN, date(2026, 10, 25), time(2, 30)),
    (SYDNEY, date(2026, 10, 4), time(2, 30)),
    (SYDNEY, date(2026, 4, 5), time(2, 30)),
    ("Asia/Kolkata", date(2026, 3, 8), time(9, 0)),
])
def test_ticking_every_minute_across_a_dst_weekend_sends_one_nudge_per_day(tz, day, at):
    m = member(tz, at=at, days=DAILY)
    ledger: set[datetime] = set()  # stands in for the delivery ledger
    sent: list[tuple[datetime, datetime]] = []
    # Ticks are not aligned to the minute, as a real interval job's are not.
    now = local(tz, day.year, day.month, day.day).astimezone(UTC) - timedelta(days=1,
                                                                               seconds=-17)
    end = now + timedelta(days=3)
    while now < end:
        due = due_nudge(m, now, GRACE)
        if due is not None and due.at not in ledger:
            ledger.add(due.at)
            sent.append((now, due.at))
        now += timedelta(minutes=1)

    assert [wall(at_, tz).date() for _, at_ in sent] == [
        day - timedelta(days=1), day, day + timedelta(days=1)]
    for tick, at_ in sent:  # each on the first tick at or after its time
        assert timedelta(0) <= tick - at_ < timedelta(minutes=1)


def test_ticking_across_fall_back_a_weekly_member_gets_one_nudge_per_period():
    # Sunday 01:30 in New York on the fall-back day: the ledger key is the period.
    m = member(NY, at=time(1, 30), days=(6,))
    ledger: dict[str, datetime] = {}
    now = utc(2026, 10, 31)
    while now < utc(2026, 11, 3):
        due = due_nudge(m, now, GRACE)
        if due is not None:
            ledger.setdefault(due.period, due.at)
        now += timedelta(seconds=45)
    assert ledger == {"2026-W44": utc(2026, 11, 1, 5, 30)}


# ── due, missed, next ────────────────────────────────────────────────────────


def test_after_three_days_down_only_the_latest_is_due_and_the_rest_are_missed():
    m = member(BERLIN, days=DAILY)
    down = utc(2026, 11, 16, 6, 0)  # Mon 07:00 Berlin, before that day's 09:00
    back = utc(2026, 11, 19, 9, 0)  # Thu 10:00 Berlin, an hour after that day's nudge

    due = due_nudge(m, back, GRACE)
    missed = missed_nudges(m, down, back, GRACE)

    assert due == Due(m, utc(2026, 11, 19, 8, 0), "2026-W47")
    assert [x.at for x in missed] == [utc(2026, 11, 16, 8), utc(2026, 11, 17, 8),
                                      utc(2026, 11, 18, 8)]
    assert {x.period for x in missed} == {"2026-W47"}
    # The next tick sees the same due (the ledger dedupes) and nothing newly missed.
    assert due_nudge(m, back + timedelta(minutes=1), GRACE) == due
    assert missed_nudges(m, back, back + timedelta(minutes=1), GRACE) == []
    # Once Thursday's grace is over it is no longer due, and not missed either: the tick
    # at `back` saw it due.
    assert due_nudge(m, utc(2026, 11, 19, 14, 0), GRACE) is None
    assert missed_nudges(m, back, utc(2026, 11, 19, 14, 0), GRACE) == []


def test_due_boundaries_exactly_now_is_due_exactly_grace_old_is_not():
    m = member("UTC", days=(0,))
    at = utc(2026, 11, 16, 9, 0)
    grace = timedelta(hours=1)

    assert due_nudge(m, at, grace).at == at
    assert due_nudge(m, at - timedelta(microseconds=1), grace) is None
    assert due_nudge(m, at + grace - timedelta(microseconds=1), grace).at == at
    assert due_nudge(m, at + grace, grace) is None
    # ...and the moment it stops being due is the moment it becomes missed.
    assert missed_nudges(m, at - timedelta(days=1), at + grace - timedelta(microseconds=1),
                         grace) == []
    assert [x.at for x in missed_nudges(m, at - timedelta(days=1), at + grace, grace)] == [at]
    # `since` is the last tick: an occurrence at exactly that tick was due then.
    assert missed_nudges(m, at, at + grace, grace) == []


def test_the_due_period_is_the_iso_week_of_the_occurrence_in_the_members_zone():
    # Sunday 23:30 in Sydney is still Sunday 12:30 UTC; a tick on Monday morning (Sydney)
    # catching it up gives the Sunday's week, not Monday's.
    m = member(SYDNEY, at=time(23, 30), days=(6,))
    due = due_nudge(m, local(SYDNEY, 2026, 11, 23, 1, 0), GRACE)
    assert due is not None and due.period == "2026-W47"
    assert due.at == utc(2026, 11, 22, 12, 30)


def test_pause_is_inclusive_of_its_local_date():
    at = local("Asia/Tokyo", 2026, 11, 16, 9, 0)  # Monday 09:00 JST = Monday 00:00 UTC
    m = member("Asia/Tokyo", days=DAILY, paused_until=date(2026, 11, 16))

    assert due_nudge(m, at, GRACE) is None
    assert due_nudge(m, at + timedelta(days=1), GRACE) is not None
    assert due_nudge(member("Asia/Tokyo", paused_until=date(2026, 11, 15)), at, GRACE)


def test_is_paused_is_inclusive_of_the_last_paused_day():
    m = member("UTC", paused_until=date(2026, 11, 20))
    assert is_paused(m, date(2026, 11, 19)) and is_paused(m, date(2026, 11, 20))
    assert not is_paused(m, date(2026, 11, 21))
    assert not is_paused(member("UTC"), date(2026, 11, 20))  # never paused


def test_local_date_is_the_date_on_the_zones_wall_clock():
    instant = utc(2026, 11, 16, 23, 30)  # Monday night in London, Tuesday in Tokyo
    assert local_date(instant, "Europe/London") == date(2026, 11, 16)
    assert local_date(instant, "Asia/Tokyo") == date(2026, 11, 17)
    # An unknown zone is read in the fallback's, then UTC, like every zone in Headway.
    assert local_date(instant, "Mars/Olympus_Mons", "Asia/Tokyo") == date(2026, 11, 17)
    assert local_date(instant, "Mars/Olympus_Mons") == date(2026, 11, 16)
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2026, 11, 16, 23, 30), "UTC")


@pytest.mark.parametrize("holidays,paused_until,open_", [
    ((), None, (0, 2, 4)),
    ((date(2026, 11, 20),), None, (0, 2)),  # a Friday holiday: the week ends on Wednesday
    ((), date(2026, 11, 16), (2, 4)),  # paused through Monday
    ((date(2026, 11, 20),), date(2026, 11, 18), (0, 2, 4)),  # nothing open: all days kept
    ((date(2026, 11, 13),), date(2026, 11, 13), (0, 2, 4)),  # last week's rests
])
def test_open_days_are_the_weeks_nudge_days_not_on_holiday_or_paused(holidays, paused_until,
                                                                      open_):
    m = member("UTC", days=(0, 2, 4), paused_until=paused_until)
    # Any day of the week names the same week: Wednesday 18 November 2026.
    for day in (date(2026, 11, 16), date(2026, 11, 18), date(2026, 11, 22)):
        assert open_days(m, day, frozenset(holidays)) == open_


def test_holidays_are_local_dates():
    # 08:00 in Tokyo is 23:00 UTC the day before: the holiday is the Tokyo date.
    m = member("Asia/Tokyo", at=time(8, 0))
    now = local("Asia/Tokyo", 2026, 11, 17, 8, 0)
    assert due_nudge(m, now, GRACE, holidays=frozenset({date(2026, 11, 17)})) is None
    assert due_nudge(m, now, GRACE, holidays=frozenset({date(2026, 11, 16)})) is not None


@pytest.mark.parametrize("at,quiet,resting", [
    (time(9, 0), (time(8), time(10)), True),
    (time(8, 0), (time(8), time(10)), True),  # [begin, end): begin is quiet...
    (time(10, 0), (time(8), time(10)), False),  # ...end is not
    (time(23, 30), (time(22), time(7)), True),  # wraps midnight
    (time(6, 59), (time(22), time(7)), True),
    (time(7, 0), (time(22), time(7)), False),
    (time(9, 0), (time(22), time(7)), False),
    (time(9, 0), (time(9), time(9)), False),  # begin == end: no quiet hours
])
def test_quiet_hours_are_local_and_may_wrap_midnight(at, quiet, resting):
    m = member("Asia/Kolkata", at=at, days=DAILY)
    now = local("Asia/Kolkata", 2026, 11, 17, at.hour, at.minute)
    assert (due_nudge(m, now, GRACE, quiet_hours=quiet) is None) is resting


def test_inactive_members_are_never_due_missed_or_next():
    m = member("UTC", days=DAILY, active=False)
    now = utc(2026, 11, 16, 9, 0)
    assert due_nudge(m, now, GRACE) is None
    assert missed_nudges(m, now - timedelta(days=3), now, GRACE) == []
    assert next_nudge(m, now) is None


def test_a_resting_occurrence_is_not_an_occurrence():
    m = member("UTC", days=DAILY)
    holidays = frozenset({date(2026, 11, 17)})
    now = utc(2026, 11, 17, 10, 0)
    # With a two-day grace, the holiday's nudge gives way to the day before...
    assert due_nudge(m, now, timedelta(days=2), holidays=holidays).at == utc(2026, 11, 16, 9)
    # ...a holiday is skipped, not missed...
    assert [x.at for x in missed_nudges(m, utc(2026, 11, 15), utc(2026, 11, 19), GRACE,
                                        holidays=holidays)] == [
        utc(2026, 11, 15, 9), utc(2026, 11, 16, 9), utc(2026, 11, 18, 9)]
    # ...and "next" jumps over it.
    assert next_nudge(m, utc(2026, 11, 16, 12), holidays=holidays) == utc(2026, 11, 18, 9)


def test_next_nudge_for_display():
    m = member(NY, at=time(15), days=(4,))
    friday_3pm = local(NY, 2026, 11, 20, 15, 0)

    assert next_nudge(m, utc(2026, 11, 18)) == friday_3pm
    assert next_nudge(m, friday_3pm - timedelta(seconds=1)) == friday_3pm
    assert next_nudge(m, friday_3pm) == friday_3pm + timedelta(weeks=1)  # strictly after
    assert next_nudge(member(NY, days=()), utc(2026, 11, 18)) is None


def test_next_nudge_skips_a_long_pause():
    m = member(BERLIN, days=(0,), paused_until=date(2027, 3, 1))  # a Monday, inclusive
    assert next_nudge(m, utc(2026, 11, 18)) == local(BERLIN, 2027, 3, 8, 9, 0)


def test_naive_instants_are_refused_rather_than_read_as_host_time():
    naive = datetime(2026, 11, 16, 9, 0)
    for call in (lambda: due_nudge(member("UTC"), naive, GRACE),
                 lambda: period_of(naive, "UTC"),
                 lambda: scheduled_nudges(member("UTC"), naive, utc(2026, 12, 1)),
                 lambda: due_digest(Team(1, "T1", "Team"), naive, GRACE)):
        with pytest.raises(ValueError, match="timezone-aware"):
            call()
    with pytest.raises(ValueError, match="grace must be positive"):
        due_nudge(member("UTC"), utc(2026, 11, 16), timedelta(0))


def test_an_unknown_member_zone_falls_back_to_utc_instead_of_failing_the_tick():
    m = member("Mars/Olympus_Mons", days=(0,))
    assert due_nudge(m, utc(2026, 11, 16, 9, 0), GRACE).at == utc(2026, 11, 16, 9, 0)


@pytest.mark.parametrize("module", [schedule, periods, zones, when, policies])
def test_the_schedule_modules_never_read_the_clock(module):
    source = Path(module.__file__).read_text()
    assert "def " in source  # canary: the module's own code was read
    assert not re.search(r"\.now\(|\.today\(|utcnow|time\.time\(|monotonic", source)


# ── periods ──────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("instant,tz,period", [
    (utc(2026, 12, 31, 12), "UTC", "2026-W53"),  # a Thursday: 2026 has 53 ISO weeks
    (utc(2027, 1, 3, 23), "UTC", "2026-W53"),  # Sunday 3 Jan 2027 still in 2026's week 53
    (utc(2027, 1, 3, 23), "Asia/Tokyo", "2027-W01"),  # already Monday in Tokyo
    (utc(2024, 12, 30, 12), "UTC", "2025-W01"),  # a December day in next year's week 1
    (utc(2021, 1, 3, 12), "UTC", "2020-W53"),
    (utc(2025, 12, 28, 12), "UTC", "2025-W52"),  # 2025 has only 52
    (utc(2026, 11, 16, 4), NY, "2026-W46"),  # Monday UTC, still Sunday in New York
])
def test_periods_are_iso_weeks_in_the_given_zone(instant, tz, period):
    assert period_of(instant, tz) == period


def test_the_same_instant_is_in_different_weeks_across_the_date_line():
    # Sunday 11:00 UTC is Monday 01:00 in Kiritimati (+14), Sunday 00:00 in Pago Pago (-11).
    sunday = utc(2026, 11, 22, 11, 0)
    assert period_of(sunday, "Pacific/Kiritimati") == "2026-W48"
    assert period_of(sunday, "Pacific/Pago_Pago") == "2026-W47"
    # ...even across the ISO year boundary.
    new_year = utc(2027, 1, 3, 11, 0)
    assert period_of(new_year, "Pacific/Kiritimati") == "2027-W01"
    assert period_of(new_year, "Pacific/Pago_Pago") == "2026-W53"


def test_period_arithmetic():
    assert shift_period("2026-W53", 1) == "2027-W01"
    assert shift_period("2027-W01", -1) == "2026-W53"
    assert shift_period("2025-W52", 1) == "2026-W01"
    assert shift_period("2026-W47", 0) == "2026-W47"
    assert shift_period("2026-W47", -52) == "2025-W47"
    assert recent_periods("2026-W02", 3) == ["2025-W51", "2025-W52", "2026-W01"]
    assert recent_periods("2027-W02", 2) == ["2026-W53", "2027-W01"]
    assert recent_periods("2026-W02", 0) == []


@pytest.mark.parametrize("period,tz,start", [
    ("2026-W47", BERLIN, utc(2026, 11, 15, 23, 0)),
    ("2026-W47", "Pacific/Kiritimati", utc(2026, 11, 15, 10, 0)),
    ("2026-W47", "Pacific/Pago_Pago", utc(2026, 11, 16, 11, 0)),
    ("2027-W01", "UTC", utc(2027, 1, 4)),
    ("2025-W01", "UTC", utc(2024, 12, 30)),
])
def test_period_start_is_local_monday_midnight(period, tz, start):
    assert period_start(period, tz) == start


@pytest.mark.parametrize("tz", [*ZONES, "Pacific/Kiritimati", "Pacific/Pago_Pago",
                                "America/Santiago", "Asia/Beirut"])
def test_period_start_is_exactly_where_period_of_changes(tz):
    period = "2025-W50"
    for _ in range(60):
        start = period_start(period, tz)
        assert period_of(start, tz) == period
        assert period_of(start - timedelta(microseconds=1), tz) == shift_period(period, -1)
        period = shift_period(period, 1)


@pytest.mark.parametrize("text,message", [
    ("2026-W54", "2026 has no week 54: its ISO weeks are W01–W53"),
    ("2025-W53", "2025 has no week 53: its ISO weeks are W01–W52"),
    ("2026-W00", "2026 has no week 0"),
    ("2026W47", "`2026W47` is not an ISO week: write it like 2026-W47"),
    ("47", "`47` is not an ISO week"),
    ("2026-w47", "is not an ISO week"),  # canonical spelling only: it is a database key
    (" 2026-W47", "is not an ISO week"),
    ("2026-W4", "is not an ISO week"),
    ("", "is not an ISO week"),
    ("0000-W01", "`0000-W01` is out of range: Headway's weeks run from 1000-W01 to 9998-W52"),
    ("0999-W52", "is out of range"),
    ("9999-W52", "is out of range"),  # its Sunday is not a date
])
def test_bad_periods_are_refused_with_a_specific_message(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_period(text)


def test_good_periods_parse():
    assert parse_period("2026-W47") == (2026, 47)
    assert parse_period("2026-W53") == (2026, 53)
    assert parse_period("2020-W53") == (2020, 53)
    assert parse_period("1000-W01") == (1000, 1)
    assert parse_period("9998-W52") == (9998, 52)


@pytest.mark.parametrize("period", ["1000-W01", "9998-W52"])
def test_the_weeks_derived_from_the_first_and_last_valid_periods_are_dates(period):
    """What callers compute from a period they validated never overflows: its Monday to
    Sunday, and the start of every week up to a year before and after it."""
    from bot.core.digest import period_dates

    assert period_dates(period)
    around = [*recent_periods(period, 52), period, *(shift_period(period, k) for k in
                                                      range(1, 53))]
    assert len(set(around)) == 105  # canary: a year each side, every week distinct
    for week in around:
        for tz in ("Pacific/Kiritimati", "Asia/Tokyo", "UTC", "Pacific/Pago_Pago"):
            assert period_of(period_start(week, tz), tz) == week


# ── the team digest ──────────────────────────────────────────────────────────


@pytest.mark.parametrize("posted,period", [
    (utc(2026, 11, 23, 9, 0), "2026-W47"),  # Monday 09:00: the week that just ended
    (utc(2026, 11, 26, 9, 0), "2026-W47"),  # Thursday: still last week
    (utc(2026, 11, 20, 16, 0), "2026-W47"),  # Friday 16:00: this week
    (utc(2026, 11, 22, 20, 0), "2026-W47"),  # Sunday evening: this week
    (utc(2027, 1, 4, 9, 0), "2026-W53"),  # first Monday of 2027 reviews 2026's week 53
])
def test_a_digest_reviews_the_latest_week_whose_friday_has_begun(posted, period):
    assert digest_period(Team(1, "T1", "Team", tz="Europe/London"), posted) == period


def test_the_digest_rule_uses_the_teams_zone():
    # Thursday 16:00 UTC is Friday 01:00 in Tokyo: a Tokyo team's Friday has begun.
    thursday = utc(2026, 11, 19, 16, 0)
    assert digest_period(Team(1, "T1", "Team", tz="Asia/Tokyo"), thursday) == "2026-W47"
    assert digest_period(Team(1, "T1", "Team", tz="UTC"), thursday) == "2026-W46"


def test_due_digest_monday_and_friday():
    monday = Team(1, "T1", "Team", tz=BERLIN, digest_day=0, digest_time=time(9))
    friday = Team(1, "T1", "Team", tz=BERLIN, digest_day=4, digest_time=time(16))
    grace = timedelta(hours=12)

    due = due_digest(monday, local(BERLIN, 2026, 11, 23, 9, 0), grace)
    assert due is not None and due.at == utc(2026, 11, 23, 8, 0) and due.period == "2026-W47"
    due = due_digest(friday, local(BERLIN, 2026, 11, 20, 18, 0), grace)
    assert due is not None and due.at == utc(2026, 11, 20, 15, 0) and due.period == "2026-W47"
    assert due_digest(friday, local(BERLIN, 2026, 11, 20, 15, 59), grace) is None
    assert due_digest(Team(1, "T1", "Team", digest_day=1), utc(2026, 11, 23, 9), grace) is None


def test_a_digest_caught_up_after_midnight_reviews_the_week_it_was_scheduled_for():
    # Thursday 23:30 reviews last week; caught up at Friday 00:30 it must not jump to
    # this week (which is what "Friday" would say).
    team = Team(1, "T1", "Team", tz="UTC", digest_day=3, digest_time=time(23, 30))
    due = due_digest(team, utc(2026, 11, 20, 0, 30), timedelta(hours=12))
    assert due is not None and due.period == "2026-W46"


def test_a_digest_in_the_dst_gap_is_due_once_across_the_weekend():
    team = Team(1, "T1", "Team", tz=BERLIN, digest_day=6, digest_time=time(2, 30))
    seen: set[datetime] = set()
    now = utc(2026, 3, 27)
    while now < utc(2026, 4, 1):
        due = due_digest(team, now, timedelta(hours=12))
        if due is not None:
            seen.add(due.at)
        now += timedelta(minutes=1)
    assert seen == {utc(2026, 3, 29, 1, 30)}  # 03:30 CEST


def test_next_digest_for_display():
    team = Team(1, "T1", "Team", tz=NY, digest_day=0, digest_time=time(9))
    nxt = next_digest(team, utc(2026, 11, 18))
    assert nxt is not None
    assert nxt.at == local(NY, 2026, 11, 23, 9, 0) and nxt.period == "2026-W47"


# ── what people type ─────────────────────────────────────────────────────────


@pytest.mark.parametrize("text,days", [
    ("mon-fri", (0, 1, 2, 3, 4)), ("Mon,Wed,Fri", (0, 2, 4)), ("mon, wed, fri", (0, 2, 4)),
    ("fri", (4,)), ("FRI", (4,)), ("friday", (4,)), ("Fridays", (4,)), ("thurs", (3,)),
    ("weekdays", WEEKDAYS), ("daily", DAILY), ("every day", DAILY), ("weekends", (5, 6)),
    ("fri-mon", (0, 4, 5, 6)), ("sun-sat", DAILY), ("wed-wed", (2,)), ("tue thu", (1, 3)),
    ("Mon–Fri", WEEKDAYS), ("mon - fri", WEEKDAYS), ("monday to friday", WEEKDAYS),
    ("mon and thu", (0, 3)), ("weekdays, sat", (0, 1, 2, 3, 4, 5)), ("mon-wed,fri", (0, 1, 2, 4)),
])
def test_parse_days(text, days):
    assert parse_days(text) == days


@pytest.mark.parametrize("text,message", [
    ("mon,funday", "`funday` is not a day: use mon, tue"),
    ("mon-funday", "`funday` is not a day"),
    ("mon-", "`mon-` is not a day range: write it like mon-fri"),
    ("mon-tue-wed", "`mon-tue-wed` is not a day range"),
    ("", "name at least one day"),
    (" , ", "name at least one day"),
    ("9:30", "`9:30` is not a day"),
])
def test_parse_days_names_the_bad_part(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_days(text)


@pytest.mark.parametrize("days,text", [
    ((0, 1, 2, 3, 4), "Mon–Fri"), ((0, 2, 4), "Mon, Wed, Fri"), ((4,), "Fridays"),
    ((0, 2), "Mon, Wed"), (DAILY, "every day"), ((0, 4, 5, 6), "Fri–Mon"),
    ((0, 1, 2, 4), "Mon–Wed, Fri"), ((5, 6), "Sat, Sun"), ((), "no days"),
])
def test_format_days(days, text):
    assert format_days(days) == text


def test_every_set_of_days_survives_format_then_parse():
    for n in range(1, 8):
        for days in itertools.combinations(range(7), n):
            assert parse_days(format_days(days)) == days


@pytest.mark.parametrize("text,value", [
    ("9:30", time(9, 30)), ("09:30", time(9, 30)), ("17:00", time(17)), ("0:00", time(0)),
    ("5pm", time(17)), ("5:30pm", time(17, 30)), ("5 PM", time(17)), ("9.30", time(9, 30)),
    ("12am", time(0)), ("12pm", time(12)), ("11:59 p.m.", time(23, 59)), (" 23:59 ", time(23, 59)),
])
def test_parse_hhmm(text, value):
    assert parse_hhmm(text) == value


@pytest.mark.parametrize("text,message", [
    ("25:00", "`25:00`: the hour must be 0–23"),
    ("24:00", "the hour must be 0–23"),
    ("9:75", "`9:75`: the minutes must be 00–59"),
    ("abc", "`abc` is not a time: write it like 09:30"),
    ("9", "`9` is not a time"),
    ("9:5", "is not a time"),
    ("13pm", "with am/pm the hour goes from 1 to 12"),
    ("0am", "with am/pm the hour goes from 1 to 12"),
    ("", "is not a time"),
])
def test_parse_hhmm_errors(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_hhmm(text)


def test_validate_tz():
    assert validate_tz("Europe/Berlin") == "Europe/Berlin"
    assert validate_tz(" america/new_york ") == "America/New_York"  # canonical spelling
    assert validate_tz("UTC") == "UTC"
    for bad in ("Mars/Olympus_Mons", "", "localtime", "../etc/passwd", "Europe/"):
        with pytest.raises(ValueError, match="is not a time zone I know"):
            validate_tz(bad)


# ── properties ───────────────────────────────────────────────────────────────

TRICKY_ZONES = [NY, BERLIN, SYDNEY, "Asia/Kolkata", "America/Sao_Paulo", "America/Santiago",
                "Pacific/Chatham", "Australia/Lord_Howe", "Antarctica/Troll", "Pacific/Apia",
                "Pacific/Kiritimati", "Europe/Dublin", "Asia/Gaza"]


@settings(max_examples=400, deadline=None)
@given(tz=st.sampled_from(TRICKY_ZONES),
       day=st.dates(min_value=date(1990, 1, 1), max_value=date(2037, 12, 31)),
       at=st.times())
@example(tz="Antarctica/Troll", day=date(2026, 3, 29), at=time(1, 30))  # a 2 h gap
@example(tz="Australia/Lord_Howe", day=date(2026, 10, 4), at=time(2, 15))  # a 30 min gap
@example(tz="Pacific/Apia", day=date(2011, 12, 30), at=time(9, 0))  # a skipped day
@example(tz=NY, day=date(2026, 11, 1), at=time(1, 30))  # a repeated hour
def test_local_occurrence_shows_the_asked_wall_time_except_inside_a_gap(tz, day, at):
    zone = ZoneInfo(tz)
    asked = datetime.combine(day, at)
    instant = local_occurrence(day, at, tz)

    assert instant.tzinfo is UTC
    if wall(instant, tz) == asked:
        # A repeated wall time: the first of its instants.
        assert instant <= asked.replace(tzinfo=zone, fold=1).astimezone(UTC)
    else:
        # Only a wall time that does not exist may move, forward by exactly the gap.
        before = asked.replace(tzinfo=zone, fold=0).utcoffset()
        after = asked.replace(tzinfo=zone, fold=1).utcoffset()
        assert after > before
        assert wall(instant, tz) - asked == after - before


@settings(max_examples=150, deadline=None)
@given(tz=st.sampled_from(TRICKY_ZONES),
       start=st.dates(min_value=date(2012, 1, 1), max_value=date(2037, 1, 1)),
       at=st.times(),
       days=st.sets(st.integers(0, 6), min_size=1).map(lambda s: tuple(sorted(s))))
def test_scheduled_nudges_is_once_per_scheduled_local_day(tz, start, at, days):
    zone = ZoneInfo(tz)
    window = (datetime.combine(start, time(0), zone), datetime.combine(start, time(0), zone)
              + timedelta(days=21))
    fired = scheduled_nudges(member(tz, at=at, days=days), *window)

    expected = [local_occurrence(start + timedelta(days=i), at, tz) for i in range(-1, 23)
                if (start + timedelta(days=i)).weekday() in days]
    assert fired == [e for e in expected if window[0] <= e < window[1]]
    assert len(fired) == len(set(fired))
    for f in fired:
        if wall(f, tz).time() == at:  # not moved by a gap
            assert wall(f, tz).date().weekday() in days

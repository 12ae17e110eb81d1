"""Schedule maths: once per scheduled day at local time, across DST, in every zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.model import Member, Team
from bot.core.schedule import (
    digest_period,
    due_digest,
    due_nudge,
    format_days,
    local_occurrence,
    missed_nudges,
    next_nudge,
    parse_days,
    parse_hhmm,
    parse_period,
    period_of,
    period_start,
    recent_periods,
    scheduled_nudges,
    shift_period,
)

ZONES = ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "Asia/Tokyo",
         "UTC"]
YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def member(tz: str, at: time = time(9, 0), days=(0, 1, 2, 3, 4), **kw) -> Member:
    return Member("T1", "U1", tz=tz, days=days, nudge_time=at, **kw)


@pytest.mark.parametrize("tz", ZONES)
def test_a_year_of_weekday_nudges_fires_once_per_weekday_at_local_nine(tz):
    fired = scheduled_nudges(member(tz), *YEAR)
    local = [f.astimezone(ZoneInfo(tz)) for f in fired]
    assert all(x.time() == time(9, 0) for x in local)
    days = [x.date() for x in local]
    assert len(days) == len(set(days))
    weekdays_in_year = {date(2026, 1, 1) + timedelta(days=i) for i in range(-1, 367)}
    expected = {d for d in weekdays_in_year if d.weekday() < 5
                and YEAR[0] <= local_occurrence(d, time(9), tz) < YEAR[1]}
    assert set(days) == expected


@pytest.mark.parametrize("tz,day,at,expected_local", [
    # spring forward: 02:00-03:00 does not exist; 02:30 fires once, at 03:30
    ("America/New_York", date(2026, 3, 8), time(2, 30), time(3, 30)),
    ("Europe/Berlin", date(2026, 3, 29), time(2, 30), time(3, 30)),
    ("Australia/Sydney", date(2026, 10, 4), time(2, 30), time(3, 30)),
    # fall back: the repeated hour fires once, at its first occurrence
    ("America/New_York", date(2026, 11, 1), time(1, 30), time(1, 30)),
    ("Europe/Berlin", date(2026, 10, 25), time(2, 30), time(2, 30)),
    ("Australia/Sydney", date(2026, 4, 5), time(2, 30), time(2, 30)),
])
def test_times_inside_the_skipped_or_repeated_hour_fire_exactly_once(tz, day, at,
                                                                       expected_local):
    m = member(tz, at=at, days=(day.weekday(),))
    start = datetime.combine(day, time(0), ZoneInfo(tz)) - timedelta(hours=3)
    fired = scheduled_nudges(m, start, start + timedelta(hours=30))
    assert len(fired) == 1
    local = fired[0].astimezone(ZoneInfo(tz))
    assert local.date() == day and local.time() == expected_local
    if at == expected_local:  # repeated hour: the first instant, still on summer time
        assert local.dst() != timedelta(0)


@pytest.mark.parametrize("tz,day,at", [
    ("America/New_York", date(2026, 3, 8), time(2, 30)),
    ("America/New_York", date(2026, 11, 1), time(1, 30)),
    ("Europe/Berlin", date(2026, 10, 25), time(2, 30)),
    ("Australia/Sydney", date(2026, 4, 5), time(2, 30)),
    ("Asia/Kolkata", date(2026, 3, 8), time(9, 0)),
])
def test_ticking_every_minute_across_a_dst_weekend_gives_one_due_nudge_per_day(tz, day, at):
    m = member(tz, at=at, days=tuple(range(7)))
    ledger: set[str] = set()
    sent = []
    now = datetime.combine(day - timedelta(days=1), time(0), ZoneInfo(tz)).astimezone(UTC)
    end = now + timedelta(days=3)
    while now < end:
        due = due_nudge(m, now, timedelta(hours=6))
        if due is not None:
            key = due.at.astimezone(ZoneInfo(tz)).date().isoformat()
            if key not in ledger:
                ledger.add(key)
                sent.append(due.at)
        now += timedelta(minutes=1)
    local_days = [s.astimezone(ZoneInfo(tz)).date() for s in sent]
    assert local_days == [day - timedelta(days=1), day, day + timedelta(days=1)]


def test_after_three_days_down_only_the_latest_is_due_and_the_rest_are_missed():
    m = member("Europe/Berlin", days=tuple(range(7)))
    down = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)
    back = down + timedelta(days=3, hours=3)  # Thu 09:00 UTC = 10:00 Berlin
    due = due_nudge(m, back, timedelta(hours=6))
    assert due is not None and due.at.astimezone(ZoneInfo("Europe/Berlin")).date() == \
        date(2026, 11, 19)
    missed = missed_nudges(m, down, back, timedelta(hours=6))
    assert [x.astimezone(ZoneInfo("Europe/Berlin")).date() for x in missed] == [
        date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)]
    assert due_nudge(m, back + timedelta(hours=6), timedelta(hours=6)) is None


def test_due_boundaries_exactly_now_is_due_exactly_grace_old_is_not():
    m = member("UTC", days=(0,))
    at = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    assert due_nudge(m, at, timedelta(hours=1)).at == at
    assert due_nudge(m, at - timedelta(seconds=1), timedelta(hours=1)) is None
    assert due_nudge(m, at + timedelta(hours=1), timedelta(hours=1)) is None


def test_pause_holidays_and_quiet_hours_stop_nudges():
    at = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # Monday
    grace = timedelta(hours=1)
    assert due_nudge(member("UTC", paused_until=date(2026, 11, 16)), at, grace) is None
    assert due_nudge(member("UTC", paused_until=date(2026, 11, 15)), at, grace) is not None
    assert due_nudge(member("UTC", active=False), at, grace) is None
    assert due_nudge(member("UTC"), at, grace, holidays=frozenset({date(2026, 11, 16)})) is None
    assert due_nudge(member("UTC"), at, grace, quiet_hours=(time(8), time(10))) is None
    assert due_nudge(member("UTC", at=time(23, 30)), at.replace(hour=23, minute=30), grace,
                     quiet_hours=(time(22), time(7))) is None
    assert due_nudge(member("UTC"), at, grace, quiet_hours=(time(22), time(7))) is not None


def test_periods_are_iso_weeks_in_the_members_zone():
    instant = datetime(2026, 12, 28, 10, 30, tzinfo=UTC)  # a Monday
    assert period_of(instant, "UTC") == "2026-W53"
    assert period_of(datetime(2027, 1, 3, 23, 0, tzinfo=UTC), "UTC") == "2026-W53"
    assert period_of(datetime(2027, 1, 3, 23, 0, tzinfo=UTC), "Asia/Tokyo") == "2027-W01"
    # Sunday 11:00 UTC is already Monday in Kiritimati (+14) and still Sunday in Pago Pago (-11)
    sunday = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    assert period_of(sunday, "Pacific/Kiritimati") == "2026-W48"
    assert period_of(sunday, "Pacific/Pago_Pago") == "2026-W47"


def test_period_arithmetic():
    assert shift_period("2026-W53", 1) == "2027-W01"
    assert shift_period("2027-W01", -1) == "2026-W53"
    assert recent_periods("2026-W02", 3) == ["2025-W51", "2025-W52", "2026-W01"]
    assert period_start("2026-W47", "Europe/Berlin") == datetime(2026, 11, 15, 23, 0,
                                                                  tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-W54", "2025-W53", "2026W47", "47", "2026-w47x", ""])
def test_bad_periods_are_refused_with_a_message(text):
    with pytest.raises(ValueError, match=r"ISO week|has no week"):
        parse_period(text)


def test_digest_period_rule_monday_reviews_last_week_friday_this_week():
    team = Team("T1", tz="Europe/London")
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    friday = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    assert digest_period(team, monday) == "2026-W47"
    assert digest_period(team, friday) == "2026-W47"
    due = due_digest(Team("T1", tz="UTC", digest_day=0, digest_time=time(9)), monday,
                     timedelta(hours=12))
    assert due is not None and due.period == "2026-W47"
    assert due_digest(Team("T1", digest_day=1), monday, timedelta(hours=12)) is None


def test_next_nudge_for_display():
    m = member("America/New_York", at=time(15), days=(4,))
    nxt = next_nudge(m, datetime(2026, 11, 18, tzinfo=UTC))
    assert nxt.astimezone(ZoneInfo("America/New_York")) == datetime(
        2026, 11, 20, 15, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.parametrize("text,days", [
    ("mon-fri", (0, 1, 2, 3, 4)), ("Mon,Wed,Fri", (0, 2, 4)), ("fri", (4,)),
    ("weekdays", (0, 1, 2, 3, 4)), ("daily", tuple(range(7))), ("friday", (4,)),
    ("fri-mon", (0, 4, 5, 6)), ("tue thu", (1, 3)),
])
def test_parse_days(text, days):
    assert parse_days(text) == days


def test_parse_days_names_the_bad_part():
    with pytest.raises(ValueError, match="`funday` is not a day"):
        parse_days("mon,funday")


def test_format_days():
    assert format_days((0, 1, 2, 3, 4)) == "Mon–Fri"
    assert format_days((4,)) == "Fridays"
    assert format_days((0, 2)) == "Mon, Wed"


@pytest.mark.parametrize("text,value", [("9:30", time(9, 30)), ("09:30", time(9, 30)),
                                        ("17:00", time(17)), ("5pm", time(17)),
                                        ("5:30pm", time(17, 30)), ("12am", time(0))])
def test_parse_hhmm(text, value):
    assert parse_hhmm(text) == value


@pytest.mark.parametrize("text,message", [("25:00", "hour must be 0–23"),
                                          ("9:75", "minutes must be 00–59"),
                                          ("abc", "not a time"), ("13pm", "1 to 12"),
                                          ("9", "not a time")])
def test_parse_hhmm_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_hhmm(text)


@given(
    tz=st.sampled_from(["America/New_York", "Europe/Berlin", "Australia/Sydney",
                        "Asia/Kolkata", "America/Sao_Paulo", "Pacific/Chatham"]),
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    at=st.times(),
)
def test_local_occurrence_shows_the_asked_wall_time_except_inside_a_gap(tz, day, at):
    at = at.replace(microsecond=0)
    instant = local_occurrence(day, at, tz)
    local = instant.astimezone(ZoneInfo(tz))
    asked = datetime.combine(day, at)
    if local.replace(tzinfo=None) != asked:
        # only a spring-forward gap may move it, forward, by the gap's length (<= 1 h)
        shift = local.replace(tzinfo=None) - asked
        assert timedelta(0) < shift <= timedelta(hours=1)

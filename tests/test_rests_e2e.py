"""Schedules you can trust, end to end: DST in five zones, time zone moves, holidays, quiet
hours, and downtime — driven through signed Slack requests and the real scheduler tick."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import answer_to, wait_for

from bot.core.model import Member
from bot.scheduler import tick

TEAM = "T0001"


def nudge_times(fake, clock, hw, until: datetime, step: timedelta) -> dict[str, list[datetime]]:
    """Tick every `step` until `until`; the clock instant of each tick that DMed someone."""
    sent: dict[str, list[datetime]] = {}
    seen = len(fake.calls_to("chat.postMessage"))
    while clock.now < until:
        clock.now += step
        tick(hw)
        calls = fake.calls_to("chat.postMessage")
        for call in calls[seen:]:
            at = sent.setdefault(call.args["channel"], [])
            if clock.now not in at:  # a plan of two prompts is one nudge
                at.append(clock.now)
        seen = len(calls)
    return sent


def enrol(fake, hw, clock, user: str, tz: str, days: tuple[int, ...], at: time) -> None:
    hw.store.workspaces.ensure(TEAM, clock.now)
    fake.add_user(user, tz=tz)
    hw.store.members.upsert(Member(TEAM, user, tz=tz, days=days, nudge_time=at), clock.now)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ── DST: every scheduled nudge once, at the documented local instant ──────────

SUNDAY = 6

# Sunday nudges at a wall time that the zone skips or repeats on its transition Sunday.
# Expected instants are written out by hand from the tz database's transitions: a skipped
# time fires shifted forward by the gap, a repeated time fires at its first occurrence.
SPRING_2026 = {
    # New York springs forward Sun 8 Mar 02:00 → 03:00: 02:30 fires at 03:30 EDT.
    "UNY": ("America/New_York", time(2, 30), [utc(2026, 3, 1, 7, 30), utc(2026, 3, 8, 7, 30),
                                              utc(2026, 3, 15, 6, 30)]),
    # Berlin springs forward Sun 29 Mar 02:00 → 03:00: 02:30 fires at 03:30 CEST.
    "UBE": ("Europe/Berlin", time(2, 30), [utc(2026, 3, 1, 1, 30), utc(2026, 3, 8, 1, 30),
                                           utc(2026, 3, 15, 1, 30)]),
    # Kolkata (+05:30, no DST) and Tokyo (+09:00, no DST): the same UTC instant every week.
    "UIN": ("Asia/Kolkata", time(9, 0), [utc(2026, 3, 1, 3, 30), utc(2026, 3, 8, 3, 30),
                                         utc(2026, 3, 15, 3, 30)]),
    "UTK": ("Asia/Tokyo", time(2, 30), [utc(2026, 2, 28, 17, 30), utc(2026, 3, 7, 17, 30),
                                        utc(2026, 3, 14, 17, 30)]),
}


def test_nudges_fire_once_at_local_time_across_new_yorks_spring_gap(fake, hw, clock):
    clock.now = utc(2026, 2, 28, 12, 0)
    for user, (tz, at, _) in SPRING_2026.items():
        enrol(fake, hw, clock, user, tz, (SUNDAY,), at)
    sent = nudge_times(fake, clock, hw, utc(2026, 3, 16), timedelta(minutes=30))
    assert {u: sent.get(u) for u in SPRING_2026} == {u: v[2] for u, v in SPRING_2026.items()}


@pytest.mark.parametrize("tz,at,start,expected", [
    # Berlin: 02:30 is skipped on Sun 29 Mar 2026 (fires 03:30 CEST = 01:30 UTC) …
    ("Europe/Berlin", time(2, 30), utc(2026, 3, 27),
     [utc(2026, 3, 29, 1, 30), utc(2026, 4, 5, 0, 30)]),
    # … and happens twice on Sun 25 Oct 2026: once, at the first (CEST, 00:30 UTC).
    ("Europe/Berlin", time(2, 30), utc(2026, 10, 23),
     [utc(2026, 10, 25, 0, 30), utc(2026, 11, 1, 1, 30)]),
    # New York: 01:30 happens twice on Sun 1 Nov 2026: once, at the first (EDT).
    ("America/New_York", time(1, 30), utc(2026, 10, 30),
     [utc(2026, 11, 1, 5, 30), utc(2026, 11, 8, 6, 30)]),
    # Sydney: 02:30 happens twice on Sun 5 Apr 2026 (AEDT → AEST): once, at the first.
    ("Australia/Sydney", time(2, 30), utc(2026, 4, 3),
     [utc(2026, 4, 4, 15, 30), utc(2026, 4, 11, 16, 30)]),
    # Sydney: 02:30 is skipped on Sun 4 Oct 2026 (AEST → AEDT): fires at 03:30 AEDT.
    ("Australia/Sydney", time(2, 30), utc(2026, 10, 2),
     [utc(2026, 10, 3, 16, 30), utc(2026, 10, 10, 15, 30)]),
])
def test_a_nudge_in_the_skipped_or_repeated_hour_fires_exactly_once(
        fake, hw, clock, tz, at, start, expected):
    clock.now = start
    enrol(fake, hw, clock, "U1", tz, (SUNDAY,), at)
    sent = nudge_times(fake, clock, hw, start + timedelta(days=10), timedelta(minutes=30))
    assert sent == {"U1": expected}
    assert len(fake.calls_to("chat.postMessage")) == 2 * len(expected)  # a plan of 2 each


# ── time zone changes ────────────────────────────────────────────────────────


def test_a_user_change_event_moves_the_next_nudge_to_the_new_local_time(slack, fake, hw, clock):
    clock.now = utc(2026, 11, 16, 0, 0)  # Monday
    enrol(fake, hw, clock, "U1", "Europe/Berlin", (4,), time(9, 0))
    fake.add_user("U1", tz="America/New_York")  # what Slack now says, e.g. to users.list
    assert slack.event({"type": "user_change", "user": {
        "id": "U1", "team_id": TEAM, "tz": "America/New_York", "tz_offset": -18000,
        "name": "u1"}}).status == 200
    wait_for(lambda: hw.store.members.get(TEAM, "U1").tz == "America/New_York",
             what="the member's zone to follow Slack")
    sent = nudge_times(fake, clock, hw, utc(2026, 11, 21), timedelta(minutes=30))
    assert sent == {"U1": [utc(2026, 11, 20, 14, 0)]}  # Fri 09:00 EST, not 08:00 UTC


def test_a_daily_sweep_of_users_list_catches_moves_without_an_event(fake, hw, clock):
    clock.now = utc(2026, 11, 16, 0, 0)
    for i in range(3):
        enrol(fake, hw, clock, f"U{i}", "UTC", (4,), time(9, 0))
    tick(hw)
    assert len(fake.calls_to("users.list")) >= 1
    fake.add_user("U1", tz="Asia/Kolkata")  # moved while we were not listening
    clock.advance(hours=1)
    tick(hw)
    assert hw.store.members.get(TEAM, "U1").tz == "UTC", "one sweep a day, not every tick"
    clock.advance(hours=24)
    calls_before = len(fake.calls_to("users.info"))
    tick(hw)
    assert hw.store.members.get(TEAM, "U1").tz == "Asia/Kolkata"
    assert hw.store.members.get(TEAM, "U0").tz == "UTC"
    # Someone deactivated in Slack is taken out at the next sweep, before a failed DM.
    fake.add_user("U2", tz="UTC", deleted=True)
    clock.advance(hours=25)
    tick(hw)
    gone = hw.store.members.get(TEAM, "U2")
    assert not gone.active and gone.inactive_reason == "account_inactive"
    assert len(fake.calls_to("users.info")) == calls_before  # paginated list, not per user


# ── holidays and quiet hours ─────────────────────────────────────────────────


def test_workspace_holidays_set_by_an_admin_mean_no_nudges_those_days(slack, fake, hw, clock):
    clock.now = utc(2026, 12, 21, 0, 0)  # Monday
    enrol(fake, hw, clock, "U1", "UTC", tuple(range(5)), time(9, 0))
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    # Not an admin: refused, nothing stored.
    refused = answer_to(fake, slack.command("holidays add 2026-12-24 2026-12-25", user="U1"))
    assert "admin" in refused.lower()
    assert hw.store.holidays.of(TEAM) == []
    added = answer_to(fake, slack.command("holidays add 2026-12-24 2026-12-25",
                                          user="UADMIN"))
    assert added.startswith("No questions on these days")
    assert hw.store.holidays.of(TEAM) == [date(2026, 12, 24), date(2026, 12, 25)]
    listed = slack.command("holidays", user="U1").json()["text"]
    assert "Thu 24 Dec 2026" in listed and "Fri 25 Dec 2026" in listed
    sent = nudge_times(fake, clock, hw, utc(2026, 12, 29), timedelta(minutes=30))
    # Mon–Fri: the reflection question on the first day, the work question on the last day
    # that is not a holiday — Wednesday this week, so the week's share still has data.
    assert [at.date() for at in sent["U1"]] == [date(2026, 12, 21), date(2026, 12, 23),
                                                date(2026, 12, 28)]
    work_id = hw.pack_for(None).work_prompt.id
    work = [c for c in fake.calls_to("chat.postMessage")
            if c.args["metadata"]["event_payload"]["prompt_id"] == work_id]
    assert [c.args["metadata"]["event_payload"]["period"] for c in work] == ["2026-W52"]


def test_holiday_dates_are_checked_and_explained(slack):
    for text, words in [("holidays add 2026-02-30", "not a date"),
                        ("holidays add 2026-12-26 2026-12-24", "before"),
                        ("holidays add 2026-01-01 2026-12-31", "at most"),
                        ("holidays frob", "holidays add")]:
        answer = slack.command(text).json()["text"]
        assert words in answer, (text, answer)


def test_quiet_hours_hold_back_a_nudge_and_off_lets_it_through(slack, fake, hw, clock):
    clock.now = utc(2026, 11, 16, 0, 0)  # Monday
    enrol(fake, hw, clock, "U1", "America/New_York", (2,), time(21, 0))  # Wed 21:00
    answer = slack.command("quiet 20:00-08:00", user="U1").json()["text"]
    assert "20:00" in answer and "08:00" in answer
    assert hw.store.members.get(TEAM, "U1").quiet_hours == (time(20), time(8))
    sent = nudge_times(fake, clock, hw, utc(2026, 11, 20), timedelta(minutes=30))
    assert sent == {}
    assert hw.store.nudges.missed(TEAM, "U1") == []  # held back on purpose, not missed
    assert "No quiet hours" in slack.command("quiet off", user="U1").json()["text"]
    sent = nudge_times(fake, clock, hw, utc(2026, 11, 26, 3), timedelta(minutes=30))
    assert sent == {"U1": [utc(2026, 11, 26, 2, 0)]}  # Wed 25 Nov 21:00 EST
    assert "not a range" in slack.command("quiet 8-9-10", user="U1").json()["text"]


# ── downtime ─────────────────────────────────────────────────────────────────


def test_after_downtime_only_the_latest_nudge_goes_out_older_ones_are_recorded_missed(
        fake, hw, clock):
    # Weekly on Friday 09:00 UTC; the bot ticks on Fri 30 Oct, then is down for three weeks.
    clock.now = utc(2026, 10, 30, 8, 0)
    enrol(fake, hw, clock, "U1", "UTC", (4,), time(9, 0))
    enrol(fake, hw, clock, "U2", "Asia/Kolkata", (4,), time(14, 30))  # 09:00 UTC too
    tick(hw)
    clock.now = utc(2026, 10, 30, 9, 0)
    tick(hw)
    assert len(fake.calls_to("chat.postMessage")) == 4  # a plan of two each
    # Back on Fri 20 Nov at 11:00 UTC: 2 h after this week's time (grace is 6 h).
    clock.now = utc(2026, 11, 20, 11, 0)
    result = tick(hw)
    posts = fake.calls_to("chat.postMessage")
    assert len(posts) == 8, "one plan each for this week, nothing for the weeks missed"
    assert result.nudges.missed == 4
    for user in ("U1", "U2"):
        missed = hw.store.nudges.missed(TEAM, user)
        assert [m["period"] for m in missed] == ["2026-W45", "2026-W46"]
    # Ticking on adds nothing: missed ones are never sent late, never recorded twice.
    for _ in range(3):
        clock.advance(minutes=30)
        tick(hw)
    assert len(fake.calls_to("chat.postMessage")) == 8
    assert len(hw.store.nudges.missed(TEAM)) == 4


def test_back_after_the_grace_window_nothing_is_sent_and_the_week_is_recorded_missed(
        fake, hw, clock):
    clock.now = utc(2026, 11, 13, 9, 30)
    enrol(fake, hw, clock, "U1", "UTC", (4,), time(9, 0))
    tick(hw)
    sent_before = len(fake.calls_to("chat.postMessage"))
    clock.now = utc(2026, 11, 20, 15, 30)  # 6 h 30 after Friday 09:00
    result = tick(hw)
    assert len(fake.calls_to("chat.postMessage")) == sent_before
    assert result.nudges.missed == 1
    assert [m["period"] for m in hw.store.nudges.missed(TEAM, "U1")] == ["2026-W47"]


def test_a_skipped_or_paused_week_is_not_recorded_as_missed(slack, fake, hw, clock):
    clock.now = utc(2026, 11, 13, 9, 30)
    enrol(fake, hw, clock, "U1", "UTC", (4,), time(9, 0))
    tick(hw)
    hw.store.members.update(TEAM, "U1", clock.now, paused_until=date(2026, 11, 21))
    clock.now = utc(2026, 11, 27, 10, 0)
    tick(hw)
    assert hw.store.nudges.missed(TEAM, "U1") == []


def test_zone_names_in_the_expected_lists_are_real():
    # Guards the hand-written expectations above against a typo'd zone silently meaning UTC.
    for tz, _, _ in SPRING_2026.values():
        ZoneInfo(tz)

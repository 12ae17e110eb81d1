"""The gentle reminder's schedule maths (`bot.core.reminders`) and who a lead sees as not
having answered (`bot.core.status`): pure, tested at many instants, across DST."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.messages.reminder import reminder_message
from bot.core.messages.team_status import lead_section, team_status
from bot.core.model import Item, Member, Prompt, Reply, Team, WeekShare
from bot.core.periods import period_of, shift_period
from bot.core.reminders import (
    AFTER_QUESTION,
    GRACE,
    LAST_CALL,
    SNOOZE_GAP,
    Snooze,
    TeamDeadline,
    digest_at,
    due_reminder,
    held_by_snooze,
    plan_reminder,
    team_deadline,
)
from bot.core.schedule import _in_quiet_hours, digest_period, due_digest, next_digest
from bot.core.status import LeadView, MemberWeek, paused_for, team_week
from bot.core.zones import zone

UTC_MEMBER = Member("T1", "U1", tz="UTC", days=(4,), nudge_time=time(15))
# Friday 20 Nov 2026, 15:00 UTC: the default question of 2026-W47 reached them.
ASKED = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
W47 = "2026-W47"


def team(**settings) -> Team:
    return Team(1, "T1", "Platform", digest_channel="C1", **settings)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ── when each team's digest of a week goes out ───────────────────────────────


ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
         "Pacific/Apia", "America/St_Johns")


@pytest.mark.parametrize("tz", ZONES)
def test_digest_at_is_the_one_occurrence_that_reviews_the_week_for_every_day_and_week(tz):
    """For each weekday and every week of two years (every DST change in them): the post
    at `digest_at(p)` reviews p, the scheduler's `due_digest` says so at that instant, and
    the occurrence a week earlier reviewed the week before."""
    period = "2026-W01"
    for _ in range(104):
        for day in range(7):
            t = team(tz=tz, digest_day=day, digest_time=time(2, 30))  # inside spring gaps
            when = digest_at(t, period)
            assert digest_period(t, when) == period, (tz, day, period, when)
            due = due_digest(t, when, timedelta(minutes=1))
            assert due is not None and (due.at, due.period) == (when, period)
            before = next_digest(t, when - timedelta(days=8))
            assert before is not None and before.period == shift_period(period, -1)
        period = shift_period(period, 1)


def test_a_monday_digest_reviews_the_week_before_and_a_friday_one_its_own():
    assert digest_at(team(digest_day=0, digest_time=time(9)), W47) == at(2026, 11, 23, 9)
    assert digest_at(team(digest_day=4, digest_time=time(16)), W47) == at(2026, 11, 20, 16)
    assert digest_at(team(digest_day=3, digest_time=time(9)), W47) == at(2026, 11, 26, 9)


# ── the plan ─────────────────────────────────────────────────────────────────


def plan(member=UTC_MEMBER, teams=None, asked=ASKED, **rests):
    teams = (team(),) if teams is None else teams
    return plan_reminder(member, W47, [team_deadline(t, W47) for t in teams], asked, **rests)


def test_by_default_it_is_planned_24_hours_before_a_monday_digest():
    got = plan()
    assert got is not None
    assert (got.at, got.digest_at, got.period) == (at(2026, 11, 22, 9), at(2026, 11, 23, 9), W47)
    assert got.last_call == at(2026, 11, 23, 9) - LAST_CALL


def test_the_hours_are_the_teams_own_and_off_means_none():
    assert plan(teams=(team(reminder_hours=2),)).at == at(2026, 11, 23, 7)
    assert plan(teams=(team(reminder_hours=None),)) is None
    assert plan(teams=()) is None  # in no team with a digest: no digest to remind of


def test_it_never_comes_sooner_than_four_hours_after_the_question():
    # 72 hours before Monday 09:00 is Friday 09:00, before the question at 15:00
    assert plan(teams=(team(reminder_hours=72),)).at == ASKED + AFTER_QUESTION


def test_a_friday_digest_of_the_same_afternoon_leaves_no_room_for_a_reminder():
    friday = team(digest_day=4, digest_time=time(16))
    assert plan(teams=(friday,)) is None
    asked_monday = at(2026, 11, 16, 15)
    assert plan(teams=(friday,), asked=asked_monday).at == at(2026, 11, 19, 16)


def test_for_a_person_in_several_teams_it_goes_before_the_earliest_digest():
    berlin = team(digest_day=0, digest_time=time(9), tz="Europe/Berlin")  # 08:00 UTC
    new_york = team(digest_day=0, digest_time=time(9), tz="America/New_York", reminder_hours=48)
    got = plan(teams=(berlin, new_york))
    # New York's 48 h lands earlier (Sat 14:00 UTC) than Berlin's 24 h (Sun 08:00 UTC)
    assert got.at == at(2026, 11, 21, 14) and got.digest_at == at(2026, 11, 23, 8)


def test_a_team_with_reminders_off_still_sets_the_last_call_by_its_digest():
    sunday_evening = team(digest_day=6, digest_time=time(18), reminder_hours=None)
    monday = team(digest_day=0, digest_time=time(9))
    got = plan(teams=(sunday_evening, monday))
    assert got.at == at(2026, 11, 22, 9) and got.digest_at == at(2026, 11, 22, 18)
    assert plan(teams=(sunday_evening, team(reminder_hours=6))) is None  # Mon 03:00: too late


def test_quiet_hours_move_it_to_their_end_if_that_is_still_before_the_digest():
    got = plan(quiet_hours=(time(8), time(10)))
    assert got.at == at(2026, 11, 22, 10)
    wrapping = plan(quiet_hours=(time(22), time(12)))  # Sunday 09:00 is in 22:00–12:00
    assert wrapping.at == at(2026, 11, 22, 12)
    # 2 h before Monday 09:00 is 07:00, in 22:00–09:00: its end is the digest itself
    assert plan(teams=(team(reminder_hours=2),), quiet_hours=(time(22), time(9))) is None
    # ending 08:15 leaves 45 minutes: more than the last call's 30
    assert plan(teams=(team(reminder_hours=2),),
                quiet_hours=(time(22), time(8, 15))).at == at(2026, 11, 23, 8, 15)
    assert plan(teams=(team(reminder_hours=2),), quiet_hours=(time(22), time(8, 45))) is None


def test_a_holiday_moves_it_to_the_members_question_time_the_next_day_or_cancels_it():
    assert plan(holidays=frozenset({date(2026, 11, 22)})) is None  # Mon 15:00: too late
    saturday = plan(teams=(team(reminder_hours=48),), holidays=frozenset({date(2026, 11, 21)}))
    assert saturday.at == at(2026, 11, 22, 15)


def test_a_pause_moves_it_past_the_pause_the_same_way():
    paused = Member("T1", "U1", tz="UTC", nudge_time=time(15), paused_until=date(2026, 11, 22))
    assert plan(member=paused) is None
    to_saturday = Member("T1", "U1", tz="UTC", nudge_time=time(15),
                         paused_until=date(2026, 11, 21))
    assert plan(member=to_saturday, teams=(team(reminder_hours=48),)).at == at(2026, 11, 22, 15)


def test_the_reminder_is_in_real_hours_across_a_dst_change():
    # New York falls back on Sunday 1 Nov 2026: 24 h before Monday 09:00 EST is Sunday
    # 09:00 EST, 08:00 on Saturday's clock would be 25 h.
    ny = team(digest_day=0, digest_time=time(9), tz="America/New_York")
    member = Member("T1", "U1", tz="America/New_York", nudge_time=time(15))
    got = plan_reminder(member, "2026-W44", [team_deadline(ny, "2026-W44")],
                        at(2026, 10, 30, 19))
    assert got.digest_at == at(2026, 11, 2, 14) and got.at == at(2026, 11, 1, 14)


def test_quiet_hours_ending_in_a_spring_forward_gap_end_at_the_shifted_time():
    # New York springs forward on Sunday 8 Mar 2026 at 02:00: 02:30 is 03:30 EDT (07:30 UTC)
    ny_member = Member("T1", "U1", tz="America/New_York", nudge_time=time(15))
    late = team(digest_day=0, digest_time=time(9), tz="America/New_York", reminder_hours=31)
    deadline = team_deadline(late, "2026-W10")
    assert deadline.digest_at - deadline.lead == at(2026, 3, 8, 6)  # 01:00 EST
    got = plan_reminder(ny_member, "2026-W10", [deadline], at(2026, 3, 6, 20),
                        quiet_hours=(time(22), time(2, 30)))
    assert got.at == at(2026, 3, 8, 7, 30)


def test_quiet_hours_ending_in_a_repeated_hour_never_move_the_reminder_back():
    # New York falls back on Sunday 1 Nov 2026: 01:00–02:00 happens twice. A plan at the
    # second 01:15 (06:15 UTC) is in 22:00–01:30, whose first 01:30 (05:30 UTC) is past.
    ny_member = Member("T1", "U1", tz="America/New_York", nudge_time=time(15))
    deadline = TeamDeadline(at(2026, 11, 2, 14), timedelta(hours=31, minutes=45))
    got = plan_reminder(ny_member, "2026-W44", [deadline], at(2026, 10, 30, 19),
                        quiet_hours=(time(22), time(1, 30)))
    assert got.at > at(2026, 11, 1, 6, 15)
    local = got.at.astimezone(zone("America/New_York")).time()
    assert not _in_quiet_hours(local, (time(22), time(1, 30)))


# ── due at which ticks ───────────────────────────────────────────────────────


def ticks(start: datetime, end: datetime, step: timedelta = timedelta(minutes=5)):
    now = start
    while now < end:
        yield now
        now += step


@pytest.mark.parametrize("tz,quiet", [
    ("UTC", None), ("Europe/Berlin", (time(20), time(10))),
    ("America/New_York", (time(7), time(9))), ("Australia/Sydney", None),
    ("Asia/Kolkata", (time(23), time(6))),
])
def test_at_every_tick_of_a_week_it_is_due_only_from_its_moment_for_the_grace_never_resting(
        tz, quiet):
    member = Member("T1", "U1", tz=tz, nudge_time=time(15), quiet_hours=quiet)
    teams = [team_deadline(team(tz="Europe/Berlin"), W47)]
    asked = datetime(2026, 11, 20, 15, tzinfo=zone(tz))
    planned = plan_reminder(member, W47, teams, asked, quiet_hours=quiet)
    assert planned is not None  # canary: there is a reminder to find
    due_at = [now for now in ticks(at(2026, 11, 16), at(2026, 11, 24))
              if due_reminder(member, W47, teams, asked, now, quiet_hours=quiet)]
    assert due_at, "canary: due at some tick"
    assert due_at[0] == planned.at or due_at[0] - planned.at < timedelta(minutes=5)
    for now in due_at:
        assert planned.at <= now < min(planned.at + GRACE, planned.last_call)
        local = now.astimezone(zone(tz)).time()
        assert quiet is None or not _in_quiet_hours(local, quiet)


def test_after_downtime_it_goes_at_the_first_tick_within_the_grace_and_not_later():
    teams = [team_deadline(team(), W47)]
    planned = at(2026, 11, 22, 9)
    assert due_reminder(UTC_MEMBER, W47, teams, ASKED, planned - timedelta(minutes=1)) is None
    assert due_reminder(UTC_MEMBER, W47, teams, ASKED, planned + timedelta(hours=5)).at == planned
    assert due_reminder(UTC_MEMBER, W47, teams, ASKED, planned + GRACE) is None


def test_a_tick_in_quiet_hours_or_on_a_holiday_or_while_paused_sends_nothing():
    teams = [team_deadline(team(), W47)]
    now = at(2026, 11, 22, 10)  # an hour after the plan, the bot just came back
    assert due_reminder(UTC_MEMBER, W47, teams, ASKED, now) is not None  # canary
    quiet = Member("T1", "U1", tz="UTC", quiet_hours=(time(9, 30), time(10, 30)))
    # planned 09:00, outside; the tick at 10:00 is inside
    assert due_reminder(quiet, W47, teams, ASKED, now, quiet_hours=quiet.quiet_hours) is None
    inactive = Member("T1", "U1", tz="UTC", active=False)
    assert due_reminder(inactive, W47, teams, ASKED, now) is None
    with pytest.raises(ValueError):
        due_reminder(UTC_MEMBER, W47, teams, ASKED, now, grace=timedelta(0))


def test_it_is_never_due_in_the_last_half_hour_before_the_digest():
    teams = [team_deadline(team(reminder_hours=1), W47)]
    assert due_reminder(UTC_MEMBER, W47, teams, ASKED, at(2026, 11, 23, 8)) is not None
    assert due_reminder(UTC_MEMBER, W47, teams, ASKED, at(2026, 11, 23, 8, 29)) is not None
    assert due_reminder(UTC_MEMBER, W47, teams, ASKED, at(2026, 11, 23, 8, 30)) is None
    assert due_reminder(UTC_MEMBER, W47, teams, ASKED, at(2026, 11, 23, 9)) is None


# ── the member's own snooze ──────────────────────────────────────────────────


def test_a_snooze_still_to_come_back_holds_it_and_an_hour_after_it_came_back():
    now = at(2026, 11, 22, 9)
    assert not held_by_snooze([], now)
    assert held_by_snooze([Snooze(now + timedelta(minutes=30))], now)
    assert held_by_snooze([Snooze(now - timedelta(minutes=1))], now)  # due this very tick
    assert held_by_snooze([Snooze(now - timedelta(hours=1), now - timedelta(minutes=59))], now)
    assert not held_by_snooze([Snooze(now - timedelta(hours=2), now - SNOOZE_GAP)], now)
    assert not held_by_snooze([Snooze(now - timedelta(days=2))], now)  # stale: never came back
    teams = [team_deadline(team(), W47)]
    assert due_reminder(UTC_MEMBER, W47, teams, ASKED, now,
                        snoozes=[Snooze(now + timedelta(minutes=30))]) is None
    assert due_reminder(UTC_MEMBER, W47, teams, ASKED, now) is not None  # canary


def test_a_snooze_pressed_after_the_reminder_comes_back_more_than_an_hour_later():
    from bot.nudges import SNOOZE

    assert SNOOZE > SNOOZE_GAP


# ── who a lead sees ──────────────────────────────────────────────────────────


def standing(uid: str, *, answered=False, skipped=False, asked=True, anonymous=False,
             paused_until=None) -> MemberWeek:
    return MemberWeek(Member("T1", uid, anonymous=anonymous, paused_until=paused_until,
                             days=(0, 4)), answered, skipped, asked)


def test_the_week_names_who_has_not_answered_by_why_and_never_an_anonymous_member():
    week = team_week(team(), W47, at(2026, 11, 23, 9), [
        standing("UANS", answered=True), standing("UWAIT"), standing("UNEW", asked=False),
        standing("USKIP", skipped=True), standing("UPAUSE", paused_until=date(2026, 11, 20)),
        standing("UANONYES", answered=True, anonymous=True),
        standing("UANONNO", anonymous=True), standing("UANONSKIP", anonymous=True,
                                                      skipped=True),
    ])
    assert (week.members, week.answered, week.anonymous) == (8, 2, 3)
    assert week.waiting == ("UWAIT",) and week.not_asked == ("UNEW",)
    assert week.skipped == ("USKIP",) and week.paused == ("UPAUSE",)
    text = team_status(week)
    assert "*2 of 8 members* answered" in text
    assert "<@UWAIT>" in text and "<@USKIP>" in text and "<@UPAUSE>" in text
    for never in ("UANS", "UANONYES", "UANONNO", "UANONSKIP"):
        assert never not in text
    assert "never named" in text


def test_paused_for_a_week_means_on_every_question_day_of_it():
    member = Member("T1", "U1", days=(0, 4), paused_until=date(2026, 11, 19))  # Thursday
    assert not paused_for(member, W47)  # Friday's question still comes
    assert paused_for(Member("T1", "U1", days=(0, 4), paused_until=date(2026, 11, 20)), W47)
    assert not paused_for(Member("T1", "U1", days=(4,)), W47)


def test_the_home_section_shows_each_led_team_against_its_target_and_nothing_for_others():
    week = team_week(team(target=0.4), W47, at(2026, 11, 23, 9),
                     [standing("UA", answered=True), standing("UB")])
    blocks = lead_section([LeadView(week, WeekShare(W47, 3, 7), WeekShare("2026-W46", 1, 1))])
    text = json.dumps(blocks)
    assert "Teams you lead" in text and "30% (target 40%)" in text and "50% (target 40%)" in text
    assert "1 of 2 members" in text and "<@UB>" in text and "UA" not in text
    assert lead_section([]) == []


def test_the_reminder_dm_is_short_and_carries_the_questions_answer_button():
    prompt = Prompt("moved-forward", "What did you move <forward> & why?", "work")
    msg = reminder_message(prompt, W47, 41, 7, "T1", "U1", at(2026, 11, 23, 9),
                           "Europe/Berlin")
    text = json.dumps(msg.blocks)
    assert "&lt;forward&gt; &amp; why" in text and "<forward>" not in text
    assert "Monday at 10:00" in msg.text  # the digest on the member's clock
    [actions] = [b for b in msg.blocks if b["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("nudge_answer", "41"), ("nudge_skip", "41")]
    assert msg.metadata["event_payload"]["reminder_id"] == 7
    assert len(msg.blocks) <= 5 and len(msg.text) <= 300


def test_period_of_the_question_and_of_the_digest_agree_for_a_member_ahead_of_the_team():
    # Sydney's Friday 15:00 question is W47; the team's Monday digest in Berlin reviews W47
    asked = datetime(2026, 11, 20, 15, tzinfo=zone("Australia/Sydney"))
    assert period_of(asked, "Australia/Sydney") == W47
    berlin = team(tz="Europe/Berlin")
    member = Member("T1", "U1", tz="Australia/Sydney", nudge_time=time(15))
    got = plan_reminder(member, W47, [team_deadline(berlin, W47)], asked)
    assert got.at == digest_at(berlin, W47) - timedelta(hours=24)


def test_an_enrolled_lead_sees_their_teams_and_their_own_answers_within_the_home_limit():
    from bot.core.messages.home import home_view

    week = team_week(team(), W47, at(2026, 11, 23, 9), [standing(f"U{i:02d}") for i in range(40)])
    views = [LeadView(week, WeekShare(W47, 1, 1), WeekShare("2026-W46", 0, 0))] * 10
    replies = [Reply("T1", "U1", "w", "work", W47, "x", items=tuple(
        Item(f"line {i}", "work", "progress", 0.9, id=i) for i in range(30)), id=1)] * 5
    view = home_view(UTC_MEMBER, replies, [], period=W47, leads=views)
    text = json.dumps(view)
    assert "Teams you lead" in text and "Your recent answers" in text
    assert len(view["blocks"]) <= 100
    assert "and 10 more" in text  # 40 waiting, 30 named

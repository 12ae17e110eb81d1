"""When the gentle reminder goes: once a period, to a member who has not answered the work
question, in time to answer before their team's digest.

Pure, in the manner of `bot.core.schedule`: every function is handed the instants it
reasons about, nothing here reads the clock, and the answers are right for any instant
(the first tick after hours of downtime included). What was already sent, answered or
skipped is the ledger's business (`bot.reminders`), not this module's.

The rule, for a member and a period P (an ISO week in the member's zone):
- Each of the member's teams posts the digest that reviews P at `digest_at(team, P)`: the
  team's weekly occurrence whose `digest_period` is P (the most recent week whose Friday
  has begun), so a Monday digest reviews the week before and a Friday one its own week.
- The reminder is planned `lead` hours before a team's digest (the team's
  `reminder_hours`, by default 24; a team can turn it off), and for a person in several
  teams before the EARLIEST of them: the earliest `digest_at - lead` among the teams that
  remind. Never sooner than `AFTER_QUESTION` after the question itself reached them, so
  it is not a second knock on the door right after the first.
- A planned moment inside the member's quiet hours moves to their end; one on a workspace
  holiday or a day of the member's pause moves to the member's own question time on the
  next day (their usual hour, not midnight); and so on until it is at rest nowhere.
- It never goes in the last `LAST_CALL` before the earliest digest of any of the member's
  teams (reminders on or off): there would be no real chance left. A plan that moved that
  far is no plan: nothing is sent.
- It is due at the planned moment and for `GRACE` after (a tick after downtime still sends
  it, a much later one does not), if the member is not resting at that very tick.
- The member's own snooze and this reminder never both come within an hour: the reminder
  waits while a snoozed question is still to come back, and for `SNOOZE_GAP` after its
  snooze reminder went out; a snooze pressed after the reminder comes back after
  `bot.nudges.SNOOZE` (2 hours), longer than `SNOOZE_GAP` (a test holds that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.model import DEFAULT_REMINDER_HOURS, Member, Team
from bot.core.periods import period_monday
from bot.core.schedule import Weekly, _in_quiet_hours, _resting, digest_schedule, is_paused
from bot.core.zones import local_occurrence, require_aware, zone

DEFAULT_LEAD_HOURS = DEFAULT_REMINDER_HOURS
MIN_LEAD_HOURS = 1
MAX_LEAD_HOURS = 96  # four days: a Monday digest can remind on the Thursday before
AFTER_QUESTION = timedelta(hours=4)
LAST_CALL = timedelta(minutes=30)
GRACE = timedelta(hours=6)
SNOOZE_GAP = timedelta(hours=1)
# A snooze that never came back a day after its time (its workspace went away, say) holds
# nothing any more.
STALE_SNOOZE = timedelta(days=1)
ONE_DAY = timedelta(days=1)
_MAX_MOVES = 16  # out of rests: more than the longest plan can cross (MAX_LEAD_HOURS)


def digest_at(post: Weekly | Team, period: str) -> datetime:
    """When (UTC) the weekly post of `post` that reviews `period` goes out: on the post's
    day of that week when the day is Friday to Sunday, of the week after when it is Monday
    to Thursday (`bot.core.schedule.digest_period`), at its wall time in its zone."""
    weekly = post if isinstance(post, Weekly) else digest_schedule(post)
    day = period_monday(period) + timedelta(days=weekly.day + (7 if weekly.day < 4 else 0))
    return local_occurrence(day, weekly.at, weekly.tz)


@dataclass(frozen=True)
class TeamDeadline:
    """One of the member's teams, for one period: when its digest of that period goes out,
    and how long before it the team wants the reminder (None: the team turned it off)."""

    digest_at: datetime
    lead: timedelta | None


def team_deadline(team: Team, period: str) -> TeamDeadline:
    lead = None if team.reminder_hours is None else timedelta(hours=team.reminder_hours)
    return TeamDeadline(digest_at(team, period), lead)


@dataclass(frozen=True)
class ReminderPlan:
    """A reminder to send: at `at` (UTC), about `period`, before the earliest of the
    member's teams' digests of it, `digest_at`."""

    at: datetime
    period: str
    digest_at: datetime

    @property
    def last_call(self) -> datetime:
        """It goes strictly before this instant, or not at all."""
        return self.digest_at - LAST_CALL


@dataclass(frozen=True)
class Snooze:
    """One of the member's snoozed questions: it comes back at `until`; `reminded_at` is
    when it did (None: not yet)."""

    until: datetime
    reminded_at: datetime | None = None


def _quiet_end(at: datetime, quiet: tuple[time, time], tz: str) -> datetime:
    """The end of the quiet hours `at` is in (the next local `end`)."""
    local = at.astimezone(zone(tz))
    begin, end = (t.replace(tzinfo=None) for t in quiet)
    day = local.date()
    if begin > end and local.time() >= begin:  # 23:00 in 22:00–07:00: tomorrow's 07:00
        day += ONE_DAY
    moved = local_occurrence(day, end, tz)
    # In a repeated hour (a fall-back night) the first `end` can lie before `at`, which is
    # on the second pass: the hour repeats once, so an hour on is past it.
    return moved if moved > at else at + timedelta(hours=1)


def _at_rest_day(member: Member, day: date, holidays: frozenset[date]) -> bool:
    return day in holidays or is_paused(member, day)


def plan_reminder(
    member: Member,
    period: str,
    deadlines: Sequence[TeamDeadline],
    asked_at: datetime,
    holidays: frozenset[date] = frozenset(),
    quiet_hours: tuple[time, time] | None = None,
) -> ReminderPlan | None:
    """The member's reminder about `period`, or None when there is none to send: no team
    with a digest, every team's reminder off, or no moment left between the question
    (`asked_at`, when the work question reached them) and the last call before the
    earliest digest once rests are stepped over (see the module docstring)."""
    require_aware(asked_at, "asked_at")
    if not deadlines:
        return None
    wanted = [d.digest_at - d.lead for d in deadlines if d.lead is not None]
    if not wanted:
        return None
    plan = ReminderPlan(max(min(wanted), asked_at + AFTER_QUESTION), period,
                        min(d.digest_at for d in deadlines))
    at = plan.at
    for _ in range(_MAX_MOVES):
        if at >= plan.last_call:
            return None
        local = at.astimezone(zone(member.tz))
        if _at_rest_day(member, local.date(), holidays):
            at = local_occurrence(local.date() + ONE_DAY, member.nudge_time, member.tz)
        elif quiet_hours is not None and _in_quiet_hours(local.time(), quiet_hours):
            at = _quiet_end(at, quiet_hours, member.tz)
        else:
            return ReminderPlan(at, period, plan.digest_at)
    return None


def held_by_snooze(snoozes: Sequence[Snooze], now: datetime) -> bool:
    """Does a snooze hold the reminder back at `now`? While a snoozed question is still to
    come back (not a stale one), and for `SNOOZE_GAP` after one came back."""
    for s in snoozes:
        if s.reminded_at is None and s.until > now - STALE_SNOOZE:
            return True
        if s.reminded_at is not None and now - SNOOZE_GAP < s.reminded_at <= now:
            return True
    return False


def due_reminder(
    member: Member,
    period: str,
    deadlines: Sequence[TeamDeadline],
    asked_at: datetime,
    now: datetime,
    holidays: frozenset[date] = frozenset(),
    quiet_hours: tuple[time, time] | None = None,
    snoozes: Sequence[Snooze] = (),
    grace: timedelta = GRACE,
) -> ReminderPlan | None:
    """The member's reminder about `period` if it is due at `now`, else None.

    Due when `now` lies in [plan.at, plan.at + grace), strictly before the plan's last
    call, the member is active and not resting at `now` (paused, holiday, quiet hours:
    after downtime the tick itself may fall in one), and no snooze holds it back. Called
    every tick, it returns the same plan for as long as that holds: the ledger makes it
    one send.
    """
    require_aware(now, "now")
    if grace <= timedelta(0):
        raise ValueError(f"grace must be positive, got {grace}")
    if not member.active:
        return None
    plan = plan_reminder(member, period, deadlines, asked_at, holidays, quiet_hours)
    if plan is None or not plan.at <= now < min(plan.at + grace, plan.last_call):
        return None
    if _resting(member, now, holidays, quiet_hours) or held_by_snooze(snoozes, now):
        return None
    return plan

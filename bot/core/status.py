"""Who has not answered a team's week yet, as its leads see it (`/headway team status`,
App Home). Pure: the store hands in each member's standing, this sorts them.

The week is the one the team's next digest will review (`bot.core.schedule.next_digest`).
Members who answered are only counted: nobody is ever named as having answered. The others
are named apart, by why: asked and not answered yet, not asked yet (their question comes
later in the week), skipped the week, paused for it.

Members who chose anonymous answers are never named here, answered or not. Naming one as
"not answered" would tell a lead, by elimination, which anonymous members did answer, and
in a small team the digest's unnamed lines would then point at a person: anonymity is a
promise about their answers, and whether they answered is part of it. They count in the
totals (as in the digest's "n of m"), and the reminder still reaches them in private.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.model import Member, Team, WeekShare
from bot.core.periods import period_monday, quarter_periods
from bot.core.schedule import is_paused


@dataclass(frozen=True)
class MemberWeek:
    """One member of a team, and how they stand with the work question of one period."""

    member: Member
    answered: bool  # a `work` answer of that period is stored
    skipped: bool  # they said "skip this week"
    asked: bool  # the work question of that period reached them


@dataclass(frozen=True)
class TeamWeek:
    """A team's week as its leads see it: counts, and the named members who have not
    answered, apart by why. Lists hold user ids, in the order given."""

    team: Team
    period: str
    digest_at: datetime  # when the digest reviewing `period` goes out
    members: int
    answered: int  # anonymous members included
    waiting: tuple[str, ...] = ()  # asked, not answered yet
    not_asked: tuple[str, ...] = ()  # their question of the week has not come yet
    skipped: tuple[str, ...] = ()
    paused: tuple[str, ...] = ()
    anonymous: int = 0  # members who answer anonymously: in the counts, never named

    @property
    def named(self) -> int:
        return len(self.waiting) + len(self.not_asked) + len(self.skipped) + len(self.paused)


def paused_for(member: Member, period: str) -> bool:
    """Is the member paused for the whole of `period`: on every one of their question days
    that week (so the work question never comes)?"""
    monday = period_monday(period)
    return bool(member.days) and all(is_paused(member, monday + timedelta(days=d))
                                     for d in member.days)


def team_week(team: Team, period: str, digest_at: datetime,
              standing: Sequence[MemberWeek]) -> TeamWeek:
    """Sort the team's members of `period` (see the module docstring)."""
    waiting: list[str] = []
    not_asked: list[str] = []
    skipped: list[str] = []
    paused: list[str] = []
    for s in standing:
        uid = s.member.user_id
        if s.answered or s.member.anonymous:
            continue
        if s.skipped:
            skipped.append(uid)
        elif paused_for(s.member, period):
            paused.append(uid)
        elif s.asked:
            waiting.append(uid)
        else:
            not_asked.append(uid)
    return TeamWeek(team, period, digest_at, members=len(standing),
                    answered=sum(1 for s in standing if s.answered),
                    waiting=tuple(waiting), not_asked=tuple(not_asked),
                    skipped=tuple(skipped), paused=tuple(paused),
                    anonymous=sum(1 for s in standing if s.member.anonymous))


@dataclass(frozen=True)
class LeadView:
    """One team a person leads, for their App Home: its week (`TeamWeek`), its progress
    share this quarter so far and last week, against its target."""

    week: TeamWeek
    quarter: WeekShare  # progress and KTLO items of the quarter's weeks so far, summed
    last_week: WeekShare


def quarter_so_far(period: str) -> list[str]:
    """The weeks of `period`'s quarter up to and including it, oldest first."""
    return [w for w in quarter_periods(period) if w <= period]


def summed(period: str, shares: Sequence[WeekShare]) -> WeekShare:
    """Several weeks' counts as one (labelled `period`)."""
    return WeekShare(period, sum(s.progress for s in shares), sum(s.ktlo for s in shares))

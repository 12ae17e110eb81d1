"""The leaders' rollup as data: a pure function of each team's week, already aggregated.

One line per team — participation, progress share, its trend against the team's previous
4 weeks, the quarter-to-date share against the team's target, the team's top recurring
firefight — and the whole workspace's share. Leaders compare teams here; nobody's items are
listed, and nobody's answers can be worked out from it:

- **Fewer than `MIN_ANSWERS` (3) people of a team answered** this week: the team's line
  shows participation only (no share, no trend, no quarter, no firefight). With one or two
  answers, "progress 0%" or a firefight's words would be someone's own week.
- **A week counts in a figure only if the team had `MIN_ANSWERS` answers that week.** The
  trend and the quarter-to-date share leave out the small weeks too: otherwise this week's
  quarter minus last week's would give a hidden week's share.
- **The workspace's share** counts the work items of the people in the teams whose figures
  are shown, each person once however many teams they are in (a person's items appear in
  each of their teams' lines, and would otherwise count twice). People only in hidden
  teams are left out of it, so the whole minus the shown teams reveals nothing.
  Participation counts everyone in a team, each once.
- Shares are shown in whole percentages and the trend is stated in those (as the digest
  does): "▲ 5 pts" is what a reader gets from the numbers beside it.
- The top recurring firefight is the digest's own rule (`bot.core.digest.
  recurring_firefights`, the `same_firefight` test): of this week's KTLO items, the one
  reported in the most of the last 4 weeks, the first on a tie. Its text is shown, without
  a name.
- The time-weighted KTLO share (`bot.core.effort.effort_share`) is shown beside a team's
  share when enough of those who replied answered the effort question.

Cost grows with the number of teams and this week's people; history arrives aggregated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.digest import Recurring, percent, period_dates, recurring_firefights
from bot.core.effort import EffortAnswer, effort_share
from bot.core.periods import quarter_of, quarter_periods, recent_periods

MIN_ANSWERS = 3  # people a team's week needs before any figure of it is shown
TREND_WEEKS = 4
FIREFIGHT_WEEKS = 3  # earlier weeks the recurring rule looks at (3 of the last 4 weeks)


# ── input ────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Membership:
    """Someone in a team in the rollup's week (`active`: Headway still asks them)."""

    team_id: int
    user_id: str
    active: bool = True


@dataclass(frozen=True)
class PersonWeek:
    """Someone who answered anything in the rollup's week, and the labels of their `work`
    items (counts only: the rollup never sees whose text is whose)."""

    user_id: str
    progress: int = 0
    ktlo: int = 0


@dataclass(frozen=True)
class TeamWeek:
    """One earlier week of a team, aggregated: how many of its people answered, and their
    progress and KTLO items."""

    period: str
    answered: int
    progress: int
    ktlo: int


@dataclass(frozen=True)
class TeamFacts:
    """A team and its history, as the store aggregates it."""

    id: int
    name: str
    target: float | None = None
    # Earlier weeks (the previous 4 and the quarter so far), any order; a week nobody of
    # the team answered may be absent.
    past: tuple[TeamWeek, ...] = ()
    # KTLO item texts by period: this week's and the FIREFIGHT_WEEKS before it.
    ktlo: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class RollupInput:
    workspace_name: str
    period: str
    teams: tuple[TeamFacts, ...]
    members: tuple[Membership, ...]  # who was in which team this week
    answered: tuple[PersonWeek, ...]  # everyone who answered this week
    effort: tuple[EffortAnswer, ...] = ()  # the effort question's answers of this week


# ── output ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class TeamLine:
    name: str
    answered: int
    members: int
    # False: fewer than MIN_ANSWERS answered; every field below is None (participation only).
    shown: bool
    share: float | None = None
    average_pct: int | None = None  # the previous weeks' average, in whole percent
    delta_pts: int | None = None  # percent(share) - average_pct
    quarter_share: float | None = None
    target: float | None = None
    firefight: Recurring | None = None
    effort: float | None = None  # the time-weighted KTLO share, when enough answered
    # The weeks the chart draws (the quarter so far, and at least the previous 4), oldest
    # first, ending with this week; None where the week is not shown.
    weeks: tuple[tuple[str, float | None], ...] = ()

    @property
    def target_pts(self) -> int | None:
        """Quarter-to-date against the target, in whole points (negative: under)."""
        if self.quarter_share is None or self.target is None:
            return None
        return percent(self.quarter_share) - percent(self.target)


@dataclass(frozen=True)
class Rollup:
    workspace_name: str
    period: str
    dates: str
    quarter: str  # "2026-Q4"
    teams: tuple[TeamLine, ...]
    answered: int  # people in any team who answered, each once
    members: int  # people in any team, each once
    share: float | None  # the shown teams' people's items, each person once
    counted: int = 0  # the people behind `share`
    hidden: int = 0  # teams with participation only

    @property
    def empty(self) -> bool:
        return not self.teams


# ── the rules ────────────────────────────────────────────────────────────────


def _share(progress: int, ktlo: int) -> float | None:
    total = progress + ktlo
    return progress / total if total else None


def _counted(week: TeamWeek | None) -> float | None:
    """A week's share when the week may be shown (MIN_ANSWERS answered), else None."""
    if week is None or week.answered < MIN_ANSWERS:
        return None
    return _share(week.progress, week.ktlo)


def _top_firefight(team: TeamFacts, period: str) -> Recurring | None:
    texts = dict(team.ktlo)
    earlier = [(p, texts.get(p, ())) for p in reversed(recent_periods(period, FIREFIGHT_WEEKS))]
    found = recurring_firefights(texts.get(period, ()), earlier)
    # max() keeps the first of equals: the first reported this week wins a tie.
    return max(found, key=lambda r: r.weeks) if found else None


def _team_line(team: TeamFacts, period: str, people: set[str], active: set[str],
               answered: dict[str, PersonWeek], effort: Sequence[EffortAnswer]) -> TeamLine:
    replied = people & answered.keys()
    members = len(active | replied)
    if len(replied) < MIN_ANSWERS:
        return TeamLine(team.name, len(replied), members, shown=False)
    progress = sum(answered[u].progress for u in replied)
    ktlo = sum(answered[u].ktlo for u in replied)
    share = _share(progress, ktlo)
    past = {w.period: w for w in team.past if w.period < period}

    previous = [_counted(past.get(p)) for p in recent_periods(period, TREND_WEEKS)]
    known = [percent(s) for s in previous if s is not None]
    average = round(sum(known) / len(known)) if known else None
    delta = percent(share) - average if share is not None and average is not None else None

    quarter = [p for p in quarter_periods(period) if p < period]
    counted = [w for p in quarter if (w := past.get(p)) and w.answered >= MIN_ANSWERS]
    quarter_share = _share(progress + sum(w.progress for w in counted),
                           ktlo + sum(w.ktlo for w in counted))

    weeks = (*((p, _counted(past.get(p))) for p in past_periods(period)), (period, share))
    return TeamLine(
        team.name, len(replied), members, shown=True, share=share, average_pct=average,
        delta_pts=delta, quarter_share=quarter_share, target=team.target,
        firefight=_top_firefight(team, period),
        effort=effort_share([a for a in effort if a.user_id in people and a.period == period],
                            replied=len(replied)),
        weeks=weeks,
    )


def build_rollup(inp: RollupInput) -> Rollup:
    """The rollup of `inp.period` (see the module's rules)."""
    answered = {p.user_id: p for p in inp.answered}
    people: dict[int, set[str]] = {t.id: set() for t in inp.teams}
    active: dict[int, set[str]] = {t.id: set() for t in inp.teams}
    for m in inp.members:
        if m.team_id in people:
            people[m.team_id].add(m.user_id)
            if m.active:
                active[m.team_id].add(m.user_id)
    lines = tuple(_team_line(t, inp.period, people[t.id], active[t.id], answered, inp.effort)
                  for t in inp.teams)

    everyone = set().union(*people.values()) if people else set()
    replied = everyone & answered.keys()
    in_shown = set().union(*(people[t.id] for t, line in zip(inp.teams, lines, strict=True)
                             if line.shown)) & answered.keys()
    share = _share(sum(answered[u].progress for u in in_shown),
                   sum(answered[u].ktlo for u in in_shown))
    return Rollup(
        workspace_name=inp.workspace_name,
        period=inp.period,
        dates=period_dates(inp.period),
        quarter=quarter_of(inp.period),
        teams=lines,
        answered=len(replied),
        members=len(set().union(*active.values()) | replied) if active else len(replied),
        share=share,
        counted=len(in_shown),
        hidden=sum(1 for line in lines if not line.shown),
    )


def past_periods(period: str) -> list[str]:
    """The earlier weeks the rollup of `period` reads aggregated: the previous
    TREND_WEEKS and the quarter so far, oldest first."""
    quarter = [p for p in quarter_periods(period) if p < period]
    return sorted(set(quarter) | set(recent_periods(period, TREND_WEEKS)))


def firefight_periods(period: str) -> list[str]:
    """The weeks whose KTLO texts the rollup of `period` reads: this one and the
    FIREFIGHT_WEEKS before it, oldest first."""
    return [*recent_periods(period, FIREFIGHT_WEEKS), period]

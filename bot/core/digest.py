"""The weekly digest as data: a pure function of one week's replies and pre-aggregated history.

Rules:
- Participation counts everyone who answered anything, reflections included; reflection
  *text* never enters the digest.
- Anonymous replies keep their text and lose their name.
- The progress share is progress / (progress + KTLO) over labelled `work` items; items
  labelled `none` (no work in them: "out sick", "n/a") are counted apart, in no share, and
  their text never reaches the channel. Its trend
  is stated in the whole percentages the digest shows: this week's share against the
  average of the previous weeks that had data, so "▼ 5 pts" is what a reader gets from the
  numbers beside it.
- KTLO items are grouped by theme (`bot.core.themes`); "recurring firefights" are KTLO
  items with a similar item (token-set overlap >= 0.5) in at least 2 of the 3 weeks before,
  i.e. reported in at least 3 of the last 4 weeks.
- Problems and opportunities about the same thing are grouped (`alike`), with how many
  people named them; answers that say the same words count once as a wording, however many
  people gave them.
- Recognition that several people gave in the same words appears once, with who gave it.
- The time-weighted KTLO share (`bot.core.effort`) is the mean of the members' own answers
  to the effort question, shown only when enough of those who replied gave one.
- Against the team's target (only when it has one; without, nothing is said of targets):
  the quarter-to-date share is progress / (progress + KTLO) over every labelled `work`
  item of the period's quarter (`bot.core.periods.quarter_of`) up to and including this
  week — items, not an average of weekly shares, so a busy week weighs more. The team is
  *under target three weeks running* when this week and the two most recent earlier weeks
  with labelled work, among the 4 before it, each show a share below the target, compared
  in the whole percentages the digest shows (39.6% shows as 40%: on a 40% target). A week
  with no labelled work (a holiday, nobody answered) neither breaks nor extends the run;
  this week must have some, or there is no call-out.
Cost grows with this week's items: history arrives already aggregated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING

from bot.core.effort import EffortShare, effort_summary
from bot.core.labelling import is_unsure
from bot.core.model import DigestInput, Reply, WeekShare
from bot.core.periods import quarter_of, quarter_periods
from bot.core.text import STOP_WORDS, readable, truncate
from bot.core.theme_model import theme_of
from bot.core.themes import OTHER_THEME

if TYPE_CHECKING:
    from bot.core.problems import Tracking

__all__ = ["OTHER_THEME", "Digest", "Group", "Line", "Recurring", "Said", "Theme", "alike",
           "build_digest", "percent", "period_dates", "quarter_to_date", "theme_of",
           "under_target_run"]

SIMILAR = 0.5
UNDER_TARGET_WEEKS = 3  # weeks below target in a row that earn the digest's call-out
_WORD = re.compile(r"[a-z0-9]+")
_STOP = STOP_WORDS
# Words that two unrelated answers share without being about the same thing: a shared pair
# of these ("every week") is no evidence that two answers name the same problem.
_GENERIC = frozenset({"every", "week", "weeks", "day", "days", "month", "time", "times",
                      "people", "someon", "nobody", "everyo", "always", "never", "still",
                      "keep", "keeps", "too", "many", "much", "lot", "lots", "need", "needs",
                      "get", "gets", "make", "makes", "take", "takes", "don", "doesn", "can",
                      "will", "they", "them", "us", "today", "now", "small", "big"})


@dataclass(frozen=True)
class Line:
    text: str
    author: str | None  # None when anonymous


@dataclass(frozen=True)
class Theme:
    name: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Group:
    """Answers about the same thing. `people` counts people, not answers."""

    text: str  # the wording most people used (the first such, on a tie)
    people: int
    others: tuple[str, ...]  # the other wordings grouped with it, each once


@dataclass(frozen=True)
class Said:
    """One answer, given in the same words by one or more people."""

    text: str
    names: tuple[str, ...]  # the people who gave it under their name
    anonymous: int  # how many more gave it anonymously

    @property
    def people(self) -> int:
        return len(self.names) + self.anonymous


@dataclass(frozen=True)
class Recurring:
    text: str
    weeks: int  # of the last 4, this one included


@dataclass(frozen=True)
class Digest:
    team_name: str
    period: str
    dates: str
    participants: int
    members: int
    progress: int
    ktlo: int
    unlabelled: int
    share: float | None
    trend: tuple[tuple[str, float | None], ...]  # previous weeks, oldest first
    delta_pts: int | None  # percent(share) - average_pct
    progress_lines: tuple[Line, ...]
    ktlo_themes: tuple[Theme, ...]
    recurring: tuple[Recurring, ...]
    problems: tuple[Group, ...]
    opportunities: tuple[Group, ...]
    recognition: tuple[Said, ...]
    labels_auto: int
    labels_user: int
    # The previous weeks' average share, in the whole percent shown: the mean of each
    # week's shown percentage, rounded. None when no previous week had data.
    average_pct: int | None = None
    not_counted: int = 0  # `work` items with no work in them (label `none`)
    unsure: int = 0  # items Headway asked its author about, still unanswered
    # The time-weighted KTLO share from the effort question, when enough answered.
    effort: EffortShare | None = None
    # The team's progress target (0..1); None: the digest says nothing about targets.
    target: float | None = None
    quarter: str = ""  # the period's quarter, e.g. "2026-Q4"
    # The quarter's weeks up to this one included, oldest first, and those still to come.
    quarter_weeks: tuple[tuple[str, float | None], ...] = ()
    quarter_later: tuple[str, ...] = ()
    quarter_share: float | None = None  # progress share of the quarter to date
    # The weeks (with their share) of the run below target that ends with this week,
    # oldest first (see the module's rules); empty without a target.
    under_target: tuple[tuple[str, float], ...] = ()
    # The team's tracked problems (`bot.core.problems.tracking`), added once built; None
    # where a digest is shown without them.
    tracking: Tracking | None = None

    @property
    def empty(self) -> bool:
        return self.participants == 0

    @property
    def behind_target(self) -> bool:
        """Under the target three weeks running: the digest calls it out."""
        return len(self.under_target) >= UNDER_TARGET_WEEKS


def percent(share: float) -> int:
    """A share as the whole percentage the digest shows (and computes its trend from)."""
    return round(share * 100)


def significant(text: str) -> frozenset[str]:
    # Words as people read them: "PR 812", not the link's address.
    return frozenset(w[:6] for w in _WORD.findall(readable(text).lower())
                     if w not in _STOP and len(w) > 1)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def same_firefight(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two KTLO items (as `significant` words) report the same firefight: the rule
    behind "recurring firefights" and behind counting a week against a tracked problem."""
    return similarity(a, b) >= SIMILAR


def _pairs(text: str) -> frozenset[tuple[str, str]]:
    """Adjacent pairs of significant, non-generic words ("usage based", "based pricin")."""
    words = [w[:6] for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]
    return frozenset((a, b) for a, b in pairwise(words)
                     if a not in _GENERIC and b not in _GENERIC)


def alike(a: str, b: str) -> bool:
    """Whether two agenda answers name the same thing, for grouping them.

    Yes when their significant words overlap (Jaccard >= 0.34), when one's words are all in
    the other, when at least two words are shared and they make up half of the shorter
    answer, or when both use the same two-word phrase ("billing export", "usage-based
    pricing") made of words more specific than "every week".
    """
    wa, wb = significant(a), significant(b)
    if not wa or not wb:
        return False
    shared = len(wa & wb)
    if shared / len(wa | wb) >= 0.34 or wa <= wb or wb <= wa:
        return True
    if shared >= 2 and shared / min(len(wa), len(wb)) >= 0.5:
        return True
    return bool(_pairs(a) & _pairs(b))


def _same_words(text: str) -> str:
    """The key under which answers count as the same words: case, spacing and punctuation
    do not matter."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def period_dates(period: str) -> str:
    """The Monday–Sunday of an ISO week, naming each end's year when they differ."""
    year, week = int(period[:4]), int(period[6:])
    monday = date.fromisocalendar(year, week, 1)
    sunday = monday + timedelta(days=6)
    if monday.year != sunday.year:
        return f"{monday.day} {monday:%b %Y} – {sunday.day} {sunday:%b %Y}"
    if monday.month == sunday.month:
        return f"{monday.day}–{sunday.day} {sunday:%b %Y}"
    return f"{monday.day} {monday:%b} – {sunday.day} {sunday:%b %Y}"


def _author(reply: Reply) -> str | None:
    return None if reply.anonymous else (reply.author_name or "a teammate")


@dataclass(frozen=True)
class _Answer:
    """An agenda or recognition answer while the digest is built: who gave it stays here
    (to count people without naming the anonymous) and never reaches the `Digest`."""

    line: Line
    user_id: str


def _group(answers: Sequence[_Answer]) -> tuple[Group, ...]:
    groups: list[list[_Answer]] = []
    for answer in answers:
        for members in groups:
            if alike(answer.line.text, members[0].line.text):
                members.append(answer)
                break
        else:
            groups.append([answer])
    out = []
    for members in groups:
        wordings: dict[str, list[_Answer]] = {}
        for m in members:
            wordings.setdefault(_same_words(m.line.text), []).append(m)
        ranked = sorted(wordings.values(), key=lambda ws: -len({w.user_id for w in ws}))
        out.append(Group(ranked[0][0].line.text, len({m.user_id for m in members}),
                         tuple(ws[0].line.text for ws in ranked[1:])))
    return tuple(sorted(out, key=lambda g: -g.people))


def _merge_same(answers: Sequence[_Answer]) -> tuple[Said, ...]:
    """Answers in the same words, once each, in the order first given."""
    merged: dict[str, list[_Answer]] = {}
    for answer in answers:
        merged.setdefault(_same_words(answer.line.text), []).append(answer)
    out = []
    for same in merged.values():
        named = {a.user_id: a.line.author for a in same if a.line.author is not None}
        anonymous = {a.user_id for a in same if a.line.author is None} - named.keys()
        out.append(Said(same[0].line.text, tuple(n for n in named.values() if n is not None),
                        len(anonymous)))
    return tuple(out)


_FOLLOW_UP = {
    "problem": "Last week the team named “{text}” as a problem to fix{who} — did we move on it?",
    "opportunity": "Last week the team named “{text}” as an opportunity{who} — did we act on it?",
}


def agenda_subject(kind: str, last_week: Sequence[Reply]) -> Group | None:
    """What the follow-up of a `problem`/`opportunity` nudge is about: last week's answer
    of that kind that most people named (similar answers grouped as in the digest)."""
    answers = [_Answer(Line(readable(r.text).strip(), _author(r)), r.user_id) for r in last_week
               if r.kind == kind and r.text.strip()]
    return _group(answers)[0] if kind in _FOLLOW_UP and answers else None


def agenda_follow_up(kind: str, last_week: Sequence[Reply]) -> str | None:
    """The line a `problem`/`opportunity` nudge opens with, closing the loop on the agenda:
    the answer most people named last week (`agenda_subject`).
    Plain text; the caller escapes it. None for other kinds or an empty agenda."""
    top = agenda_subject(kind, last_week)
    if top is None:
        return None
    template = _FOLLOW_UP[kind]
    first_line = top.text.splitlines()[0]
    who = f" ({top.people} people)" if top.people > 1 else ""
    return template.format(text=truncate(first_line, 120), who=who)


def _recurring(
    current: list[str], past: tuple[tuple[str, tuple[str, ...]], ...]
) -> tuple[Recurring, ...]:
    recent = [[significant(t) for t in texts] for _, texts in past[:3]]
    found: list[tuple[frozenset[str], Recurring]] = []
    for text in current:
        words = significant(text)
        if not words or any(same_firefight(words, w) for w, _ in found):
            continue
        weeks = 1 + sum(1 for week in recent if any(same_firefight(words, w) for w in week))
        if weeks >= 3:
            found.append((words, Recurring(text, weeks)))
    return tuple(r for _, r in found)


def recurring_firefights(current: Sequence[str], past: Sequence[tuple[str, Sequence[str]]]
                         ) -> tuple[Recurring, ...]:
    """The recurring firefights among `current` KTLO texts, as the digest finds them:
    `past` is the earlier weeks' KTLO texts, newest first. The leaders' rollup names a
    team's top one by this same rule."""
    return _recurring(list(current), tuple((p, tuple(texts)) for p, texts in past))


def _against_average(share: float | None, trend: Sequence[tuple[str, float | None]]
                     ) -> tuple[int | None, int | None]:
    """The previous weeks' average share and this week's difference from it, both in the
    whole percentages the digest shows; None where a side has no data."""
    known = [percent(s) for _, s in trend if s is not None]
    average = round(sum(known) / len(known)) if known else None
    delta = None
    if share is not None and average is not None:
        delta = percent(share) - average
    return average, delta


def quarter_to_date(weeks: Sequence[WeekShare]) -> float | None:
    """The progress share of these weeks together: their items, not the mean of their
    weekly shares. None when none has labelled work."""
    progress = sum(w.progress for w in weeks)
    total = progress + sum(w.ktlo for w in weeks)
    return progress / total if total else None


def under_target_run(target: float, weeks: Sequence[tuple[str, float | None]]
                     ) -> tuple[tuple[str, float], ...]:
    """The run of weeks below `target` that ends with the last of `weeks` (oldest first,
    the digest's week last), oldest first: weeks without data are passed over, the first
    week with data at or above the target ends it, and it is empty when the last week has
    no data or is not below. Compared in the whole percentages the digest shows."""
    *earlier, (last_period, last_share) = weeks
    if last_share is None or percent(last_share) >= percent(target):
        return ()
    run = [(last_period, last_share)]
    for period, share in reversed(earlier):
        if share is None:
            continue
        if percent(share) >= percent(target):
            break
        run.append((period, share))
    return tuple(reversed(run))


@dataclass(frozen=True)
class _Quarter:
    weeks: tuple[tuple[str, float | None], ...]
    later: tuple[str, ...]
    share: float | None
    under_target: tuple[tuple[str, float], ...]


def _quarter(inp: DigestInput, progress: int, ktlo: int, share: float | None) -> _Quarter:
    """The quarter's weeks so far (this week from its own items, which are what the digest
    counts), those to come, the quarter-to-date share and, with a target, the run of
    weeks below it."""
    periods = quarter_periods(inp.period)
    at = periods.index(inp.period)
    known = {w.period: w for w in inp.quarter}
    weeks = [known.get(p, WeekShare(p, 0, 0)) for p in periods[:at]]
    weeks.append(WeekShare(inp.period, progress, ktlo))
    run: tuple[tuple[str, float], ...] = ()
    if inp.target is not None:
        run = under_target_run(inp.target, [*((w.period, w.share) for w in inp.history),
                                            (inp.period, share)])
    return _Quarter(tuple((w.period, w.share) for w in weeks), tuple(periods[at + 1:]),
                    quarter_to_date(weeks), run)


def build_digest(inp: DigestInput) -> Digest:
    progress_lines: list[Line] = []
    ktlo_lines: list[Line] = []
    # the kinds whose answers are grouped by what they say rather than labelled
    answers: dict[str, list[_Answer]] = {"problem": [], "opportunity": [], "recognition": []}
    unlabelled = auto = user = not_counted = unsure = 0
    for reply in inp.replies:
        author = _author(reply)
        if reply.kind == "reflection":
            continue  # private to its author, always
        for item in reply.items:
            line = Line(item.text, author)
            if reply.kind == "work":
                if item.label == "progress":
                    progress_lines.append(line)
                elif item.label == "ktlo":
                    ktlo_lines.append(line)
                elif item.label == "none":
                    not_counted += 1
                else:
                    unlabelled += 1
                unsure += is_unsure(item)
                if item.label is not None:
                    if item.label_source == "user":
                        user += 1
                    else:
                        auto += 1
            elif reply.kind in answers:
                answers[reply.kind].append(_Answer(line, reply.user_id))

    themes: dict[str, list[Line]] = {}
    for line in ktlo_lines:
        themes.setdefault(theme_of(line.text), []).append(line)
    ordered_themes = tuple(
        Theme(name, tuple(lines))
        for name, lines in sorted(
            themes.items(), key=lambda kv: (-len(kv[1]), kv[0] == OTHER_THEME, kv[0])
        )
    )

    total = len(progress_lines) + len(ktlo_lines)
    share = len(progress_lines) / total if total else None
    trend = tuple((w.period, w.share) for w in inp.history)
    average, delta = _against_average(share, trend)
    quarter = _quarter(inp, len(progress_lines), len(ktlo_lines), share)

    return Digest(
        team_name=inp.team_name,
        period=inp.period,
        dates=period_dates(inp.period),
        participants=len({r.user_id for r in inp.replies}),
        members=max(inp.members_total, len({r.user_id for r in inp.replies})),
        progress=len(progress_lines),
        ktlo=len(ktlo_lines),
        unlabelled=unlabelled,
        share=share,
        trend=trend,
        delta_pts=delta,
        progress_lines=tuple(progress_lines),
        ktlo_themes=ordered_themes,
        recurring=_recurring([line.text for line in ktlo_lines], inp.past_ktlo),
        problems=_group(answers["problem"]),
        opportunities=_group(answers["opportunity"]),
        recognition=_merge_same(answers["recognition"]),
        labels_auto=auto,
        labels_user=user,
        average_pct=average,
        not_counted=not_counted,
        unsure=unsure,
        effort=effort_summary(inp.effort, replied=len({r.user_id for r in inp.replies})),
        target=inp.target,
        quarter=quarter_of(inp.period),
        quarter_weeks=quarter.weeks,
        quarter_later=quarter.later,
        quarter_share=quarter.share,
        under_target=quarter.under_target,
    )

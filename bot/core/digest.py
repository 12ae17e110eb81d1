"""The weekly digest as data: a pure function of one week's replies and pre-aggregated history.

Rules:
- Participation counts everyone who answered anything, reflections included; reflection
  *text* never enters the digest.
- Anonymous replies keep their text and lose their name.
- The progress share is progress / (progress + KTLO) over labelled `work` items; its trend
  compares with the average of the previous weeks that had data.
- KTLO items are grouped by theme (a small keyword map); "recurring firefights" are KTLO
  items with a similar item (token-set overlap >= 0.5) in at least 2 of the 3 weeks before,
  i.e. reported in at least 3 of the last 4 weeks.
- Problems and opportunities with overlapping words are grouped, with how many people
  named them.
Cost grows with this week's items: history arrives already aggregated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.model import DigestInput, Reply
from bot.core.text import STOP_WORDS, readable, truncate

THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Incidents & firefighting",
        (
            "incident",
            "outage",
            "firefight",
            "on-call",
            "on call",
            "p1",
            "p2",
            "hotfix",
            "hot fix",
            "restart",
            "rollback",
            "revert",
            "crash",
            "hung",
            "down",
            "postmortem",
            "pager",
            "sev",
        ),
    ),
    (
        "Support & requests",
        (
            "support",
            "ticket",
            "escalation",
            "triag",
            "helpdesk",
            "password",
            "request",
            "question",
            "inbox",
            "queue",
        ),
    ),
    ("Meetings & status", ("meeting", "sync", "standup", "status", "1:1", "call", "review")),
    (
        "Admin & compliance",
        (
            "audit",
            "compliance",
            "soc",
            "gdpr",
            "expense",
            "timesheet",
            "paperwork",
            "payroll",
            "invoice",
            "admin",
            "books",
            "month-end",
            "policy",
            "legal",
        ),
    ),
    (
        "Upgrades & maintenance",
        (
            "upgrad",
            "patch",
            "renew",
            "certificate",
            "end of life",
            "eol",
            "deprecat",
            "maintenance",
            "dependency",
            "security update",
            "backfill",
            "cleanup",
            "clean up",
        ),
    ),
)
OTHER_THEME = "Other routine work"
SIMILAR = 0.5
_WORD = re.compile(r"[a-z0-9]+")
_STOP = STOP_WORDS


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
    text: str  # the representative answer
    people: int
    others: tuple[str, ...]  # the other answers grouped with it


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
    delta_pts: int | None
    progress_lines: tuple[Line, ...]
    ktlo_themes: tuple[Theme, ...]
    recurring: tuple[Recurring, ...]
    problems: tuple[Group, ...]
    opportunities: tuple[Group, ...]
    recognition: tuple[Line, ...]
    labels_auto: int
    labels_user: int

    @property
    def empty(self) -> bool:
        return self.participants == 0


def significant(text: str) -> frozenset[str]:
    # Words as people read them: "PR 812", not the link's address.
    return frozenset(w[:6] for w in _WORD.findall(readable(text).lower())
                     if w not in _STOP and len(w) > 1)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def period_dates(period: str) -> str:
    year, week = int(period[:4]), int(period[6:])
    monday = date.fromisocalendar(year, week, 1)
    sunday = monday + timedelta(days=6)
    if monday.month == sunday.month:
        return f"{monday.day}–{sunday.day} {sunday:%b %Y}"
    return f"{monday.day} {monday:%b} – {sunday.day} {sunday:%b %Y}"


def theme_of(text: str) -> str:
    lowered = readable(text).lower()
    for name, words in THEMES:
        if any(w in lowered for w in words):
            return name
    return OTHER_THEME


def _author(reply: Reply) -> str | None:
    return None if reply.anonymous else (reply.author_name or "a teammate")


def _group(answers: list[Line]) -> tuple[Group, ...]:
    groups: list[tuple[frozenset[str], list[Line]]] = []
    for line in answers:
        words = significant(line.text)
        for gwords, members in groups:
            if similarity(words, gwords) >= 0.34 or (words and words <= gwords):
                members.append(line)
                break
        else:
            groups.append((words, [line]))
    out = []
    for _, members in groups:
        people = len({m.author or f"anon{i}" for i, m in enumerate(members)})
        out.append(Group(members[0].text, people, tuple(m.text for m in members[1:])))
    return tuple(sorted(out, key=lambda g: -g.people))


_FOLLOW_UP = {
    "problem": "Last week the team named “{text}” as a problem to fix{who} — did we move on it?",
    "opportunity": "Last week the team named “{text}” as an opportunity{who} — did we act on it?",
}


def agenda_follow_up(kind: str, last_week: Sequence[Reply]) -> str | None:
    """The line a `problem`/`opportunity` nudge opens with, closing the loop on the agenda:
    the answer most people named last week (similar answers grouped as in the digest).
    Plain text; the caller escapes it. None for other kinds or an empty agenda."""
    template = _FOLLOW_UP.get(kind)
    answers = [Line(readable(r.text).strip(), _author(r)) for r in last_week
               if r.kind == kind and r.text.strip()]
    if template is None or not answers:
        return None
    top = _group(answers)[0]
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
        if not words or any(similarity(words, w) >= SIMILAR for w, _ in found):
            continue
        weeks = 1 + sum(1 for week in recent if any(similarity(words, w) >= SIMILAR for w in week))
        if weeks >= 3:
            found.append((words, Recurring(text, weeks)))
    return tuple(r for _, r in found)


def build_digest(inp: DigestInput) -> Digest:
    progress_lines: list[Line] = []
    ktlo_lines: list[Line] = []
    problems: list[Line] = []
    opportunities: list[Line] = []
    recognition: list[Line] = []
    unlabelled = auto = user = 0
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
                else:
                    unlabelled += 1
                if item.label is not None:
                    if item.label_source == "user":
                        user += 1
                    else:
                        auto += 1
            elif reply.kind == "problem":
                problems.append(line)
            elif reply.kind == "opportunity":
                opportunities.append(line)
            elif reply.kind == "recognition":
                recognition.append(line)

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
    known = [s for _, s in trend if s is not None]
    delta = None
    if share is not None and known:
        delta = round(100 * (share - sum(known) / len(known)))

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
        problems=_group(problems),
        opportunities=_group(opportunities),
        recognition=tuple(recognition),
        labels_auto=auto,
        labels_user=user,
    )

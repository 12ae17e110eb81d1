"""Tracked problems: a recurring firefight or an agenda item a team decided to act on, kept
until it is fixed — and reopened if its firefight comes back. Pure: plain dataclasses and
functions over them; no Slack, no SQL, no clock (the period is always passed in).

Contracts:
- A problem is tracked from a digest's recurring firefight (`track_firefight`) or from an
  agenda group (`track_agenda`): the presser owns it, it is `open`, it started that week.
- Its **references** are the KTLO texts it was tracked from: the firefight's text and the
  earlier weeks' items that made it recurring, or the agenda answer and its other wordings.
- Each week, `apply_week` takes that week's whole KTLO list. An item counts against the
  problem whose references it is most similar to, by the digest's own rule for recurring
  firefights (`bot.core.digest.same_firefight`: token-set overlap >= `SIMILAR`), and against
  at most one problem; a tie goes to the problem tracked first. Opportunities are not
  matched: they cost no KTLO weeks.
- A week with a match is added to the problem's `weeks`; a week without one is removed (the
  list is the week's whole list, so an edit, a deletion or a label fix is followed).
  Weeks before the problem was tracked are never counted.
- A `fixed` problem matched in a week after the one it was marked fixed in is **reopened**:
  `open` again, `reopened_at` that week, for the digest's call-out. If that week later turns
  out to have no match, the reopening is undone (unless someone moved the status since).
- References do not grow with matches: on the dev set growing them changed no count at
  all (a match is already close to a reference, so no chain of wordings formed), and
  fixed references keep a week's recount reversible (`bench/eval_problems.py` measures
  both; see `GROW_REFERENCES`).
- Who may: team members (and leads and admins) track and move status and owner; only the
  team's leads and workspace admins untrack.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

from bot.core.digest import (
    Digest,
    Group,
    Recurring,
    alike,
    same_firefight,
    significant,
    similarity,
)
from bot.core.periods import parse_period, quarter_of, weeks_between
from bot.core.text import readable, truncate

Kind = Literal["firefight", "problem", "opportunity"]
Status = Literal["open", "in_progress", "fixed"]
Answer = Literal["yes", "partly", "no"]
KINDS: tuple[Kind, ...] = get_args(Kind)
STATUSES: tuple[Status, ...] = get_args(Status)
ANSWERS: tuple[Answer, ...] = get_args(Answer)
STATUS_NAMES: dict[Status, str] = {"open": "open", "in_progress": "in progress",
                                   "fixed": "fixed"}

MAX_TITLE = 150  # characters of the first line a problem is titled with
MAX_NOTE = 2000  # characters of a follow-up note
# Whether counted matches join a problem's references. Measured on the dev split of
# bench/problem_matching.jsonl (python -m bench.eval_problems --dev): growing them gave
# the very same counts (precision 1.000, recall 0.403 either way), so they stay the texts
# the problem was tracked from: simpler, and a recount of a week can be undone.
GROW_REFERENCES = False
MAX_REFERENCES = 20  # when growing: the tracked texts, then the newest matches
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


class ProblemError(ValueError):
    """Bad input to a tracked-problem operation; the message says what and how to fix it."""


@dataclass(frozen=True)
class FollowUp:
    """The answer to "did we move on it?" for one week."""

    period: str
    answer: Answer
    note: str = ""


@dataclass(frozen=True)
class TrackedProblem:
    title: str
    kind: Kind
    owner: str  # Slack user id
    started: str  # the period it was tracked in
    status: Status = "open"
    fixed_at: str | None = None  # the period it was last marked fixed in
    reopened_at: str | None = None  # the period its firefight last came back after a fix
    references: tuple[str, ...] = ()  # the KTLO texts it is matched by
    weeks: tuple[str, ...] = ()  # periods its firefight appeared in, oldest first, unique
    follow_ups: tuple[FollowUp, ...] = ()  # oldest first, one per period
    id: int | None = None  # the store's row id, once stored

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ProblemError(f"`{self.kind}` is not a kind of tracked problem: use "
                               f"{', '.join(KINDS)}")
        if self.status not in STATUSES:
            raise ProblemError(_unknown_status(self.status))


def _unknown_status(status: object) -> str:
    return (f"`{truncate(str(status), 20)}` is not a status: use "
            f"{', '.join(STATUSES)}")


def _check_user(user_id: str) -> str:
    if not _USER_ID.fullmatch(user_id or ""):
        raise ProblemError(f"`{truncate(str(user_id), 20)}` is not a Slack user id "
                           f"(like U0123ABCD): pick the owner from Slack's list")
    return user_id


def _check_period(period: str) -> str:
    try:
        parse_period(period)
    except ValueError as exc:
        raise ProblemError(str(exc)) from None
    return period


def title_of(text: str) -> str:
    """A problem's title: the first non-empty line of the text it was tracked from, cut to
    `MAX_TITLE`. Stored as written (mentions and links kept); shown with `text.show`."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first:
        raise ProblemError("A tracked problem needs a title: the text it was tracked "
                           "from is empty")
    return truncate(first, MAX_TITLE)


def _distinct(texts: Iterable[str]) -> tuple[str, ...]:
    """Texts once each, whatever their case, spacing and punctuation, in order."""
    seen: set[str] = set()
    out = []
    for text in texts:
        key = " ".join(re.findall(r"\w+", readable(text).casefold()))
        if key and key not in seen:
            seen.add(key)
            out.append(text)
    return tuple(out)


# ── tracking ────────────────────────────────────────────────────────────────


def firefight_references(text: str, past_ktlo: Sequence[tuple[str, Sequence[str]]]
                         ) -> tuple[str, ...]:
    """The KTLO texts a recurring firefight was recognised by: its own text, then each
    earlier week's items that `same_firefight` pairs with it (`past_ktlo` is the digest's
    input: (period, texts) newest first)."""
    words = significant(text)
    earlier = [t for _, texts in past_ktlo for t in texts
               if same_firefight(words, significant(t))]
    return _distinct([text, *earlier])


def track_firefight(recurring: Recurring, *, owner: str, period: str,
                    past_ktlo: Sequence[tuple[str, Sequence[str]]] = ()) -> TrackedProblem:
    """A digest's recurring firefight, tracked by `owner` in `period` (the digest's week).
    Its firefight appeared that week, so that week is its first."""
    return TrackedProblem(
        title=title_of(recurring.text), kind="firefight", owner=_check_user(owner),
        started=_check_period(period),
        references=firefight_references(recurring.text, past_ktlo), weeks=(period,))


def track_agenda(group: Group, kind: Kind, *, owner: str, period: str) -> TrackedProblem:
    """An agenda group ("problems we should be fixing", "opportunities we should be
    facing"), tracked by `owner` in `period`. No firefight has been counted yet."""
    if kind not in ("problem", "opportunity"):
        raise ProblemError(f"An agenda item is a problem or an opportunity, not `{kind}`")
    return TrackedProblem(
        title=title_of(group.text), kind=kind, owner=_check_user(owner),
        started=_check_period(period), references=_distinct([group.text, *group.others]))


# ── who may ─────────────────────────────────────────────────────────────────


def may_track(*, member: bool, lead: bool, admin: bool) -> bool:
    """Team members track (and so may the team's leads and the workspace's admins)."""
    return member or lead or admin


def may_update(*, member: bool, lead: bool, admin: bool) -> bool:
    """Moving the status or the owner: anyone who may track."""
    return may_track(member=member, lead=lead, admin=admin)


def may_untrack(*, lead: bool, admin: bool) -> bool:
    """Only the team's leads and the workspace's admins untrack a problem."""
    return lead or admin


# ── status, owner, follow-up ────────────────────────────────────────────────


def set_status(problem: TrackedProblem, status: str, period: str) -> TrackedProblem:
    """`problem` moved to `status` in `period`. Marking it fixed records the week (a fix is
    what a later match reopens); the same status again changes nothing (a double click)."""
    if status not in STATUSES:
        raise ProblemError(_unknown_status(status))
    _check_period(period)
    if status == problem.status:
        return problem
    if status == "fixed":
        return replace(problem, status="fixed", fixed_at=period)
    return replace(problem, status=status)  # type: ignore[arg-type]


def set_owner(problem: TrackedProblem, owner: str) -> TrackedProblem:
    return replace(problem, owner=_check_user(owner))


def record_follow_up(problem: TrackedProblem, period: str, answer: str,
                     note: str = "") -> TrackedProblem:
    """The answer to "did we move on it?" for `period`; a second answer for the same week
    replaces the first."""
    if answer not in ANSWERS:
        raise ProblemError(f"`{truncate(str(answer), 20)}` is not an answer: use "
                           f"{', '.join(ANSWERS)}")
    _check_period(period)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ProblemError(f"The note is {len(note):,} characters; keep it under "
                           f"{MAX_NOTE:,}. Nothing was saved.")
    kept = [f for f in problem.follow_ups if f.period != period]
    answers = sorted([*kept, FollowUp(period, answer, note)],  # type: ignore[arg-type]
                     key=lambda f: f.period)
    return replace(problem, follow_ups=tuple(answers))


def follow_up_subject(text: str, kind: str,
                      problems: Sequence[TrackedProblem]) -> TrackedProblem | None:
    """The tracked problem a "did we move on it?" follow-up is about: `text` is the agenda
    answer the question named (`digest.agenda_follow_up`), `kind` its prompt's kind. Of
    the tracked problems that kind can name (a problem may also be a tracked firefight),
    the one with a reference `alike` the text (the rule that grouped the answers), the most
    similar first, the first tracked on a tie; None when the subject is not tracked."""
    kinds = {"problem": ("problem", "firefight"), "opportunity": ("opportunity",)}.get(kind, ())
    words = significant(text)
    best: tuple[float, TrackedProblem] | None = None
    for p in sorted(problems, key=lambda p: (p.started, p.id or 0)):
        if p.kind not in kinds:
            continue
        scores = [similarity(words, significant(r)) for r in p.references if alike(text, r)]
        if scores and (best is None or max(scores) > best[0]):
            best = (max(scores), p)
    return best[1] if best else None


# ── matching ────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class KtloItem:
    """One KTLO item of the week, as the digest counts it."""

    text: str
    item_id: int | None = None
    reply_id: int | None = None


@dataclass(frozen=True)
class Match:
    item: KtloItem
    problem_id: int
    score: float  # the best token-set overlap with one of the problem's references


def _matchable(problems: Iterable[TrackedProblem]) -> list[TrackedProblem]:
    out = []
    for p in problems:
        if p.kind == "opportunity":
            continue
        if p.id is None:
            raise ProblemError(f"“{truncate(p.title, 40)}” has no id: store it before "
                               f"matching a week against it")
        out.append(p)
    # ties go to the problem tracked first
    return sorted(out, key=lambda p: (p.started, p.id or 0))


def match_items(items: Sequence[KtloItem],
                problems: Sequence[TrackedProblem]) -> tuple[Match, ...]:
    """Which items count against which problem: each item against the one problem it is
    most similar to, if it is the same firefight as one of that problem's references."""
    candidates = [(p, [significant(r) for r in p.references]) for p in _matchable(problems)]
    out = []
    for item in items:
        words = significant(item.text)
        best: tuple[float, TrackedProblem] | None = None
        for problem, refs in candidates:
            scores = [similarity(words, r) for r in refs if same_firefight(words, r)]
            if scores and (best is None or max(scores) > best[0]):
                best = (max(scores), problem)
        if best is not None:
            assert best[1].id is not None  # checked by _matchable
            out.append(Match(item, best[1].id, best[0]))
    return tuple(out)


def grow_references(problem: TrackedProblem, texts: Sequence[str]) -> TrackedProblem:
    """`problem` with `texts` (counted matches) added to its references, each wording once,
    until it holds `MAX_REFERENCES` (the texts it was tracked from always stay)."""
    keep = max(len(problem.references), MAX_REFERENCES)
    return replace(problem, references=_distinct([*problem.references, *texts])[:keep])


# ── the week ────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class WeekUpdate:
    """What one week did to the tracked problems."""

    problems: tuple[TrackedProblem, ...]  # every problem given, updated, in the same order
    matches: tuple[Match, ...]
    changed: tuple[int, ...] = ()  # ids of the problems that differ from before (to save)
    reopened: tuple[int, ...] = ()  # ids reopened by this week (for the digest call-out)
    unreopened: tuple[int, ...] = ()  # reopenings this week undone


def apply_week(problems: Sequence[TrackedProblem], period: str, items: Sequence[KtloItem],
               *, grow: bool = GROW_REFERENCES) -> WeekUpdate:
    """Count `period`'s KTLO items (the week's whole list) against the tracked problems.

    Idempotent: the same week applied twice gives the same problems. See the module
    docstring for the rules (weeks, reopening, undoing a reopening)."""
    _check_period(period)
    matches = match_items(items, problems)
    by_problem: dict[int, list[Match]] = {}
    for m in matches:
        by_problem.setdefault(m.problem_id, []).append(m)
    updated: list[TrackedProblem] = []
    changed: list[int] = []
    reopened: list[int] = []
    unreopened: list[int] = []
    for p in problems:
        new = p
        found = by_problem.get(p.id, []) if p.id is not None else []
        # ISO week strings ("2026-W09" < "2026-W10" < "2027-W01") sort in time order
        if p.kind != "opportunity" and period >= p.started:
            weeks = set(p.weeks)
            if found:
                weeks.add(period)
                if p.status == "fixed" and p.fixed_at is not None and period > p.fixed_at:
                    new = replace(new, status="open", reopened_at=period)
                    reopened.append(p.id or 0)
                if grow:
                    new = grow_references(new, [m.item.text for m in found])
            else:
                weeks.discard(period)
                if p.status == "open" and p.reopened_at == period:
                    new = replace(new, status="fixed", reopened_at=None)
                    unreopened.append(p.id or 0)
            new = replace(new, weeks=tuple(sorted(weeks)))
        updated.append(new)
        if new != p and p.id is not None:
            changed.append(p.id)
    return WeekUpdate(tuple(updated), matches, tuple(changed), tuple(reopened),
                      tuple(unreopened))


# ── what the digest and the list show ───────────────────────────────────────


def weeks_cost(problem: TrackedProblem, period: str) -> int:
    """Weeks its firefight appeared in, this quarter (`quarter_of(period)`) up to `period`."""
    quarter = quarter_of(period)
    return sum(1 for w in problem.weeks if w <= period and quarter_of(w) == quarter)


def age(problem: TrackedProblem, period: str) -> int:
    """Whole weeks since it was tracked (0 in its first week)."""
    return max(0, weeks_between(problem.started, period))


@dataclass(frozen=True)
class ProblemLine:
    problem: TrackedProblem
    age: int  # weeks since tracked
    weeks_quarter: int  # weeks it cost this quarter, to the digest's week
    weeks_total: int  # weeks it cost since tracked, to the digest's week


@dataclass(frozen=True)
class ProblemsSection:
    """The digest's "Tracked problems": each problem once, in the first list it fits."""

    period: str
    quarter: str
    reopened: tuple[ProblemLine, ...]  # came back this week, oldest first
    open: tuple[ProblemLine, ...]  # open or in progress, oldest first
    fixed: tuple[ProblemLine, ...]  # marked fixed this week, oldest first

    @property
    def empty(self) -> bool:
        return not (self.reopened or self.open or self.fixed)


def problem_line(problem: TrackedProblem, period: str) -> ProblemLine:
    return ProblemLine(problem, age(problem, period), weeks_cost(problem, period),
                       sum(1 for w in problem.weeks if w <= period))


def problems_section(problems: Sequence[TrackedProblem], period: str) -> ProblemsSection:
    """The digest's section for `period`: problems reopened this week, then the open ones
    (in progress included), then those marked fixed this week; each list oldest first.
    Problems tracked after `period` are left out; a problem fixed in an earlier week and
    not back is done and left out too."""
    _check_period(period)
    shown = sorted((p for p in problems if p.started <= period),
                   key=lambda p: (p.started, p.id or 0))
    reopened, still_open, fixed = [], [], []
    for p in shown:
        line = problem_line(p, period)
        if p.status == "fixed":
            if p.fixed_at == period:
                fixed.append(line)
        elif p.reopened_at == period:
            reopened.append(line)
        else:
            still_open.append(line)
    return ProblemsSection(period, quarter_of(period), tuple(reopened), tuple(still_open),
                           tuple(fixed))


def list_order(problems: Sequence[TrackedProblem]) -> list[TrackedProblem]:
    """The order `/headway problems` lists them in: open and in progress oldest first,
    then the fixed ones, most recently fixed first."""
    active = sorted((p for p in problems if p.status != "fixed"),
                    key=lambda p: (p.started, p.id or 0))
    done = sorted((p for p in problems if p.status == "fixed"),
                  key=lambda p: (p.fixed_at or "", p.id or 0), reverse=True)
    return active + done


# ── what Slack sends back ───────────────────────────────────────────────────


def parse_status_value(value: str) -> tuple[int, Status]:
    """A status button's value, `"<problem id>:<status>"` → `(id, status)`."""
    problem_id, _, status = (value or "").partition(":")
    if not problem_id.isdigit() or status not in STATUSES:
        raise ProblemError(f"`{truncate(str(value), 30)}` is not a problem's status button "
                           f"value (`<id>:<status>`)")
    return int(problem_id), status  # type: ignore[return-value]


def parse_problem_id(text: str, prefix: str = "") -> int:
    """A problem id from a button value or a block id written `"<prefix><id>"`."""
    text = text or ""
    rest = text[len(prefix):] if text.startswith(prefix) else ""
    if not rest.isdigit():
        raise ProblemError(f"`{truncate(text, 30)}` does not name a tracked problem")
    return int(rest)


# ── the digest's Track it ───────────────────────────────────────────────────
#
# A Track it button names its digest entry by the team, the digest's week, the entry's kind
# and a short hash of its text. Pressing it rebuilds that week's digest from the store and
# tracks the entry whose text has that hash: nothing is written when a digest is built (a
# `digest --dry-run` reads a read-only file; a `forget me` leaves no copy of anyone's text
# behind in a table of pending buttons), and the texts the problem keeps as references are
# the ones the digest had at the press. An entry whose text changed since the digest was
# posted (an edit, a deletion) is not found, and the member is told so; the digest itself
# follows the change within minutes, with buttons for the new text.

TRACK_KEY_CHARS = 12


def track_key(text: str) -> str:
    """A digest entry's text as a short, stable key: a hash of its words (case, spacing
    and punctuation aside), as people read them (`readable`)."""
    words = " ".join(re.findall(r"\w+", readable(text).casefold()))
    return hashlib.sha1(words.encode("utf-8")).hexdigest()[:TRACK_KEY_CHARS]


@dataclass(frozen=True)
class TrackRef:
    """What a Track it button names: a digest entry of `kind` whose text hashes to `key`,
    in the digest of `team_id` for `period`."""

    team_id: int
    period: str
    kind: Kind
    key: str


def track_value(team_id: int, period: str, kind: Kind, text: str) -> str:
    """The Track it button's value, `"<team id>:<period>:<kind>:<key>"`."""
    return f"{team_id}:{period}:{kind}:{track_key(text)}"


def parse_track_value(value: str) -> TrackRef:
    """A Track it button's value back to its `TrackRef`; ProblemError for anything else."""
    parts = (value or "").split(":")
    ok = (len(parts) == 4 and parts[0].isdigit() and parts[2] in KINDS
          and re.fullmatch(f"[0-9a-f]{{{TRACK_KEY_CHARS}}}", parts[3]) is not None)
    if ok:
        try:
            parse_period(parts[1])
        except ValueError:
            ok = False
    if not ok:
        raise ProblemError(f"`{truncate(str(value), 40)}` is not a Track it button's value")
    return TrackRef(int(parts[0]), parts[1], parts[2], parts[3])  # type: ignore[arg-type]


Entry = Recurring | Group


def trackables(digest: Digest) -> list[tuple[Kind, Entry]]:
    """The digest's entries that carry Track it: its recurring firefights, then the
    problems and the opportunities on its agenda."""
    return [*(("firefight", r) for r in digest.recurring),
            *(("problem", g) for g in digest.problems),
            *(("opportunity", g) for g in digest.opportunities)]  # type: ignore[list-item]


def find_trackable(digest: Digest, ref: TrackRef) -> Entry | None:
    """The entry of `digest` a Track it button names, if the digest still has it."""
    return next((entry for kind, entry in trackables(digest)
                 if kind == ref.kind and track_key(entry.text) == ref.key), None)


def tracked_as(kind: Kind, text: str, problems: Sequence[TrackedProblem]
               ) -> TrackedProblem | None:
    """The tracked problem a digest entry already is, if any: for a recurring firefight,
    the problem its text would be counted against (`match_items`); for an agenda item,
    the one its follow-up would name (`follow_up_subject`)."""
    if kind == "firefight":
        stored = [p for p in problems if p.id is not None]
        matches = match_items((KtloItem(text),), stored)
        return next((p for p in stored if matches and p.id == matches[0].problem_id), None)
    return follow_up_subject(text, kind, problems)


def track(ref: TrackRef, entry: Entry, *, owner: str,
          past_ktlo: Sequence[tuple[str, Sequence[str]]] = ()) -> TrackedProblem:
    """The problem a press of Track it on `entry` tracks (not stored yet)."""
    if ref.kind == "firefight":
        assert isinstance(entry, Recurring)
        return track_firefight(entry, owner=owner, period=ref.period, past_ktlo=past_ktlo)
    assert isinstance(entry, Group)
    return track_agenda(entry, ref.kind, owner=owner, period=ref.period)


def week_items(digest: Digest) -> tuple[KtloItem, ...]:
    """The week's KTLO items, as the digest counted them, for `apply_week`."""
    return tuple(KtloItem(line.text) for theme in digest.ktlo_themes for line in theme.lines)


@dataclass(frozen=True)
class Tracking:
    """What a team's digest shows of its tracked problems: the "Tracked problems" section,
    which of its entries are tracked already (no Track it button on those), the owners'
    names, and the team (for the buttons' values)."""

    team_id: int
    section: ProblemsSection
    # (kind, track_key(text)) of each entry already tracked → the problem it is
    tracked: Mapping[tuple[str, str], TrackedProblem] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)

    def of(self, kind: Kind, text: str) -> TrackedProblem | None:
        return self.tracked.get((kind, track_key(text)))


def tracking(digest: Digest, problems: Sequence[TrackedProblem], *, team_id: int,
             names: Mapping[str, str] | None = None) -> Tracking:
    """`digest`'s tracked problems: `problems` are the team's, with the digest's week
    already applied (`apply_week`)."""
    tracked = {}
    for kind, entry in trackables(digest):
        same = tracked_as(kind, entry.text, problems)
        if same is not None:
            tracked[(kind, track_key(entry.text))] = same
    return Tracking(team_id, problems_section(problems, digest.period), tracked,
                    dict(names or {}))

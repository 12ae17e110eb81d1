"""Plain data shared by the pure core, the store and the Slack edge.

Everything here is a frozen dataclass or a literal type: no I/O, no Slack, no SQL.
The vocabulary follows DESIGN.md (workspace, member, prompt pack, period, nudge,
reply, item, label, digest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal

from bot.core.effort import EffortAnswer

# `none`: a line with no work signal ("out sick", "n/a", "ditto"): kept and shown to its
# author, left out of every progress share.
Label = Literal["progress", "ktlo", "none"]
LABELS: tuple[Label, ...] = ("progress", "ktlo", "none")
WORK_LABELS: tuple[Label, ...] = ("progress", "ktlo")  # the labels a progress share counts

PromptKind = Literal["work", "problem", "opportunity", "recognition", "reflection"]
PROMPT_KINDS: tuple[PromptKind, ...] = (
    "work",
    "problem",
    "opportunity",
    "recognition",
    "reflection",
)

# Where an item's label came from: the classifier, the member's own correction, or the
# prompt's kind (problem/opportunity/recognition answers are filed, not classified).
LabelSource = Literal["auto", "user", "prompt"]

# Monday = 0 … Sunday = 6, as datetime.weekday() numbers them.
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# A team's members who have not answered the work question are reminded this many hours
# before its digest, unless the team changed it (`/headway reminder`; `bot.core.reminders`).
DEFAULT_REMINDER_HOURS = 24


@dataclass(frozen=True)
class Prompt:
    id: str
    text: str
    kind: PromptKind


@dataclass(frozen=True)
class PromptPack:
    name: str
    description: str
    prompts: tuple[Prompt, ...]

    def get(self, prompt_id: str) -> Prompt | None:
        return next((p for p in self.prompts if p.id == prompt_id), None)

    @property
    def work_prompt(self) -> Prompt:
        """The weekly `work` prompt; a valid pack always has one."""
        return next(p for p in self.prompts if p.kind == "work")


@dataclass(frozen=True)
class Member:
    workspace_id: str
    user_id: str
    tz: str = "UTC"
    days: tuple[int, ...] = (4,)  # Friday
    nudge_time: time = time(15, 0)
    paused_until: date | None = None
    anonymous: bool = False
    active: bool = True
    name: str = ""
    inactive_reason: str = ""
    # Local (begin, end), half-open, may wrap midnight; no nudge is sent inside it.
    quiet_hours: tuple[time, time] | None = None


@dataclass(frozen=True)
class Workspace:
    workspace_id: str
    name: str = ""
    tz: str = "UTC"  # the zone of its holidays and of its leaders' rollup
    pack: str = "default"  # the prompt pack a new team starts with
    retention_months: int | None = None  # replies older than this are purged; None: kept
    uninstalled_at: datetime | None = None  # Headway was removed: no nudges, data on a clock
    # Where and when the leaders' rollup is posted (in `tz`); no channel: no rollup.
    rollup_channel: str | None = None
    rollup_day: int = 0  # Monday, after the teams' digests of the week that just ended
    rollup_time: time = time(10, 0)


@dataclass(frozen=True)
class Team:
    """A named group of members inside one workspace, with its own digest."""

    id: int
    workspace_id: str
    name: str
    digest_channel: str | None = None
    digest_day: int = 0  # Monday: the digest reviews the week that just ended
    digest_time: time = time(9, 0)
    tz: str = "UTC"
    pack: str = "default"
    target: float | None = None  # the progress share aimed at (0..1); None: no target
    created_by: str | None = None
    # The gentle reminder goes this many hours before the digest; None: reminders off.
    reminder_hours: int | None = DEFAULT_REMINDER_HOURS


@dataclass(frozen=True)
class Classification:
    label: Label
    # The calibrated probability that `label` is right (1/3 … 1; the most probable label):
    # of items labelled with confidence 0.7, about 7 in 10 are right.
    confidence: float
    reasons: tuple[str, ...] = ()  # the words or phrases that decided it


@dataclass(frozen=True)
class Item:
    text: str
    kind: PromptKind
    label: Label | None = None  # only `work` items carry a label
    confidence: float = 0.0
    reasons: tuple[str, ...] = ()
    label_source: LabelSource = "auto"
    id: int | None = None  # the store's row id, once stored


@dataclass(frozen=True)
class Reply:
    workspace_id: str
    user_id: str
    prompt_id: str
    kind: PromptKind
    period: str  # ISO week in the member's zone, "2026-W47"
    text: str
    items: tuple[Item, ...] = ()
    anonymous: bool = False
    created_at: datetime | None = None
    author_name: str = ""
    id: int | None = None
    # Made from a Slack message (a DM): tied to it, so it changes when the message does
    # (an edit or deletion in Slack), never from Headway's own edit form.
    in_message: bool = False


@dataclass(frozen=True)
class MessageReply:
    """A reply tied to the Slack message it came from, with where its confirmation is."""

    reply: Reply
    channel: str
    ts: str
    nudge_id: int | None
    edited_ts: str | None
    confirm_channel: str | None
    confirm_ts: str | None


@dataclass(frozen=True)
class Nudge:
    """A row of the delivery ledger: one prompt to one member for one period."""

    id: int
    workspace_id: str
    user_id: str
    prompt_id: str
    period: str
    status: str  # claimed | sent | answered | skipped | missed | failed
    claimed_at: datetime
    sent_at: datetime | None = None
    channel: str | None = None
    ts: str | None = None
    error: str | None = None
    snoozed_until: datetime | None = None
    reminded_at: datetime | None = None
    claimed_by: str | None = None  # the run id of the process that claimed it


@dataclass(frozen=True)
class DeletedReply:
    """What a deletion removed; `reopened` is the nudge it answered, open again because
    no other reply answers it."""

    removed: MessageReply
    reopened: Nudge | None


@dataclass(frozen=True)
class DigestRecord:
    """A digest claimed, posted (and maybe updated since) in one channel for one period."""

    id: int
    workspace_id: str
    channel: str
    period: str
    status: str  # claimed | posted
    ts: str | None
    thread_ts: tuple[str, ...]
    claimed_at: datetime | None = None
    updated_at: datetime | None = None  # last post or chat.update
    dirty: bool = False  # something it shows changed since it was last built
    team_id: int | None = None  # the team whose digest it is (None: a rollup)


@dataclass(frozen=True)
class WeekShare:
    """Progress share of one past period, for the digest's trend line."""

    period: str
    progress: int
    ktlo: int

    @property
    def share(self) -> float | None:
        total = self.progress + self.ktlo
        return None if total == 0 else self.progress / total


@dataclass(frozen=True)
class DigestInput:
    """Everything the digest needs for one team and one period, already loaded."""

    workspace_id: str
    team_name: str
    period: str
    members_total: int
    replies: tuple[Reply, ...]
    history: tuple[WeekShare, ...] = ()  # previous weeks, oldest first
    # KTLO item texts of earlier weeks, newest first, for "recurring firefights".
    past_ktlo: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())
    # The effort question's answers of this period (`bot.digests.load_effort`).
    effort: tuple[EffortAnswer, ...] = ()
    # The team's progress target (0..1), None: no target, and the digest says nothing of one.
    target: float | None = None
    # The weeks of the period's quarter (`bot.core.periods.quarter_periods`) before it,
    # oldest first: the quarter to date and the chart, with this week's own counts.
    quarter: tuple[WeekShare, ...] = ()

"""What a team's leads see of who has not answered (`bot.core.status`): the answer to
`/headway team status`, the section of App Home for the teams they lead, and the answer to
`/headway reminder`. Pure; names are escaped here, once; people are mentions (never
notified: ephemeral answers and Home tabs ping nobody)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.messages.blocks import Block, context, section
from bot.core.model import Team, WeekShare
from bot.core.reminders import MAX_LEAD_HOURS, MIN_LEAD_HOURS
from bot.core.status import LeadView, TeamWeek
from bot.core.text import safe
from bot.core.zones import zone

MAX_NAMED = 30  # people named in one list; more are counted ("and 12 more")
ANONYMOUS_NOTE = ("Members who answer anonymously count in these numbers but are never "
                  "named here, answered or not.")


# App Home (`home.home_view`) calls `lead_section`, and the command replies' modules import
# `home`: these two one-liners (as `admin_replies.mentions`, `member_replies.plural`) keep
# this module free of them, so there is no import cycle.
def mentions(user_ids: Sequence[str]) -> str:
    return ", ".join(f"<@{u}>" for u in user_ids)


def plural(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word + 's'}"


def _people(user_ids: Sequence[str]) -> str:
    shown = mentions(user_ids[:MAX_NAMED])
    more = len(user_ids) - MAX_NAMED
    return f"{shown} and {more} more" if more > 0 else shown


def _digest_when(week: TeamWeek) -> str:
    local = week.digest_at.astimezone(zone(week.team.tz))
    return f"{local:%A %d %b} at {local:%H:%M} ({safe(week.team.tz)})"


def _unanswered_lines(week: TeamWeek, bullet: str = "• ") -> list[str]:
    lines = []
    for title, who in (("Not answered yet", week.waiting),
                       ("Not asked yet (their question comes later this week)", week.not_asked),
                       ("Skipped this week", week.skipped), ("Paused", week.paused)):
        if who:
            lines.append(f"{bullet}{title}: {_people(who)}")
    return lines


def reminder_text(team: Team) -> str:
    if team.reminder_hours is None:
        return "Reminders are off for this team."
    return (f"Whoever has not answered gets one gentle reminder "
            f"{plural(team.reminder_hours, 'hour')} before the digest.")


def team_status(week: TeamWeek) -> str:
    """The answer to `/headway team status`."""
    team = week.team
    lines = [f"*{safe(team.name)}: who has answered week {week.period}* (reviewed by the "
             f"digest of {_digest_when(week)})",
             f"*{week.answered} of {plural(week.members, 'member')}* answered."]
    unanswered = _unanswered_lines(week)
    if unanswered:
        lines += unanswered
    elif week.members and week.answered == week.members:
        lines.append("Everyone has answered.")
    if not week.members:
        lines.append(f"Nobody is in *{safe(team.name)}* yet: add people with `/headway team "
                     f"add @people to {safe(team.name)}`.")
    if week.anonymous:
        lines.append(f"_{ANONYMOUS_NOTE}_")
    lines.append(reminder_text(team) + " Change it with `/headway reminder <hours>|off`.")
    return "\n".join(lines)


def reminder_set(team: Team) -> str:
    """The answer to `/headway reminder`."""
    if team.reminder_hours is None:
        return (f"*{safe(team.name)}*: no more reminders before its digest. Turn them back "
                f"on with `/headway reminder 24 for {safe(team.name)}`.")
    return (f"*{safe(team.name)}*: whoever has not answered the week's work question gets "
            f"one gentle reminder {plural(team.reminder_hours, 'hour')} before its digest "
            f"(never in their quiet hours, on a holiday or while paused).")


def lead_hours_hint() -> str:
    return f"from {MIN_LEAD_HOURS} to {MAX_LEAD_HOURS}"


def _percent(share: WeekShare) -> str:
    return "no data" if share.share is None else f"{round(share.share * 100)}%"


def _against_target(share: WeekShare, team: Team) -> str:
    if team.target is None:
        return _percent(share)
    return f"{_percent(share)} (target {round(team.target * 100)}%)"


def lead_section(views: Sequence[LeadView]) -> list[Block]:
    """App Home's section for the teams a person leads: each team's progress share this
    quarter so far and last week against its target, its participation this week and who
    has not answered yet. Nothing for a person who leads no team."""
    if not views:
        return []
    blocks: list[Block] = [{"type": "divider"}, section("*Teams you lead*")]
    for view in views:
        week, team = view.week, view.week.team
        lines = [
            f"*{safe(team.name)}* · progress share this quarter so far "
            f"{_against_target(view.quarter, team)}, last week ({view.last_week.period}) "
            f"{_against_target(view.last_week, team)}",
            f"Week {week.period}: {week.answered} of {plural(week.members, 'member')} "
            f"answered (digest {_digest_when(week)})",
            *_unanswered_lines(week, bullet="    "),
        ]
        blocks.append(section("\n".join(lines)))  # within 3,000: MAX_NAMED a list
    if any(v.week.anonymous for v in views):
        blocks.append(context(ANONYMOUS_NOTE))
    blocks.append(context("More with `/headway team status <team>`."))
    return blocks

"""What `/headway` answers about teams: the list of teams, a team made, its leads, its
target, its last weeks. Pure text (Slack mrkdwn); names are escaped here, once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.messages.admin_replies import mentions
from bot.core.messages.member_replies import plural, share_lines
from bot.core.model import WEEKDAYS, Team, WeekShare
from bot.core.teams import team_list
from bot.core.text import safe


@dataclass(frozen=True)
class TeamLine:
    """One team as `teams` lists it."""

    team: Team
    members: int
    leads: tuple[str, ...]


def target_text(target: float | None) -> str:
    return "no target" if target is None else f"target {round(target * 100)}% progress"


def schedule_text(team: Team) -> str:
    return f"{WEEKDAYS[team.digest_day].title()} {team.digest_time:%H:%M} ({team.tz})"


def teams_list(lines: Sequence[TeamLine]) -> str:
    if not lines:
        return ("No teams yet. An admin runs `/headway team create <name>` in the team's "
                "channel, or `/headway digest here` for one team for everyone.")
    out = [f"*{plural(len(lines), 'team')}*"]
    for line in lines:
        t = line.team
        where = f"<#{t.digest_channel}>" if t.digest_channel else "no digest channel yet"
        leads = f"; leads {mentions(line.leads)}" if line.leads else ""
        out.append(f"• *{safe(t.name)}* — {where}, {plural(line.members, 'member')}, digest "
                   f"{schedule_text(t)}, {target_text(t.target)}, prompts `{t.pack}`{leads}")
    return "\n".join(out)


def team_created(team: Team, *, joined: bool) -> str:
    where = (f"Its digest goes to this channel, {schedule_text(team)}."
             if team.digest_channel else
             "It has no digest channel yet: run `/headway digest here "
             f"{safe(team.name)}` in the channel that should get it.")
    note = " Headway joined the channel to post it." if joined else ""
    return (f"Team *{safe(team.name)}* created. {where}{note} Add people with `/headway team "
            f"add @people to {safe(team.name)}`; name its leads with `/headway team lead "
            f"@someone for {safe(team.name)}`.")


def which_to_rename(teams: Sequence[Team]) -> str:
    if not teams:
        return "There are no teams yet to rename."
    return (f"Which team? Say `team rename <team> to <new name>` (or run it in the team's "
            f"digest channel); the teams are {team_list(teams)}.")


def renamed(team: Team, old: str) -> str:
    if team.name == old:
        return f"Nothing changed: the team is already called *{safe(old)}*."
    return (f"*{safe(old)}* is now *{safe(team.name)}*: its digests say so from the next "
            f"one on.")


def deleted(team: Team, people: int, alone: int, problems: int) -> str:
    text = f"Deleted the team *{safe(team.name)}* ({plural(people, 'member')}"
    if problems:
        text += f", {plural(problems, 'tracked problem')}"
    text += "). Its digests already posted stay in Slack; its people's answers stay theirs."
    if alone:
        text += (f" {plural(alone, 'person was', 'people were')} in no other team and "
                 f"will not be asked any more (`/headway join` brings them back).")
    return text


def leads_changed(team: Team, changed: Sequence[str], leads: Sequence[str], *,
                  added: bool) -> str:
    who = mentions(leads) if leads else "nobody"
    if not changed:
        return ("Nothing changed: " + ("they already lead" if added else "they did not lead")
                + f" *{safe(team.name)}*. Its leads: {who}.")
    verb = "lead" if len(changed) > 1 else "leads"  # <@U1> leads, <@U1>, <@U2> lead
    return (f"{mentions(changed)} {'now' if added else 'no longer'} {verb} "
            f"*{safe(team.name)}*. Its leads: {who}.")


def target_set(team: Team) -> str:
    if team.target is None:
        return f"*{safe(team.name)}* has no progress target now."
    return (f"*{safe(team.name)}* now aims for {round(team.target * 100)}% progress: its "
            f"digest shows the quarter so far against it.")


def team_stats(team: Team, shares: Sequence[WeekShare]) -> str:
    """A bar a week (oldest first), the whole span's share and the target."""
    return "\n".join([f"*{safe(team.name)}: progress share* (progress ÷ all labelled work), "
                      f"{target_text(team.target)}", *share_lines(shares, len(shares))])

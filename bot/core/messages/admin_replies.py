"""What `/headway` answers about the workspace: who may run the admin commands, and what
the admin commands (people, digest channel and time, prompts, holidays, retention, the
team's export) did.

Pure text (Slack mrkdwn); the listeners in `bot/listeners/commands/` decide which to send.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.core.messages.blocks import Block, context
from bot.core.messages.member_replies import day_list, plural
from bot.core.model import WEEKDAYS, Team
from bot.core.teams import team_list
from bot.core.text import safe


def mentions(user_ids: Sequence[str]) -> str:
    return ", ".join(f"<@{u}>" for u in user_ids)


# ── who is an admin ──────────────────────────────────────────────────────────


def not_admin(named: Sequence[str], *, slack_only: bool) -> str:
    """The refusal: who can do it. `slack_only`: only Slack's own admins and owners."""
    who = "Only workspace admins and owners"
    if not slack_only:
        who += (" and the Headway admins they named ("
                + (mentions(named) if named else "none yet") + ")")
    return f"{who} can do that. Ask one of them, or see `/headway help` for what you can do."


def not_lead(team: str, leads: Sequence[str], named: Sequence[str]) -> str:
    """The refusal of a lead's command: who leads the team, and who else may."""
    who = mentions(leads) if leads else "nobody yet"
    return (f"Only the leads of *{safe(team)}* ({who}), workspace admins and owners, and the "
            f"Headway admins they named ({mentions(named) if named else 'none yet'}) can do "
            f"that.")


def admins(named: Sequence[str]) -> str:
    who = mentions(named) if named else "nobody yet"
    return (f"Workspace admins and owners can use Headway's admin commands, and so can the "
            f"people they named: {who}. Admins change this with `/headway admins add @someone` "
            f"or `/headway admins remove @someone`.")


def not_people(user_ids: Sequence[str]) -> str:
    ids = ", ".join(f"`{uid}`" for uid in user_ids)
    return (f"Nothing changed: Slack has no active person {ids} in this workspace (bots and "
            f"deactivated accounts cannot be Headway admins). Pick people from Slack's "
            f"autocomplete.")


def admins_changed(changed: Sequence[str], named: Sequence[str], *, added: bool) -> str:
    """After `admins add|remove`: who changed, then the list as `admins` gives it."""
    if not changed:
        return "Nothing changed: " + ("they are already Headway admins." if added
                                      else "they were not Headway admins.")
    return f"{'Added' if added else 'Removed'} {mentions(changed)}. " + admins(named)


# ── people ───────────────────────────────────────────────────────────────────


def team_added(team: Team, added: int, already: int, skipped: int) -> str:
    text = f"Added {plural(added, 'member')} to *{safe(team.name)}*."
    if already:
        text += f" {plural(already, 'person was', 'people were')} in it already."
    if skipped:
        text += f" Skipped {skipped} (bots, deactivated or unknown accounts)."
    return text


def team_removed(team: Team, removed: int, left_headway: int,
                 not_in: Sequence[str] = (), strangers: int = 0) -> str:
    """`not_in`: the members named who were not in the team (a wrong team), so "Removed 0"
    never leaves the caller guessing; `strangers`: how many named are not in Headway at
    all (counted, never repeated as a mention: the id may be anyone's, or no one's)."""
    text = f"Removed {plural(removed, 'member')} from *{safe(team.name)}*."
    if not_in:
        text += f" Not in it: {mentions(not_in)}."
    if strangers:
        verb = "is" if strangers == 1 else "are"
        text += f" {plural(strangers, 'person', 'people')} named {verb} not in Headway."
    if left_headway:
        text += (f" {plural(left_headway, 'person', 'people')} in no other team "
                 f"{'gets' if left_headway == 1 else 'get'} no more questions; their answers "
                 f"stay until they `forget me`.")
    return text


# ── the digest ───────────────────────────────────────────────────────────────


def digest_channel_set(team: Team, *, joined: bool) -> str:
    note = " Headway joined the channel to post it." if joined else ""
    return (f"This channel now gets *{safe(team.name)}*'s weekly digest, "
            f"{WEEKDAYS[team.digest_day].title()} at {team.digest_time:%H:%M} ({team.tz})."
            f"{note}")


NO_TEAM_YET = ("There is no team yet, so no digest: an admin runs `/headway digest here` in "
               "the channel that should get it, or `/headway team create <name>`.")


def which_team_here(teams: Sequence[Team]) -> str:
    return (f"Which team's digest should this channel get? Say `/headway digest here <team>`; "
            f"the teams are {team_list(teams)}. (Or `/headway team create <name>` here for a "
            f"new team.)")


def digest_time_set(team: Team) -> str:
    where = f"<#{team.digest_channel}>" if team.digest_channel else "no channel yet"
    return (f"*{safe(team.name)}*'s digest now posts {WEEKDAYS[team.digest_day].title()} at "
            f"{team.digest_time:%H:%M} ({team.tz}), to {where}.")


def digest_preview(text: str, blocks: Sequence[Block]) -> dict[str, Any]:
    """The digest's message as `digest preview` shows it: under Slack's 50 blocks, with a
    note that only the person sees it."""
    note = context("_Preview: only you see this. Full lists go to the thread of the weekly "
                   "post._")
    return {"text": text, "blocks": [*blocks[:49], note]}


# ── prompts, holidays, retention ─────────────────────────────────────────────


def no_such_pack(pack: str, known: Sequence[str]) -> str:
    names = ", ".join(f"`{name}`" for name in sorted(known))
    return f"There's no prompt pack `{pack}`. Packs: {names}."


def pack_set(team: Team, name: str, prompts: int) -> str:
    return f"*{safe(team.name)}*'s prompt pack is now `{name}` ({prompts} prompts)."


def holidays_added(days: Sequence[date], already: int) -> str:
    note = f" ({already} already were)" if already else ""
    return (f"No questions on these days, in each member's own time zone{note}:\n"
            + day_list(days))


def holidays_removed(removed: int) -> str:
    if not removed:
        return "None of those days were holidays; nothing changed."
    return f"Removed {plural(removed, 'day')} from the holidays."


def retention_set(months: int | None) -> str:
    if months is None:
        return "Retention off: answers are kept until their authors `forget me`."
    return (f"Answers older than {plural(months, 'month')} are now deleted (with their labels "
            f"and corrections) within the next minute, and every day after.")


# ── the team's export ────────────────────────────────────────────────────────

TEAM_EXPORT_COMMENT = ("The team's Headway answers. Anonymous answers have no author; "
                       "reflection answers stay private to their authors and are not here.")


def team_export_sent(answers: int) -> str:
    return f"Sent: {plural(answers, 'answer')} in your DMs with Headway, as JSON and CSV."


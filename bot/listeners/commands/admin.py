"""Who is an admin: the one admin check every admin command passes through, and `admins`,
`admins add`, `admins remove`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_sdk import WebClient

from bot.context import Headway
from bot.core.messages import admin_replies as say
from bot.core.model import Team
from bot.core.teams import TeamChoice, which_team
from bot.listeners.commands.people import is_person, users_by_id
from bot.listeners.commands.request import Handler, Refusal, Request, slow
from bot.teams import default_team


def _is_slack_admin(user: dict[str, Any]) -> bool:
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def is_admin(hw: Headway, client: WebClient, workspace_id: str, user_id: str) -> bool:
    """Whether `user_id` is a Headway admin: one of Slack's workspace admins or owners
    (asked now: roles change), or a member they named. The check `require_admin` makes,
    for a button rather than a command."""
    if user_id in hw.store.admins.of(workspace_id):
        return True
    return _is_slack_admin(client.users_info(user=user_id)["user"])


def require_admin(hw: Headway, req: Request) -> dict[str, Any]:
    """The caller's Slack profile if they may run `req.command`, else a Refusal saying who
    can. Slack's workspace admins and owners may (asked every time: roles change), and,
    unless the command is for Slack's admins alone, the members an admin named with
    `/headway admins add`."""
    user = req.client.users_info(user=req.user_id)["user"]
    if _is_slack_admin(user):
        return user
    named = hw.store.admins.of(req.workspace_id)
    slack_only = req.command.access == "workspace admin"
    if not slack_only and req.user_id in named:
        return user
    raise Refusal(say.not_admin(named, slack_only=slack_only))


# How each of a lead's commands names its team: `team add @ana to Platform`.
# Those that take the name alone show their own form (`join Platform`), not `for Platform`.
_VERB = {"team add": "to", "team remove": "from", "problems": "problems", "join": "join",
         "leave": "leave", "stats team": "stats team", "digest preview": "digest preview"}


def team_of(hw: Headway, req: Request, *, create_default: bool = True) -> Team:
    """The team `req` is about (`bot.core.teams.which_team`), or a Refusal listing the
    teams. In a workspace with no team yet, its default team (made now) when
    `create_default`."""
    teams = hw.store.teams.of(req.workspace_id)
    if not teams and req.command.team is None and create_default:
        return default_team(hw, req.workspace_id)
    try:
        return which_team(teams, name=req.command.team, channel=req.channel_id,
                          verb=_VERB.get(req.command.name, "for"))
    except TeamChoice as choice:
        raise Refusal(str(choice)) from None


def team_in_view(hw: Headway, req: Request) -> Team:
    """The team a command that only shows something is about: the one named; else the
    team of this channel; else the caller's first team; else the only team (a Refusal
    lists the teams when none of these settles it)."""
    if req.command.team is None and not hw.store.teams.in_channel(req.workspace_id,
                                                                   req.channel_id):
        mine = hw.store.teams.of_member(req.workspace_id, req.user_id)
        if mine:
            return mine[0]
    return team_of(hw, req, create_default=False)


def require_lead(hw: Headway, req: Request) -> Request:
    """`req` with its team, if the caller leads that team or is a Headway admin; else a
    Refusal saying who can. A lead is known from the database: no call to Slack.
    In a workspace with no team yet nobody leads one: only an admin may, and only then is
    its default team made (a member's refused command leaves no stray team behind)."""
    if req.command.team is None and not hw.store.teams.of(req.workspace_id):
        caller = require_admin(hw, req)
        return replace(req, team=default_team(hw, req.workspace_id), caller=caller)
    team = team_of(hw, req)
    if req.user_id in hw.store.teams.leads(team.id):
        return replace(req, team=team)
    try:
        caller = require_admin(hw, req)
    except Refusal:
        leads = hw.store.teams.leads(team.id)
        raise Refusal(say.not_lead(team.name, leads, hw.store.admins.of(req.workspace_id))
                      ) from None
    return replace(req, team=team, caller=caller)


def _admins(hw: Headway, req: Request) -> str:
    return say.admins(hw.store.admins.of(req.workspace_id))


def _admins_change(hw: Headway, req: Request) -> str:
    adding = req.command.name == "admins add"
    wanted = req.command.users
    if adding:
        # As `team add` does: only people Slack knows here. A typo'd or forged id would be
        # stored as an admin nobody can see, and repeated back as a mention of nobody.
        users = users_by_id(req.client, set(wanted), list_all=False)
        unknown = [uid for uid in wanted if not is_person(uid, users.get(uid))]
        if unknown:
            raise Refusal(say.not_people(unknown))
    changed = []
    for uid in wanted:
        if adding:
            if hw.store.admins.add(req.workspace_id, uid, req.user_id, hw.now()):
                changed.append(uid)
        elif hw.store.admins.remove(req.workspace_id, uid):
            changed.append(uid)
    named = hw.store.admins.of(req.workspace_id) if changed else []
    return say.admins_changed(changed, named, added=adding)


HANDLERS: dict[str, Handler] = {
    "admins": slow(_admins),
    "admins add": slow(_admins_change),
    "admins remove": slow(_admins_change),
}

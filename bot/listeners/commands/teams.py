"""Teams themselves: `teams`, `team create <name>`, `team rename [<team> to] <new name>`,
`team delete <team>`, `team lead [remove] @people [for <team>]`, `target <percent>|off
[for <team>]`, `stats team [<team>]`."""

from __future__ import annotations

from bot.context import Headway
from bot.core.messages import admin_replies
from bot.core.messages import team_replies as say
from bot.core.periods import period_of, recent_periods
from bot.core.teams import TeamChoice, read_rename
from bot.core.text import safe
from bot.listeners.commands.admin import team_in_view, team_of
from bot.listeners.commands.digest_channel import ensure_digest_channel
from bot.listeners.commands.people import is_person, users_by_id
from bot.listeners.commands.request import Handler, Refusal, Request, fast, slow
from bot.members import zone_for
from bot.store.teams import TeamConflict

STATS_WEEKS = 13  # a quarter


def _teams(hw: Headway, req: Request) -> str:
    lines = [say.TeamLine(team, len(hw.store.teams.member_ids(team.id)),
                          tuple(hw.store.teams.leads(team.id)))
             for team in hw.store.teams.of(req.workspace_id)]
    return say.teams_list(lines)


def _team_create(hw: Headway, req: Request) -> str:
    """A new team; run in a channel (not a DM), that channel gets its digest."""
    assert req.command.team is not None and req.caller is not None
    workspace_id, name = req.workspace_id, req.command.team
    store = hw.store
    if (same := store.teams.named(workspace_id, name)) is not None:
        raise Refusal(f"There is already a team called *{safe(same.name)}*.")
    in_channel = not req.channel_id.startswith("D")
    if in_channel and (other := store.teams.in_channel(workspace_id, req.channel_id)):
        raise Refusal(f"This channel already gets *{safe(other.name)}*'s digest, and a "
                      f"channel gets one team's. Run `/headway team create {safe(name)}` in "
                      f"the new team's own channel (or in a DM with Headway, and `digest "
                      f"here {safe(name)}` later).")
    joined = ensure_digest_channel(req.client, req.channel_id) if in_channel else False
    workspace = store.workspaces.ensure(workspace_id, hw.now())
    try:
        team = store.teams.create(workspace_id, name, hw.now(), created_by=req.user_id,
                                  digest_channel=req.channel_id if in_channel else None,
                                  tz=zone_for(hw, workspace_id, req.caller),
                                  pack=workspace.pack)
    except TeamConflict as conflict:
        raise Refusal(f"Nothing changed: {safe(str(conflict))}.") from None
    return say.team_created(team, joined=joined)


def _team_rename(hw: Headway, req: Request) -> str:
    teams = hw.store.teams.of(req.workspace_id)
    try:
        team, new = read_rename(req.command.text or "", teams, channel=req.channel_id)
    except TeamChoice:
        raise Refusal(say.which_to_rename(teams)) from None
    except ValueError as exc:
        raise Refusal(str(exc)) from None
    if new == team.name:
        return say.renamed(team, team.name)
    try:
        renamed = hw.store.teams.update(req.workspace_id, team.id, name=new)
    except TeamConflict as conflict:
        raise Refusal(f"Nothing changed: {safe(str(conflict))}.") from None
    return say.renamed(renamed, team.name)


def _team_delete(hw: Headway, req: Request) -> str:
    """Delete the team named (never implied: a delete must say what it deletes). Its
    people in no other team are no longer asked; their answers stay."""
    team = team_of(hw, req, create_default=False)
    store = hw.store
    with store.atomic():
        people = store.teams.member_ids(team.id)
        problems = len(store.problems.of_team(req.workspace_id, team.id))
        store.teams.delete(req.workspace_id, team.id)
        alone = [uid for uid in people if not store.teams.of_member(req.workspace_id, uid)]
        for uid in alone:
            store.members.update(req.workspace_id, uid, hw.now(), active=False,
                                 inactive_reason="their team was deleted")
    return say.deleted(team, len(people), len(alone), problems)


def _team_lead(hw: Headway, req: Request) -> str:
    team = team_of(hw, req, create_default=False)
    adding = req.command.name == "team lead"
    wanted = req.command.users
    if adding:  # as `admins add`: only people Slack knows here
        users = users_by_id(req.client, set(wanted), list_all=False)
        unknown = [uid for uid in wanted if not is_person(uid, users.get(uid))]
        if unknown:
            raise Refusal(admin_replies.not_people(unknown))
    changed = [uid for uid in wanted
               if (hw.store.teams.add_lead(req.workspace_id, team.id, uid, req.user_id,
                                           hw.now())
                   if adding else hw.store.teams.remove_lead(team.id, uid))]
    return say.leads_changed(team, changed, hw.store.teams.leads(team.id), added=adding)


def _target(hw: Headway, req: Request) -> str:
    assert req.team is not None  # the lead check found it
    share = req.command.share if req.command.flag else None
    return say.target_set(hw.store.teams.update(req.workspace_id, req.team.id, target=share))


def _stats_team(hw: Headway, req: Request) -> str:
    """The named team's last 13 weeks; else this channel's team, the caller's first team,
    or the only one."""
    team = team_in_view(hw, req)
    period = period_of(hw.now(), team.tz)
    weeks = [*recent_periods(period, STATS_WEEKS - 1), period]
    return say.team_stats(team, hw.store.replies.week_shares(req.workspace_id, weeks,
                                                             team_id=team.id))


HANDLERS: dict[str, Handler] = {
    "teams": fast(_teams),
    "team create": slow(_team_create),
    "team rename": slow(_team_rename),
    "team delete": slow(_team_delete),
    "team lead": slow(_team_lead),
    "team lead remove": slow(_team_lead),
    "target": slow(_target),
    "stats team": fast(_stats_team),
}

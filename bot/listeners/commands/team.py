"""Who is in which team, as an admin or the team's lead decides: `team add
@people|#channel [to <team>]`, `team remove @people [from <team>]`."""

from __future__ import annotations

from bot.context import Headway
from bot.core.messages import admin_replies as say
from bot.listeners.commands.people import channel_members, is_person, users_by_id
from bot.listeners.commands.request import Handler, Request, slow
from bot.members import member_from_user
from bot.teams import enrol, unenrol


def _team_add(hw: Headway, req: Request) -> str:
    team = req.team
    assert team is not None  # the lead check found it
    workspace_id = req.workspace_id
    wanted = set(req.command.users)
    for channel in req.command.channels:
        wanted |= channel_members(req.client, channel)
    users = users_by_id(req.client, wanted, list_all=bool(req.command.channels))
    added = already = skipped = 0
    for uid in sorted(wanted):
        user = users.get(uid)
        if user is None or not is_person(uid, user):
            skipped += 1
            continue
        existing = hw.store.members.get(workspace_id, uid)
        with hw.store.atomic():
            hw.store.members.upsert(
                member_from_user(hw, workspace_id, user, existing, unpause=False), hw.now())
            if enrol(hw, team, uid, added_by=req.user_id):
                added += 1
            else:
                already += 1
    return say.team_added(team, added, already, skipped)


def _team_remove(hw: Headway, req: Request) -> str:
    team = req.team
    assert team is not None
    removed = left = 0
    not_in = []
    for uid in req.command.users:
        was_in, in_none = unenrol(hw, team, uid, reason="removed from every team")
        removed += was_in
        left += in_none
        if not was_in:
            not_in.append(uid)
    # Named back only if Headway knows them: an id typed by hand is repeated as no mention.
    known = [uid for uid in not_in if hw.store.members.get(req.workspace_id, uid)]
    return say.team_removed(team, removed, left, known, len(not_in) - len(known))


HANDLERS: dict[str, Handler] = {
    "team add": slow(_team_add),
    "team remove": slow(_team_remove),
}

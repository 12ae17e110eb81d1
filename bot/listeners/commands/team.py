"""Who Headway asks, as an admin decides: `team add @people|#channel`, `team remove
@people`."""

from __future__ import annotations

from bot.context import Headway
from bot.core.messages import admin_replies as say
from bot.listeners.commands.people import channel_members, is_person, users_by_id
from bot.listeners.commands.request import Handler, Request, slow
from bot.members import member_from_user


def _team_add(hw: Headway, req: Request) -> str:
    workspace_id = req.workspace_id
    wanted = set(req.command.users)
    for channel in req.command.channels:
        wanted |= channel_members(req.client, channel)
    users = users_by_id(req.client, wanted, list_all=bool(req.command.channels))
    added = skipped = 0
    for uid in sorted(wanted):
        user = users.get(uid)
        if user is None or not is_person(uid, user):
            skipped += 1
            continue
        existing = hw.store.members.get(workspace_id, uid)
        hw.store.members.upsert(
            member_from_user(hw, workspace_id, user, existing, unpause=False), hw.now())
        added += 1
    return say.team_added(added, skipped)


def _team_remove(hw: Headway, req: Request) -> str:
    removed = 0
    for uid in req.command.users:
        member = hw.store.members.get(req.workspace_id, uid)
        if member is not None and member.active:
            hw.store.members.update(req.workspace_id, uid, hw.now(), active=False,
                                inactive_reason="removed by an admin")
            removed += 1
    return say.team_removed(removed)


HANDLERS: dict[str, Handler] = {
    "team add": slow(_team_add),
    "team remove": slow(_team_remove),
}

"""The workspace's settings: `holidays` (everyone may list them), `holidays add|remove`,
`retention`; and a team's prompt pack, `prompts <pack> [for <team>]`."""

from __future__ import annotations

from bot.context import Headway
from bot.core.messages import admin_replies, member_replies
from bot.core.model import Workspace
from bot.core.zones import local_date
from bot.listeners.commands.request import Handler, Refusal, Request, fast, slow

_UTC_WORKSPACE = Workspace("-")


def _holidays(hw: Headway, req: Request) -> str:
    # Upcoming in the caller's calendar; someone not enrolled sees the workspace's.
    member = hw.store.members.get(req.workspace_id, req.user_id)
    tz = member.tz if member else (hw.store.workspaces.get(req.workspace_id)
                                   or _UTC_WORKSPACE).tz
    today = local_date(hw.now(), tz)
    return member_replies.holidays(hw.store.holidays.of(req.workspace_id, since=today))


def _holidays_add(hw: Headway, req: Request) -> str:
    days = list(req.command.dates)
    added = hw.store.holidays.add(req.workspace_id, days)
    return admin_replies.holidays_added(days, already=len(days) - added)


def _holidays_remove(hw: Headway, req: Request) -> str:
    return admin_replies.holidays_removed(
        hw.store.holidays.remove(req.workspace_id, list(req.command.dates)))


def _prompts(hw: Headway, req: Request) -> str:
    name = req.command.pack
    if name not in hw.packs:
        raise Refusal(admin_replies.no_such_pack(str(name), list(hw.packs)))
    assert req.team is not None  # the lead check found it
    team = hw.store.teams.update(req.workspace_id, req.team.id, pack=name)
    pack = hw.packs[name]
    return admin_replies.pack_set(team, pack.name, len(pack.prompts))


def _retention(hw: Headway, req: Request) -> str:
    hw.store.workspaces.update(req.workspace_id, retention_months=req.command.months)
    return admin_replies.retention_set(req.command.months)


HANDLERS: dict[str, Handler] = {
    "holidays": fast(_holidays),
    "holidays add": slow(_holidays_add),
    "holidays remove": slow(_holidays_remove),
    "prompts": slow(_prompts),
    "retention": slow(_retention),
}

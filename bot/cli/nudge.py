"""`headway nudge --now`: every due-or-forced nudge of the current period, sent now (of one
team's people with `--team`)."""

from __future__ import annotations

import argparse

from bot.cli import runtime
from bot.cli.failures import FailureTally, UsageError
from bot.cli.slack_check import check_slack
from bot.config import ConfigError, Settings
from bot.store import Store


def nudge(settings: Settings, args: argparse.Namespace) -> int:
    """Prints what it did; failures are one line per kind, with a count (exit 1)."""
    if not settings.has_slack:
        raise ConfigError("SLACK_BOT_TOKEN is not set: `nudge --now` sends DMs through Slack")
    from bot.nudges import nudge_now

    hw = runtime.headway(settings)
    # The token first: a valid one ends its workspace's uninstall, which the checks below see.
    check_slack(hw, wait=0, doing="nothing was sent", verbose=args.verbose)
    workspace_id = args.workspace
    # `is not None`: an empty `--team ""` (a shell variable left empty) is refused, never
    # read as no --team at all, which would ask the whole workspace.
    if workspace_id or args.team is not None:
        workspace_id = runtime.workspace(hw.store, workspace_id)
    if args.user:
        _check_member(hw.store, workspace_id, args.user)
    user_ids = (_team_members(hw.store, workspace_id, args.team, args.user)
                if args.team is not None else None)
    with FailureTally(args.verbose) as tally:
        result = nudge_now(hw, workspace_id=workspace_id, user_id=args.user, user_ids=user_ids)
    print(f"nudges: {result.summary()}")
    tally.report()
    return 0 if not result.failed else 1


def _check_member(store: Store, workspace_id: str | None, user_id: str) -> None:
    """`--user` names an active member (of `--workspace`, if given): else nothing would be
    sent, and "sent 0" would hide the typo."""
    workspaces = ([workspace_id] if workspace_id
                  else [w.workspace_id for w in store.workspaces.all()])
    found = [m for w in workspaces if (m := store.members.get(w, user_id)) is not None]
    if any(m.active for m in found):
        return
    where = workspace_id or (", ".join(workspaces) if workspaces else "any workspace yet")
    why = (" any more (they left, or Slack deactivated them)" if found else
           ": check --user (a Slack user id such as U07ABC12); people join with "
           "`/headway join`")
    raise UsageError(f"{user_id} is not a member of {where}{why}")


def _team_members(store: Store, workspace_id: str, name: str, user_id: str | None) -> set[str]:
    """The people `--team` names (its members Headway asks now); a UsageError when there
    is nobody to ask, rather than a "sent 0" that hides a typo or an empty team."""
    [team] = runtime.teams(store, workspace_id, name)
    members = set(store.teams.member_ids(team.id))
    if user_id is not None and user_id not in members:
        raise UsageError(f"{user_id} is not in team {team.name}: leave out --user, or check "
                         f"it with `/headway teams`")
    if not members:
        raise UsageError(f"team {team.name} has nobody to ask yet: add people with "
                         f"`/headway team add @people to {team.name}`")
    return members

"""Keeping members in step with Slack: time zones that follow people who move, names (the
digest shows a renamed member under the new name, and mentions read as names), and
accounts deleted in Slack.

A zone enters Headway here (join, team add, `user_change`, the daily sweep) and is checked
against this machine's tzdata on the way in: Slack can send a zone newer than the host
knows, and storing it would only move the problem to every later read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.context import Headway
from bot.core.model import Member, Reply
from bot.core.text import name_mentions
from bot.core.zones import known_tz, resolve_tz

log = logging.getLogger(__name__)
# `user_change` events carry most changes; the daily sweep catches the ones missed while
# the bot was down or before the event was subscribed.


def display_name(user: dict[str, Any]) -> str:
    """The name Slack shows for a user object (`users.info`, `users.list`, `user_change`)."""
    profile = user.get("profile") or {}
    return str(profile.get("display_name") or profile.get("real_name") or user.get("real_name")
               or user.get("name") or user.get("id", ""))


def zone_for(hw: Headway, workspace_id: str,
        user: dict[str, Any], current: str | None = None) -> str:
    """The zone to store for a Slack user object: its `tz` when this machine knows it,
    else `current` (the member's stored zone, if known), else the workspace's, else UTC.

    An unknown zone is logged as a warning with ids only (the zone's name is Slack's, but
    the log says nothing a person wrote).
    """
    sent = user.get("tz")
    workspace = hw.store.workspaces.get(workspace_id)
    workspace_tz = workspace.tz if workspace else None
    if isinstance(sent, str) and sent and known_tz(sent) is None:
        chosen = resolve_tz(current, workspace_tz)
        log.warning("user %s of %s: Slack sent a time zone this machine's tzdata does not "
                    "know; using %s until it does", user.get("id"), workspace_id, chosen)
        return chosen
    return resolve_tz(sent if isinstance(sent, str) else None, current, workspace_tz)


def member_from_user(hw: Headway, workspace_id: str, user: dict[str, Any],
                     existing: Member | None, *, unpause: bool) -> Member:
    """The member to store when a Slack user object (`users.info`, `users.list`) joins or
    is added: active, under Slack's name, in a zone this machine knows (`zone_for`), with
    the settings `existing` (their stored row, if any) already had. `unpause`: the person
    asked to join, which ends their pause; an admin adding them leaves it.

    ValueError when the object names no user, or another user than `existing`.
    """
    user_id = user.get("id")
    if not isinstance(user_id, str) or not user_id:
        raise ValueError("a Slack user object without an id cannot become a member")
    if existing is not None and (existing.workspace_id, existing.user_id) != (workspace_id,
                                                                             user_id):
        raise ValueError(f"user {user_id} of {workspace_id} is not member "
                         f"{existing.user_id} of {existing.workspace_id}")
    base = existing or Member(workspace_id=workspace_id, user_id=user_id)
    return Member(
        workspace_id=workspace_id,
        user_id=user_id,
        tz=zone_for(hw, workspace_id, user, current=existing.tz if existing else None),
        days=base.days,
        nudge_time=base.nudge_time,
        paused_until=None if unpause else base.paused_until,
        anonymous=base.anonymous,
        active=True,
        name=display_name(user),
        quiet_hours=base.quiet_hours,
    )


def follow_user(hw: Headway, workspace_id: str, user: dict[str, Any]) -> bool:
    """Apply a Slack user object (from `user_change` or `users.list`); True if tz changed.

    A user Slack reports as deleted is deactivated at once, not after a failed DM.
    """
    tz = user.get("tz")
    user_id = user.get("id")
    if user_id and user.get("deleted"):
        deactivate_deleted(hw, workspace_id, str(user_id))
        return False
    if user_id:
        _follow_name(hw, workspace_id, str(user_id), user)
    if not tz or not user_id:
        return False
    member = hw.store.members.get(workspace_id, str(user_id))
    tz = zone_for(hw, workspace_id, user, current=member.tz if member else None)
    return hw.store.members.set_tz(workspace_id, str(user_id), tz, hw.now())


def _follow_name(hw: Headway, workspace_id: str, user_id: str, user: dict[str, Any]) -> None:
    # A user object with no name at all (display_name falls back to the id) must not
    # replace the name the digest shows.
    name = display_name(user)
    if name == user_id:
        return
    member = hw.store.members.get(workspace_id, user_id)
    if member is not None and name != member.name:
        hw.store.members.update(workspace_id, user_id, hw.now(), name=name)


def member_names(hw: Headway, workspace_id: str) -> dict[str, str]:
    """User id → the name Headway shows when someone mentions that member."""
    return {m.user_id: m.name for m in hw.store.members.of(workspace_id, active_only=False)
            if m.name}


def with_names(replies: Iterable[Reply], names: dict[str, str]) -> list[Reply]:
    """Replies whose mentions carry the members' current names (see `text.name_mentions`),
    so that every surface shows `@Ana` — under her new name once she is renamed."""
    if not names:
        return list(replies)
    return [replace(r, text=name_mentions(r.text, names),
                    items=tuple(replace(i, text=name_mentions(i.text, names)) for i in r.items))
            for r in replies]


def named(hw: Headway, workspace_id: str, replies: Iterable[Reply]) -> list[Reply]:
    """`with_names` with the workspace's members' names."""
    return with_names(replies, member_names(hw, workspace_id))


def deactivate_deleted(hw: Headway, workspace_id: str, user_id: str) -> bool:
    """Deactivate an active member whose Slack account was deleted; True if they were."""
    member = hw.store.members.get(workspace_id, user_id)
    if member is None or not member.active:
        return False
    hw.store.members.deactivate(workspace_id, user_id, "account_inactive", hw.now())
    log.info("member %s of %s: account deleted in Slack, deactivated", user_id, workspace_id)
    return True


def refresh_time_zones(hw: Headway, workspace_id: str) -> int | None:
    """The daily sweep (the scheduler says when, `bot.core.schedule.next_sweep`): members'
    zones from paginated `users.list` (Tier 2), not one `users.info` per member. Returns
    how many changed, None when it failed."""
    now = hw.now()
    enrolled = {m.user_id for m in hw.store.members.of(workspace_id)}
    if not enrolled:
        return 0
    changed = 0
    try:
        for page in hw.client_for(workspace_id).users_list(limit=200):
            for user in page.get("members", []):
                if user.get("id") not in enrolled:
                    continue
                if user.get("deleted"):
                    # Deactivated in Slack: stop asking now, not after a failed DM.
                    hw.store.members.deactivate(workspace_id, user["id"], "account_inactive", now)
                elif follow_user(hw, workspace_id, user):
                    changed += 1
    except SlackApiError as exc:
        log.warning("time zone refresh for %s failed (%s); trying again next tick",
                    workspace_id, exc.response.get("error"))
        return None
    return changed

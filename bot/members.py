"""Keeping members' time zones in step with Slack, so nudges follow people who move."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.context import Headway
from bot.core.schedule import validate_tz

log = logging.getLogger(__name__)

# `user_change` events carry most changes; the daily sweep catches the ones missed while
# the bot was down or before the event was subscribed.
TZ_REFRESH_EVERY = timedelta(hours=24)


def follow_user(hw: Headway, team_id: str, user: dict[str, Any]) -> bool:
    """Apply a Slack user object (from `user_change` or `users.list`); True if tz changed."""
    tz = user.get("tz")
    user_id = user.get("id")
    if not tz or not user_id:
        return False
    try:
        tz = validate_tz(str(tz))
    except ValueError:
        log.warning("user %s: Slack sent a time zone I do not know; keeping the old one",
                    user_id)
        return False
    return hw.store.set_member_tz(team_id, str(user_id), tz, hw.now())


def refresh_time_zones(hw: Headway, team_id: str) -> int | None:
    """Once a day per workspace: members' zones from paginated `users.list` (Tier 2), not
    one `users.info` per member. Returns how many changed, None when not due or it failed."""
    now = hw.now()
    last = hw.store.tz_refreshed_at(team_id)
    if last is not None and now - last < TZ_REFRESH_EVERY:
        return None
    enrolled = {m.user_id for m in hw.store.members(team_id)}
    if not enrolled:
        hw.store.set_tz_refreshed_at(team_id, now)
        return 0
    changed = 0
    try:
        for page in hw.client_for(team_id).users_list(limit=200):
            for user in page.get("members", []):
                if user.get("id") not in enrolled:
                    continue
                if user.get("deleted"):
                    # Deactivated in Slack: stop asking now, not after a failed DM.
                    hw.store.deactivate_member(team_id, user["id"], "account_inactive", now)
                elif follow_user(hw, team_id, user):
                    changed += 1
    except SlackApiError as exc:
        log.warning("time zone refresh for %s failed (%s); trying again next tick",
                    team_id, exc.response.get("error"))
        return None
    hw.store.set_tz_refreshed_at(team_id, now)
    return changed

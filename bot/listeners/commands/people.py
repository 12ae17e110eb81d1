"""The Slack profiles of the people a command names: a few by id, or everyone in some
channels, each read through Slack's pagination."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


def is_person(user_id: str, user: dict[str, Any] | None) -> bool:
    """An active human account Slack knows: not a bot, not deactivated, not Slackbot."""
    return not (user is None or user.get("is_bot") or user.get("deleted")
                or user_id == "USLACKBOT")


def channel_members(client: WebClient, channel: str) -> set[str]:
    found: set[str] = set()
    cursor = None
    while True:
        page = client.conversations_members(channel=channel, limit=1000, cursor=cursor)
        found.update(page["members"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return found


def users_by_id(client: WebClient, wanted: set[str], list_all: bool) -> dict[str, Any]:
    """Profiles for `wanted`: one paginated users.list for a channel, users.info for a few.
    Someone Slack does not know is left out."""
    if not list_all:
        out = {}
        for uid in wanted:
            try:
                out[uid] = client.users_info(user=uid)["user"]
            except SlackApiError as exc:
                if exc.response.get("error") != "user_not_found":
                    raise
        return out
    out, cursor = {}, None
    while True:
        page = client.users_list(limit=200, cursor=cursor)
        for user in page["members"]:
            if user["id"] in wanted:
                out[user["id"]] = user
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return out

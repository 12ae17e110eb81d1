"""Events: a plain DM reply to Headway, App Home being opened, a member's profile changing."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.context import Headway
from bot.core.text import from_slack
from bot.home import publish_home
from bot.members import follow_user
from bot.replies import NotEnrolled, confirm, record_answer

log = logging.getLogger(__name__)

# Message subtypes that are not a person writing to us (edits, joins, bot posts …).
_IGNORED_SUBTYPES = {"message_changed", "message_deleted", "bot_message", "channel_join",
                     "message_replied", "thread_broadcast"}


def register(app: App, hw: Headway) -> None:
    @app.event("message")
    def direct_message(event: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return
        if event.get("subtype") in _IGNORED_SUBTYPES or event.get("subtype") not in (None,
                                                                                   "file_share"):
            return
        text = from_slack(event.get("text") or "").strip()  # Slack escapes &, <, >
        user_id = event.get("user")
        team_id = context.get("team_id") or event.get("team")
        if not text or not user_id or not team_id:
            return
        try:
            stored = record_answer(hw, team_id, user_id, text, source="dm")
        except NotEnrolled:
            client.chat_postMessage(
                channel=event["channel"],
                text="I only keep answers from Headway members. Type `/headway join` to "
                     "start, then reply to my weekly question here.",
            )
            return
        confirm(hw, client, stored, event["channel"])

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        publish_home(hw, client, context["team_id"], event["user"])

    @app.event("user_change")
    def user_changed(event: dict[str, Any], context: dict[str, Any]) -> None:
        # A member who moves (or travels, with automatic time zone on) is nudged at the new
        # local time from the next occurrence on.
        user = event.get("user") or {}
        team_id = context.get("team_id") or user.get("team_id")
        if team_id and follow_user(hw, team_id, user):
            log.info("member %s moved to another time zone", user.get("id"))

    @app.event("app_uninstalled")
    def uninstalled(context: dict[str, Any]) -> None:
        _stop_serving(hw, context.get("team_id"))

    @app.event("tokens_revoked")
    def tokens_revoked(event: dict[str, Any], context: dict[str, Any]) -> None:
        # Only the bot token matters: Headway asks for no user tokens.
        if (event.get("tokens") or {}).get("bot"):
            _stop_serving(hw, context.get("team_id"))


def _stop_serving(hw: Headway, team_id: str | None) -> None:
    """No more nudges or digests for the workspace; its tokens are dropped and its data
    is purged once the documented retention period has passed (see README, Privacy)."""
    if not team_id:
        return
    if hw.installations is not None:
        hw.installations.forget(team_id)
    hw.store.mark_uninstalled(team_id, hw.now())
    log.info("workspace %s uninstalled Headway: stopped serving it", team_id)

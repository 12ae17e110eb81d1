"""Events: a DM reply to Headway (new, edited, deleted, in a thread, with a file), App Home
being opened, a member's profile changing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from slack_bolt import App
from slack_sdk import WebClient

from bot.context import Headway
from bot.core.text import from_slack
from bot.home import publish_home
from bot.members import follow_user
from bot.replies import (
    SlackMessage,
    on_deleted_message,
    on_edited_message,
    on_new_message,
)

log = logging.getLogger(__name__)

# `message` subtypes that are a member writing to Headway: a plain message, a file with an
# optional caption, a thread reply also sent to the conversation. Edits and deletions are
# handled apart; everything else (joins, bot posts …) is not a person answering.
_NEW_MESSAGE_SUBTYPES = {None, "file_share", "thread_broadcast"}


@dataclass(frozen=True)
class DmEvent:
    kind: Literal["new", "edit", "delete"]
    message: SlackMessage


def parse_dm(event: dict[str, Any]) -> DmEvent | None:
    """A `message` event in Headway's DM, as a new, edited or deleted member message;
    None for anything else (other conversations, bots, subtypes Headway ignores).

    Shapes: a new message carries `user`, `text`, `ts` (and `thread_ts` in a thread, `files`
    for a file share); `message_changed` carries the edited `message` (its original `ts`,
    `edited.ts`) and `previous_message`; `message_deleted` carries `deleted_ts` and
    `previous_message`.
    """
    channel = event.get("channel")
    if event.get("channel_type") != "im" or not channel or event.get("bot_id"):
        return None
    subtype = event.get("subtype")
    previous = event.get("previous_message") or {}
    if subtype == "message_deleted":
        ts = event.get("deleted_ts") or previous.get("ts")
        if not ts or previous.get("bot_id"):
            return None
        return DmEvent("delete", SlackMessage(channel, ts, previous.get("user") or "", ""))
    if subtype == "message_changed":
        kind: Literal["new", "edit"] = "edit"
        message = event.get("message") or {}
        ts = message.get("ts") or previous.get("ts")
    elif subtype in _NEW_MESSAGE_SUBTYPES:
        kind, message, ts = "new", event, event.get("ts")
    else:
        return None
    user_id = message.get("user")
    if not user_id or not ts or message.get("bot_id") or message.get("subtype") == "bot_message":
        return None
    # Slack escapes &, < and > in message text: store what the member typed.
    text = from_slack(message.get("text") or "").strip()
    return DmEvent(kind, SlackMessage(
        channel=channel, ts=ts, user_id=user_id, text=text,
        thread_ts=message.get("thread_ts") if message.get("thread_ts") != ts else None,
        edited_ts=(message.get("edited") or {}).get("ts") if kind == "edit" else None,
        has_files=bool(message.get("files")),
    ))


def register(app: App, hw: Headway) -> None:
    @app.event("message")
    def direct_message(event: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
        dm = parse_dm(event)
        workspace_id = context.get("team_id") or event.get("team")
        if dm is None or not workspace_id:
            return
        msg = dm.message
        if dm.kind == "new":
            on_new_message(hw, client, workspace_id, msg)
        elif dm.kind == "edit":
            on_edited_message(hw, client, workspace_id, msg)
        else:
            on_deleted_message(hw, client, workspace_id, msg.channel, msg.ts, msg.user_id)

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
        workspace_id = context.get("team_id") or user.get("team_id")
        if workspace_id and follow_user(hw, workspace_id, user):
            log.info("member %s moved to another time zone", user.get("id"))

    @app.event("app_uninstalled")
    def uninstalled(context: dict[str, Any]) -> None:
        _stop_serving(hw, context.get("team_id"))

    @app.event("tokens_revoked")
    def tokens_revoked(event: dict[str, Any], context: dict[str, Any]) -> None:
        # Only the bot token matters: Headway asks for no user tokens.
        if (event.get("tokens") or {}).get("bot"):
            _stop_serving(hw, context.get("team_id"))


def _stop_serving(hw: Headway, workspace_id: str | None) -> None:
    """No more nudges or digests for the workspace; its tokens are dropped and its data
    is purged once the documented retention period has passed (see README, Privacy)."""
    if not workspace_id:
        return
    if hw.installations is not None:
        hw.installations.forget(workspace_id)
    hw.store.workspaces.mark_uninstalled(workspace_id, hw.now())
    hw.forget_workspace(workspace_id)
    log.info("workspace %s uninstalled Headway: stopped serving it", workspace_id)

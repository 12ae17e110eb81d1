"""The answer modal's submission."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.context import Headway
from bot.core import messages
from bot.replies import MAX_REPLY_CHARS, NotEnrolled, confirm, record_answer


def register(app: App, hw: Headway) -> None:
    @app.view(messages.ANSWER_VIEW)
    def answer_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                         client: WebClient) -> None:
        value = (
            view.get("state", {}).get("values", {}).get(messages.ANSWER_BLOCK, {})
            .get(messages.ANSWER_INPUT, {}).get("value")
        ) or ""
        if not value.strip():
            ack(response_action="errors",
                errors={messages.ANSWER_BLOCK: "Write at least a few words, or press Cancel."})
            return
        if len(value) > MAX_REPLY_CHARS:
            ack(response_action="errors",
                errors={messages.ANSWER_BLOCK: f"Keep it under {MAX_REPLY_CHARS} characters."})
            return
        try:
            nudge_id = int(view.get("private_metadata") or "")
        except ValueError:
            nudge_id = None
        workspace_id = (body.get("team") or {}).get("id") or view.get("team_id")
        user_id = body["user"]["id"]
        ack()
        try:
            stored = record_answer(hw, workspace_id, user_id, value, source="modal",
                                   nudge_id=nudge_id)
        except NotEnrolled:
            return
        channel = stored.nudge.channel if stored.nudge and stored.nudge.channel else user_id
        confirm(hw, client, stored, channel)

"""Modal submissions: the answer form, and the edit form opened from App Home or
`/headway history`."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.context import Headway
from bot.core import messages
from bot.core.messages.edit import EditForm
from bot.home import publish_home
from bot.listeners.commands.my_answers import history_answer
from bot.replies import (
    MAX_REPLY_CHARS,
    NotEnrolled,
    apply_form_edit,
    confirm,
    record_answer,
    refuse_form_edit,
)

log = logging.getLogger(__name__)


def _typed(view: dict[str, Any]) -> str:
    """The form's text as the member typed it (modal values arrive raw, not escaped)."""
    return (
        view.get("state", {}).get("values", {}).get(messages.ANSWER_BLOCK, {})
        .get(messages.ANSWER_INPUT, {}).get("value")
    ) or ""


def _form_problem(value: str) -> str | None:
    if not value.strip():
        return "Write at least a few words, or press Cancel."
    if len(value) > MAX_REPLY_CHARS:
        return f"Keep it under {MAX_REPLY_CHARS} characters."
    return None


def register(app: App, hw: Headway) -> None:
    @app.view(messages.ANSWER_VIEW)
    def answer_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                         client: WebClient) -> None:
        value = _typed(view)
        if problem := _form_problem(value):
            ack(response_action="errors", errors={messages.ANSWER_BLOCK: problem})
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

    @app.view(messages.EDIT_VIEW)
    def edit_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                       client: WebClient) -> None:
        value = _typed(view)
        workspace_id = (body.get("team") or {}).get("id") or view.get("team_id")
        user_id = body["user"]["id"]
        form = EditForm.decode(view.get("private_metadata"))
        # Database reads only before the ack: the form shows why, and keeps what was typed.
        problem = _form_problem(value) or refuse_form_edit(hw, workspace_id, user_id, form)
        if problem or form is None:
            ack(response_action="errors", errors={messages.ANSWER_BLOCK: problem})
            return
        ack()
        if apply_form_edit(hw, client, workspace_id, user_id, form, value) is None:
            return
        if form.origin == "home":
            publish_home(hw, client, workspace_id, user_id)
        elif form.response_url:
            _redraw_history(hw, workspace_id, user_id, form.response_url)


def _redraw_history(hw: Headway, workspace_id: str, user_id: str, response_url: str) -> None:
    """The `/headway history` message the edit started from, shown again with the edit
    (through its response_url; Slack allows that for 30 minutes, so later it stays as it
    was: the confirmation DM already says what changed)."""
    answer = history_answer(hw, workspace_id, user_id)
    fields = answer if isinstance(answer, dict) else {"text": answer}
    try:
        resp = WebhookClient(response_url).send(replace_original=True, **fields)
    except Exception as exc:  # the history message is a courtesy; the edit is stored
        log.warning("could not redraw the history message: %s", type(exc).__name__)
        return
    if resp.status_code != 200:
        log.warning("could not redraw the history message: HTTP %s", resp.status_code)

"""Buttons: Answer / Skip / Snooze on a nudge and the effort question under it, label
fixes, Edit beside an answer (App Home, `/headway history`), and the forget-me
confirmation."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.context import Headway
from bot.core import messages
from bot.core.edits import EDITABLE_WEEKS, period_in_reach
from bot.core.messages import forget as forget_replies
from bot.core.messages.effort import with_effort_answer
from bot.core.model import LABELS, Nudge, Prompt
from bot.core.periods import period_of
from bot.home import publish_home
from bot.members import named
from bot.nudges import SNOOZE
from bot.replies import edit_form_view

log = logging.getLogger(__name__)
LABEL_ACTION = re.compile(
    rf"^(?:{messages.FLIP}|{messages.ANSWER_LABEL})(?:_(?:{'|'.join(LABELS)}))?$")
EFFORT_CHOICE_OF = {action_id: choice for choice, action_id in messages.EFFORT_ACTIONS.items()}
EFFORT_ACTION = re.compile(f"^(?:{'|'.join(map(re.escape, EFFORT_CHOICE_OF))})$")
EFFORT_TOO_OLD = (f"That question is from more than {EDITABLE_WEEKS} weeks ago: its answers "
                  f"can no longer change.")


def _own_nudge(hw: Headway, body: dict[str, Any]) -> Nudge | None:
    """The nudge a button names, only if it belongs to the person who clicked."""
    try:
        nudge_id = int(body["actions"][0]["value"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    nudge = hw.store.nudges.get(nudge_id)
    workspace_id = (body.get("team") or {}).get("id")
    if nudge is None or nudge.workspace_id != workspace_id or nudge.user_id != body["user"]["id"]:
        return None
    return nudge


def _container(body: dict[str, Any]) -> tuple[str | None, str | None]:
    c = body.get("container") or {}
    return c.get("channel_id"), c.get("message_ts")


NudgeHandler = Callable[[Nudge, dict[str, Any], WebClient], None]


def _nudge_button(app: App, hw: Headway, action_id: str
                  ) -> Callable[[NudgeHandler], NudgeHandler]:
    """Registers a button on a nudge (Answer / Skip / Snooze): the click is acked at once,
    and the handler runs only for a nudge that belongs to the member who clicked."""
    def decorate(handle: NudgeHandler) -> NudgeHandler:
        @app.action(action_id)
        def on_click(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            nudge = _own_nudge(hw, body)
            if nudge is not None:
                handle(nudge, body, client)
        return handle
    return decorate


def _prompt_of(hw: Headway, nudge: Nudge) -> Prompt | None:
    return hw.prompt_for(nudge.workspace_id, nudge.user_id, nudge.prompt_id)


def register(app: App, hw: Headway) -> None:
    @_nudge_button(app, hw, messages.ANSWER)
    def answer(nudge: Nudge, body: dict[str, Any], client: WebClient) -> None:
        prompt = _prompt_of(hw, nudge)
        if prompt is None:
            return
        # trigger_id lives ~3 s: open the modal before anything slow.
        try:
            client.views_open(trigger_id=body["trigger_id"],
                              view=messages.answer_modal(prompt, nudge.period, nudge.id))
        except SlackApiError as exc:  # e.g. expired_trigger_id when Slack was slow
            log.warning("could not open the answer modal: %s", exc.response.get("error"))

    @_nudge_button(app, hw, messages.SKIP)
    def skip(nudge: Nudge, body: dict[str, Any], client: WebClient) -> None:
        hw.store.nudges.skip_period(nudge.workspace_id, nudge.user_id, nudge.period, hw.now())
        _close(hw, client, body, nudge, "skipped — see you next week")

    @_nudge_button(app, hw, messages.SNOOZE)
    def snooze(nudge: Nudge, body: dict[str, Any], client: WebClient) -> None:
        hw.store.nudges.snooze(nudge.id, hw.now() + SNOOZE)
        # The effort question stays: it can be answered before the question comes back.
        _close(hw, client, body, nudge, "snoozed: I'll ask again in 2 hours", effort=True)

    # The effort question under the work question: one tap stores (or changes) the
    # member's answer for the nudge's week and redraws only that question in the clicked
    # message (the nudge, open or answered, or its reminder), marking the chosen answer.
    # The same tap again changes nothing stored.
    @app.action(EFFORT_ACTION)
    def effort(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        nudge = _own_nudge(hw, body)
        prompt = _prompt_of(hw, nudge) if nudge else None
        choice = EFFORT_CHOICE_OF.get(body["actions"][0].get("action_id", ""))
        if nudge is None or prompt is None or prompt.kind != "work" or choice is None:
            return
        member = hw.store.members.get(nudge.workspace_id, nudge.user_id)
        if not period_in_reach(nudge.period, period_of(hw.now(), member.tz if member
                                                       else "UTC")):
            if body.get("response_url"):  # a message's button always has one
                respond(response_type="ephemeral", replace_original=False,
                        text=EFFORT_TOO_OLD)
            return
        hw.store.efforts.answer(nudge.workspace_id, nudge.user_id, nudge.period, choice,
                                hw.now())
        message = body.get("message") or {}
        channel, ts = _container(body)
        blocks = with_effort_answer(message.get("blocks") or [], nudge.id, choice)
        if blocks is None or not channel or not ts:
            log.info("effort answer of nudge %s stored; the clicked message was not "
                     "redrawn (no effort question in it)", nudge.id)
            return
        _update_quietly(client, channel, ts, message.get("text") or prompt.text, blocks)

    # Edit beside an answer, in App Home or in `/headway history`'s message: the form
    # with the answer filled in (or why it cannot be edited there).
    @app.action(messages.EDIT_ANSWER)
    def edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            reply_id = int(body["actions"][0]["value"])
        except (KeyError, IndexError, TypeError, ValueError):
            return
        in_home = (body.get("view") or {}).get("type") == "home"
        view = edit_form_view(hw, body["team"]["id"], body["user"]["id"], reply_id,
                              "home" if in_home else "history",
                              None if in_home else body.get("response_url"))
        # trigger_id lives ~3 s: only database reads came before this.
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:
            log.warning("could not open the edit form: %s", exc.response.get("error"))

    # Every label button: a fix ("label_flip_<label>", and plain "label_flip" on
    # confirmations sent before `none` existed) and an unsure item's answers
    # ("label_answer_<label>"). The value names the item and the label to set.
    @app.action(LABEL_ACTION)
    def set_label(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        workspace_id, user_id = body["team"]["id"], body["user"]["id"]
        try:
            item_id_text, label = body["actions"][0]["value"].split(":")
            item_id = int(item_id_text)
        except (KeyError, IndexError, TypeError, ValueError):
            return
        found = hw.store.replies.get_item(workspace_id, item_id)
        if found is None or found[1] != user_id or label not in LABELS:
            return  # only the author relabels their own items
        item, _author = found
        if item.label != label or item.label_source != "user":
            # A fix, or the answer to "progress or keeping the lights on?" — confirming
            # Headway's own guess too: either way the label is now the member's, and it
            # teaches the workspace's classifier.
            hw.store.replies.correct_item(workspace_id, item_id, user_id, label, hw.now())
        if (body.get("view") or {}).get("type") == "home":
            publish_home(hw, client, workspace_id, user_id)
            return
        reply = hw.store.replies.get_by_item(workspace_id, item_id)
        channel, ts = _container(body)
        if reply is None or not channel or not ts:
            return
        prompt = hw.prompt_for(workspace_id, reply.user_id, reply.prompt_id)
        [reply] = named(hw, workspace_id, [reply])
        text, blocks = messages.confirmation_blocks(prompt.text if prompt else "", reply)
        _update_quietly(client, channel, ts, text, blocks)

    @app.action(messages.FORGET_CONFIRM)
    def forget(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        counts = hw.store.members.forget(body["team"]["id"], body["user"]["id"])
        respond(replace_original=True, text=forget_replies.forgotten(counts))

    @app.action(messages.FORGET_CANCEL)
    def keep(ack: Ack, respond: Respond) -> None:
        ack()
        respond(replace_original=True, text=forget_replies.KEPT)


def _close(hw: Headway, client: WebClient, body: dict[str, Any], nudge: Nudge,
           note: str, *, effort: bool = False) -> None:
    """Redraw the clicked nudge without its buttons; with `effort`, a work question keeps
    the effort question (and the member's answer to it)."""
    channel, ts = _container(body)
    prompt = _prompt_of(hw, nudge)
    if not channel or not ts or prompt is None:
        return
    kept = {}
    if effort:
        kept = {"nudge_id": nudge.id,
                "effort": hw.store.efforts.get(nudge.workspace_id, nudge.user_id, nudge.period)}
    _update_quietly(client, channel, ts, prompt.text,
                    messages.nudge_closed_blocks(prompt, nudge.period, note, **kept))


def _update_quietly(client: WebClient, channel: str, ts: str, text: str,
                    blocks: list[dict[str, Any]]) -> None:
    """Redraw the clicked message. What the click meant is already stored: if the message
    is gone (deleted, or a forged click names another one), that is not an error."""
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("could not update the clicked message: %s", exc.response.get("error"))

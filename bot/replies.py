"""Turning a member's answer (DM, modal or command) into a stored, labelled reply, and
following the DM message it came from: redelivered, edited, deleted, in a nudge's thread.

A reply made from a Slack message is tied to that message (channel, ts) by a unique key in
the store. That key is what makes Slack's redeliveries harmless: of any number of
deliveries of one message, handled one after another or at once, exactly one stores a
reply and sends a confirmation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.context import Headway
from bot.core import messages
from bot.core.edits import (
    adopts_unstored_edit,
    carry_over,
    fingerprint,
    is_newer_edit,
    why_not_editable,
)
from bot.core.items import split_items
from bot.core.labelling import label_answer
from bot.core.messages import edit as edit_messages
from bot.core.messages.edit import EditForm
from bot.core.model import Item, Nudge, Prompt, Reply
from bot.core.periods import period_of
from bot.members import named

log = logging.getLogger(__name__)

MAX_REPLY_CHARS = 40_000  # Slack's own message limit; the store keeps every character
# An edit and a concurrent change of the same reply: how often to re-read and try again.
EDIT_ATTEMPTS = 3

JOIN_NOTE = ("I only keep answers from Headway members. Type `/headway join` to start, then "
             "reply to my weekly question here.")
GREETING_NOTE = ("Hi! I keep an answer once it names some work: reply here with what you "
                 "moved forward this week, one line per thing.")
FILE_NOTE = ("I read text only, so I can't use a file on its own. Type your answer here as a "
             "message (one line per thing), or add a caption when you share a file.")


@dataclass(frozen=True)
class Stored:
    reply: Reply
    prompt: Prompt
    nudge: Nudge | None


@dataclass(frozen=True)
class SlackMessage:
    """A member's DM message as a `message` event gives it: a new message, or the new
    state of an edited one (then `ts` is the original message's, `edited_ts` the edit's)."""

    channel: str
    ts: str
    user_id: str
    text: str
    thread_ts: str | None = None
    edited_ts: str | None = None
    has_files: bool = False


class NotEnrolled(Exception):
    """The person is not a Headway member of this workspace."""


class NotAnAnswer(Exception):
    """A DM that is only greetings, thanks or mentions ("hi @Headway", "thanks!"): not
    stored, so it neither closes the question nor counts as answering. (A recognition
    answer may be a mention alone: "@Ana" is kept.)"""


def _prepare(hw: Headway, workspace_id: str, user_id: str, text: str,
             nudge_id: int | None) -> tuple[Reply, Prompt, Nudge | None]:
    store = hw.store
    member = store.members.get(workspace_id, user_id)
    if member is None or not member.active:
        raise NotEnrolled(user_id)
    pack = hw.pack_for(store.workspaces.get(workspace_id), user_id)

    nudge = store.nudges.get(nudge_id) if nudge_id is not None else None
    if nudge is not None and (nudge.workspace_id != workspace_id or nudge.user_id != user_id):
        nudge = None  # a button value naming someone else's nudge: ignore it
    if nudge is None and nudge_id is None:
        nudge = store.nudges.newest_open(workspace_id, user_id)

    prompt = pack.get(nudge.prompt_id) if nudge else None
    if prompt is None:
        prompt = pack.work_prompt
    period = nudge.period if nudge else period_of(hw.now(), member.tz)

    items = label_answer(text, prompt.kind, store.replies.corrections(workspace_id))
    reply = Reply(
        workspace_id=workspace_id,
        user_id=user_id,
        prompt_id=prompt.id,
        kind=prompt.kind,
        period=period,
        text=text,
        items=items,
        anonymous=member.anonymous,
    )
    return reply, prompt, nudge


def record_answer(
    hw: Headway,
    workspace_id: str,
    user_id: str,
    text: str,
    *,
    source: str,
    nudge_id: int | None = None,
) -> Stored:
    """Store `text` as the answer to a nudge.

    A modal names its nudge; a plain DM is attached to the newest open nudge, or failing
    that taken as this week's answer to the `work` prompt.
    """
    reply, prompt, nudge = _prepare(hw, workspace_id, user_id, text, nudge_id)
    saved = hw.store.replies.add(reply, source=source, now=hw.now(),
                               nudge_id=nudge.id if nudge else None)
    return Stored(reply=saved, prompt=prompt, nudge=nudge)


def record_message_answer(hw: Headway, workspace_id: str, msg: SlackMessage) -> Stored | None:
    """Store a DM message as an answer, tied to the message; None when that message was
    handled before (a redelivery) or deleted: then nothing may be sent either.

    A reply in the thread of one of the member's nudges answers that nudge; any other
    message answers the newest open nudge, as `record_answer` does.
    """
    nudge = (hw.store.nudges.at(workspace_id, msg.user_id, msg.channel, msg.thread_ts)
             if msg.thread_ts else None)
    reply, prompt, nudge = _prepare(hw, workspace_id, msg.user_id, msg.text,
                                    nudge.id if nudge else None)
    if prompt.kind != "recognition" and not split_items(msg.text):
        raise NotAnAnswer(msg.ts)
    saved = hw.store.replies.add_from_message(
        reply, channel=msg.channel, ts=msg.ts, source="dm", now=hw.now(),
        nudge_id=nudge.id if nudge else None, edited_ts=msg.edited_ts)
    return None if saved is None else Stored(reply=saved, prompt=prompt, nudge=nudge)


def confirm(hw: Headway, client: WebClient, stored: Stored, channel: str,
            thread_ts: str | None = None) -> None:
    """Tell the member what was stored and how each item was labelled; close the nudge."""
    [reply] = named(hw, stored.reply.workspace_id, [stored.reply])
    text, blocks = messages.confirmation_blocks(stored.prompt.text, reply)
    extra = {"thread_ts": thread_ts} if thread_ts else {}
    resp = client.chat_postMessage(channel=channel, text=text, blocks=blocks, **extra)
    if stored.reply.id is not None:
        hw.store.replies.set_confirmation(stored.reply.id, resp["channel"], resp["ts"])
        _catch_up(hw, client, stored, resp["channel"], resp["ts"])
    nudge = stored.nudge
    if nudge is not None and nudge.channel and nudge.ts:
        effort = hw.store.efforts.get(nudge.workspace_id, nudge.user_id, nudge.period)
        client.chat_update(
            channel=nudge.channel,
            ts=nudge.ts,
            text=stored.prompt.text,
            blocks=messages.nudge_closed_blocks(stored.prompt, nudge.period, "answered — thanks!",
                                                nudge_id=nudge.id, effort=effort),
        )


def _catch_up(hw: Headway, client: WebClient, stored: Stored, channel: str, ts: str) -> None:
    """An edit or deletion that landed between storing the reply and recording where its
    confirmation is found no confirmation to update: bring it up to date here. (The edit
    re-reads the location after its own commit, so one of the two always sees the other.)"""
    assert stored.reply.id is not None
    now = hw.store.replies.get(stored.reply.workspace_id, stored.reply.id)
    if now is None:
        text, blocks = messages.removed_confirmation_blocks(stored.prompt.text,
                                                            stored.reply.period)
    elif now.text != stored.reply.text:
        [now] = named(hw, now.workspace_id, [now])
        text, blocks = messages.confirmation_blocks(stored.prompt.text, now, edited=True)
    else:
        return
    _update_quietly(client, channel, ts, text, blocks)


# ── what a DM message event does ─────────────────────────────────────────────


def on_new_message(hw: Headway, client: WebClient, workspace_id: str, msg: SlackMessage) -> None:
    """A member wrote in Headway's DM: store it as an answer and confirm, once."""
    if not msg.text.strip():
        if msg.has_files:
            member = hw.store.members.get(workspace_id, msg.user_id)
            _note(hw, client, workspace_id, msg,
                  FILE_NOTE if member is not None and member.active else JOIN_NOTE)
        return
    try:
        stored = record_message_answer(hw, workspace_id, msg)
    except NotEnrolled:
        _note(hw, client, workspace_id, msg, JOIN_NOTE)
        return
    except NotAnAnswer:
        _note(hw, client, workspace_id, msg, GREETING_NOTE)
        return
    if stored is None:
        _nothing_to_do("message", msg, "already handled (a redelivery)")
        return
    in_thread = msg.thread_ts if stored.nudge and stored.nudge.ts == msg.thread_ts else None
    confirm(hw, client, stored, msg.channel, thread_ts=in_thread)


def on_edited_message(hw: Headway, client: WebClient, workspace_id: str,
                      msg: SlackMessage) -> None:
    """The member edited a DM message: the stored reply follows it.

    Lines left as they were keep their items (label, correction, fix button); new lines
    are labelled; removed lines go. The confirmation DM is updated in place. An edit that
    leaves no text removes the answer, as deleting the message does. An edit of a message
    Headway never stored is taken as a new answer only within `ADOPT_UNSTORED_WITHIN` of
    the message (see bot.core.edits); otherwise nothing happens.
    """
    store = hw.store
    for _ in range(EDIT_ATTEMPTS):
        found = store.replies.from_message(workspace_id, msg.channel, msg.ts)
        if found is None:
            if not msg.text.strip() or not adopts_unstored_edit(msg.ts, hw.now()):
                _nothing_to_do("edit", msg, "of a message Headway never stored")
                return
            try:
                stored = record_message_answer(hw, workspace_id, msg)
            except NotEnrolled:
                # No "join first" note for an edit: the message itself already got one.
                _nothing_to_do("edit", msg, "by someone who is not a member")
                return
            except NotAnAnswer:
                _nothing_to_do("edit", msg, "with nothing in it that reads as work")
                return
            if stored is None:
                continue  # stored (or deleted) meanwhile: decide again on what is there
            in_thread = (msg.thread_ts if stored.nudge and stored.nudge.ts == msg.thread_ts
                         else None)
            confirm(hw, client, stored, msg.channel, thread_ts=in_thread)
            return
        if found.reply.user_id != msg.user_id or not is_newer_edit(msg.edited_ts,
                                                                   found.edited_ts):
            _nothing_to_do("edit", msg, "older than the one applied (or not the author's)")
            return
        if not msg.text.strip():
            on_deleted_message(hw, client, workspace_id, msg.channel, msg.ts, msg.user_id)
            return
        if msg.text == found.reply.text:
            # a redelivered edit, or Slack saying only the thread's replies changed
            _nothing_to_do("edit", msg, "leaves the text as stored")
            return
        edited = store.replies.edit(found, msg.text, relabel(hw, found.reply, msg.text),
                                    msg.edited_ts)
        if edited is None:
            continue  # another edit or a deletion won the race: look again
        _confirm_edit(hw, client, workspace_id, edited)
        return
    log.warning("edit of message %s/%s not applied: it kept changing", msg.channel, msg.ts)


def on_deleted_message(hw: Headway, client: WebClient, workspace_id: str, channel: str, ts: str,
                       user_id: str) -> None:
    """The member deleted a DM message: its reply and items go, the confirmation says so,
    and the nudge it answered (if nothing else answers it) is open again."""
    deleted = hw.store.replies.delete_from_message(workspace_id, channel, ts, user_id, hw.now())
    if deleted is None:
        log.info("deletion of message %s/%s: no answer stored for it (or a redelivery)",
                 channel, ts)
        return
    removed = deleted.removed
    prompt = hw.prompt_for(workspace_id, user_id, removed.reply.prompt_id)
    if removed.confirm_channel and removed.confirm_ts:
        text, blocks = messages.removed_confirmation_blocks(prompt.text if prompt else "",
                                                            removed.reply.period)
        _update_quietly(client, removed.confirm_channel, removed.confirm_ts, text, blocks)
    nudge = deleted.reopened
    nudge_prompt = hw.prompt_for(workspace_id, user_id, nudge.prompt_id) if nudge else None
    if nudge is not None and nudge_prompt is not None and nudge.channel and nudge.ts:
        again = messages.nudge_message(
            nudge_prompt, nudge.period, nudge.id, nudge.workspace_id, nudge.user_id,
            effort=hw.store.efforts.get(nudge.workspace_id, nudge.user_id, nudge.period))
        _update_quietly(client, nudge.channel, nudge.ts, again.text, again.blocks)


def relabel(hw: Headway, reply: Reply, text: str) -> tuple[Item, ...]:
    """The items of `reply` edited to `text`, whichever way it was edited (in Slack, in
    Headway's form): new lines labelled afresh (with the workspace's corrections), lines
    left as they were keeping their stored items (`edits.carry_over`)."""
    fresh = label_answer(text, reply.kind, hw.store.replies.corrections(reply.workspace_id))
    return carry_over(reply.items, fresh)


def _confirm_edit(hw: Headway, client: WebClient, workspace_id: str, reply: Reply, *,
                  post_if_missing: bool = False) -> None:
    """Update the reply's confirmation DM in place to show the edit; with
    `post_if_missing`, post one when the reply has none (an answer stored without a
    confirmation: the demo's, or one whose confirmation never reached Slack)."""
    assert reply.id is not None
    # Read the location after the edit committed: see `_catch_up` for the other side.
    found = hw.store.replies.get(workspace_id, reply.id)
    where = hw.store.replies.confirmation_of(workspace_id, reply.id)
    if found is None or (where is None and not post_if_missing):
        return
    prompt = hw.prompt_for(workspace_id, reply.user_id, reply.prompt_id)
    [found] = named(hw, workspace_id, [found])
    text, blocks = messages.confirmation_blocks(prompt.text if prompt else "", found,
                                                edited=True)
    if where is not None:
        _update_quietly(client, where[0], where[1], text, blocks)
        return
    resp = client.chat_postMessage(channel=reply.user_id, text=text, blocks=blocks)
    hw.store.replies.set_confirmation(reply.id, resp["channel"], resp["ts"])


# ── edits from Headway's own form (App Home, `/headway history`) ─────────────


def _current_period(hw: Headway, workspace_id: str, user_id: str) -> str:
    member = hw.store.members.get(workspace_id, user_id)
    return period_of(hw.now(), member.tz if member else "UTC")


def edit_form_view(hw: Headway, workspace_id: str, user_id: str, reply_id: int,
                   origin: str, response_url: str | None = None) -> messages.Block:
    """The view an Edit button opens: the form with the answer filled in, or, when the
    answer cannot be edited there, the reason (and for a DM answer, how to edit it).
    Database reads only: the caller opens it within the trigger's 3 seconds."""
    reply = hw.store.replies.get(workspace_id, reply_id)
    if reply is None:
        return edit_messages.cannot_edit_modal(edit_messages.GONE)
    why_not = why_not_editable(reply, user_id, _current_period(hw, workspace_id, user_id))
    if why_not is not None:
        return edit_messages.cannot_edit_modal(edit_messages.WHY_NOT[why_not])
    prompt = hw.pack_for(hw.store.workspaces.get(workspace_id)).get(reply.prompt_id)
    form = EditForm(reply_id, fingerprint(reply.text), origin, response_url)
    return edit_messages.edit_modal(prompt.text if prompt else "", reply, form)


def refuse_form_edit(hw: Headway, workspace_id: str, user_id: str,
                     form: EditForm | None) -> str | None:
    """Why a submitted edit form cannot be applied (a sentence for the form), or None.
    Database reads only: it runs before the submission is acked."""
    reply = hw.store.replies.get(workspace_id, form.reply_id) if form else None
    if form is None or reply is None:
        return edit_messages.GONE
    why_not = why_not_editable(reply, user_id, _current_period(hw, workspace_id, user_id))
    if why_not is not None:
        return edit_messages.WHY_NOT[why_not]
    if fingerprint(reply.text) != form.seen:
        return edit_messages.CHANGED_MEANWHILE
    return None


def apply_form_edit(hw: Headway, client: WebClient, workspace_id: str, user_id: str,
                    form: EditForm, text: str) -> Reply | None:
    """The member's edit from Headway's form, with the rules of an edit in Slack: lines
    left as they were keep their items (label, correction), new lines are labelled, removed
    lines go, the period's posted digests are marked for an update in the same
    transaction, and the confirmation DM is updated in place (posted if there is none).

    Returns the edited reply; None when nothing changed (the same text) or the answer
    changed since the form opened (the form is refused before this, by
    `refuse_form_edit`; an edit committed in between is not overwritten either).
    """
    store = hw.store
    for _ in range(EDIT_ATTEMPTS):
        reply = store.replies.get(workspace_id, form.reply_id)
        if reply is None or refuse_form_edit(hw, workspace_id, user_id, form) is not None:
            log.warning("form edit of reply %s not applied: it changed or went meanwhile",
                        form.reply_id)
            return None
        if text == reply.text:
            log.info("form edit of reply %s: nothing stored or sent, the text is unchanged",
                     form.reply_id)
            return None
        edited = store.replies.edit_own(reply, text, relabel(hw, reply, text))
        if edited is None:
            continue  # another edit won the race, or a deletion: look again
        _confirm_edit(hw, client, workspace_id, edited, post_if_missing=True)
        return edited
    log.warning("form edit of reply %s not applied: it kept changing", form.reply_id)
    return None


def _note(hw: Headway, client: WebClient, workspace_id: str, msg: SlackMessage, text: str) -> None:
    """A short note instead of a stored answer, once per message (not per delivery)."""
    if hw.store.messages.note(workspace_id, msg.channel, msg.ts, msg.user_id, hw.now()):
        client.chat_postMessage(channel=msg.channel, text=text)
    else:
        _nothing_to_do("message", msg, "already noted (a redelivery)")


def _nothing_to_do(what: str, msg: SlackMessage, why: str) -> None:
    # Ids only: what a member wrote never reaches the logs.
    log.info("%s %s/%s: nothing stored or sent, %s", what, msg.channel, msg.ts, why)


def _update_quietly(client: WebClient, channel: str, ts: str, text: str,
                    blocks: list[messages.Block]) -> None:
    """Redraw one of Headway's DMs. What the member did is already stored: a message that
    is gone (the member deleted the conversation's copy) is a warning, not a failure."""
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("could not update message %s/%s: %s", channel, ts,
                    exc.response.get("error"))

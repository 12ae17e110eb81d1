"""Tracked problems' buttons: Track it in the digest, the status buttons, owner select and
Untrack of the `/headway problems` list, and the Yes / Partly / Not yet of "did we move on
it?".

Every click is acked at once; the work (a digest rebuilt, Slack asked whether the clicker
is an admin) comes after. Who may: the team's members track, move and hand over; only its
leads and the workspace's admins untrack (`bot.core.problems.may_*`; a lead is known from
the store, an admin by the same check as the admin commands, asked only when the store
has not already said yes). Each click is safe to repeat: the same status or owner again
changes nothing, a second Track it says the problem is tracked already, and a button of
a problem untracked meanwhile (a double click on Untrack) says it is no longer tracked.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import problems as tracked
from bot.context import Headway
from bot.core.messages import problems as say
from bot.core.messages.ids import (
    FOLLOW_UP_ACTIONS,
    PROBLEM_BLOCK,
    PROBLEM_OWNER,
    PROBLEM_STATUS,
    PROBLEM_TRACK,
    PROBLEM_UNTRACK,
)
from bot.core.model import Team
from bot.core.problems import (
    STATUSES,
    ProblemError,
    may_track,
    may_untrack,
    may_update,
    parse_problem_id,
    parse_status_value,
    parse_track_value,
)
from bot.core.text import safe
from bot.listeners.commands.admin import is_admin

log = logging.getLogger(__name__)
STATUS_ACTION = re.compile(f"^{PROBLEM_STATUS}_(?:{'|'.join(STATUSES)})$")
ANSWER_OF = {action_id: answer for answer, action_id in FOLLOW_UP_ACTIONS.items()}
FOLLOW_UP_ACTION = re.compile(f"^(?:{'|'.join(map(re.escape, ANSWER_OF))})$")


@dataclass(frozen=True)
class Roles:
    member: bool
    lead: bool
    admin: bool


def roles(hw: Headway, client: WebClient, team: Team, user_id: str, *,
          for_untrack: bool = False) -> Roles:
    """What `user_id` is to `team`. Slack is asked whether they are an admin only when
    the store has not already said they may (a member tracks and moves; a lead untracks)."""
    member = user_id in hw.store.teams.member_ids(team.id, active_only=False)
    lead = user_id in hw.store.teams.leads(team.id)
    enough = lead if for_untrack else (member or lead)
    admin = False
    if not enough:
        try:
            admin = is_admin(hw, client, team.workspace_id, user_id)
        except SlackApiError as exc:  # Slack could not say: not an admin, this time
            log.warning("admin check for a problem's button failed: %s",
                        exc.response.get("error"))
    return Roles(member, lead, admin)


def _ephemeral(respond: Respond, text: str) -> None:
    """An answer for the clicker only. A `ProblemError`'s message quotes what the click
    sent (plain text): it goes through `text.safe` first."""
    respond(response_type="ephemeral", replace_original=False, text=text)


def _action(body: dict[str, Any]) -> dict[str, Any]:
    return (body.get("actions") or [{}])[0]


def register(app: App, hw: Headway) -> None:
    @app.action(PROBLEM_TRACK)
    def track_it(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        workspace_id, user_id = body["team"]["id"], body["user"]["id"]
        try:
            ref = parse_track_value(_action(body).get("value", ""))
        except ProblemError as err:
            _ephemeral(respond, safe(str(err)))
            return
        team = hw.store.teams.get(workspace_id, ref.team_id)
        if team is None:
            _ephemeral(respond, say.TEAM_GONE)
            return
        if not may_track(**vars(roles(hw, client, team, user_id))):
            _ephemeral(respond, say.TRACK_REFUSED)
            return
        _ephemeral(respond, tracked.track_entry(hw, team, ref, user_id))

    def _problem_click(body: dict[str, Any], client: WebClient, respond: Respond,
                       problem_id: int, *, untrack: bool = False) -> Team | None:
        """The team of the clicked problem if the clicker may do this to it; else None,
        having told them why."""
        workspace_id, user_id = body["team"]["id"], body["user"]["id"]
        found = hw.store.problems.get(workspace_id, problem_id)
        team = hw.store.teams.get(workspace_id, found.team_id) if found else None
        if found is None or team is None:
            _ephemeral(respond, say.PROBLEM_GONE)
            return None
        who = roles(hw, client, team, user_id, for_untrack=untrack)
        allowed = (may_untrack(lead=who.lead, admin=who.admin) if untrack
                   else may_update(**vars(who)))
        if not allowed:
            _ephemeral(respond, say.UNTRACK_REFUSED if untrack else say.UPDATE_REFUSED)
            return None
        return team

    def _redraw(body: dict[str, Any], client: WebClient, respond: Respond, team: Team) -> None:
        """The clicked list again, as it stands now (for the clicker: with Untrack if they
        may untrack)."""
        who = roles(hw, client, team, body["user"]["id"], for_untrack=True)
        listing = tracked.listing(hw, team, can_untrack=may_untrack(lead=who.lead,
                                                                    admin=who.admin))
        respond(replace_original=True, text=listing.text, blocks=listing.blocks)

    @app.action(STATUS_ACTION)
    def status(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        try:
            problem_id, target = parse_status_value(_action(body).get("value", ""))
        except ProblemError as err:
            _ephemeral(respond, safe(str(err)))
            return
        team = _problem_click(body, client, respond, problem_id)
        if team is None:
            return
        if tracked.move(hw, team, problem_id, target) is None:
            _ephemeral(respond, say.PROBLEM_GONE)
            return
        _redraw(body, client, respond, team)

    @app.action(PROBLEM_OWNER)
    def owner(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        action = _action(body)
        try:
            problem_id = parse_problem_id(action.get("block_id", ""), PROBLEM_BLOCK)
        except ProblemError as err:
            _ephemeral(respond, safe(str(err)))
            return
        team = _problem_click(body, client, respond, problem_id)
        if team is None:
            return
        try:
            changed = tracked.hand_over(hw, team, problem_id, action.get("selected_user") or "")
        except ProblemError as err:
            _ephemeral(respond, safe(str(err)))
            return
        if changed is None:
            _ephemeral(respond, say.PROBLEM_GONE)
            return
        _redraw(body, client, respond, team)

    @app.action(PROBLEM_UNTRACK)
    def untrack(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        try:
            problem_id = parse_problem_id(_action(body).get("value", ""))
        except ProblemError as err:
            _ephemeral(respond, safe(str(err)))
            return
        team = _problem_click(body, client, respond, problem_id, untrack=True)
        if team is None:
            return
        tracked.untrack(hw, team, problem_id)
        _redraw(body, client, respond, team)

    # "Did we move on it?": the answer goes on the tracked problem for the nudge's week,
    # and the clicked DM is redrawn with it marked. Only the member the question was sent
    # to can answer it, as with the nudge's own buttons.
    @app.action(FOLLOW_UP_ACTION)
    def follow_up(ack: Ack, body: dict[str, Any], client: WebClient,
                  respond: Respond) -> None:
        ack()
        workspace_id, user_id = body["team"]["id"], body["user"]["id"]
        action = _action(body)
        answer = ANSWER_OF.get(action.get("action_id", ""))
        nudge_text, _, problem_text = (action.get("value") or "").partition(":")
        if answer is None or not nudge_text.isdigit() or not problem_text.isdigit():
            return
        nudge = hw.store.nudges.get(int(nudge_text))
        if nudge is None or nudge.workspace_id != workspace_id or nudge.user_id != user_id:
            return
        found = hw.store.problems.get(workspace_id, int(problem_text))
        if found is None:
            _ephemeral(respond, say.PROBLEM_GONE)
            return
        if user_id not in hw.store.teams.member_ids(found.team_id, active_only=False):
            _ephemeral(respond, say.UPDATE_REFUSED)  # a forged click: not their team's
            return
        updated = tracked.answer_follow_up(hw, workspace_id, found, nudge.period, answer,
                                           user_id)
        message = body.get("message") or {}
        channel = (body.get("container") or {}).get("channel_id")
        blocks = say.answered_follow_up(message.get("blocks") or [], updated, nudge.id, answer)
        if blocks is None or not channel or not message.get("ts"):
            return
        try:
            client.chat_update(channel=channel, ts=message["ts"],
                               text=message.get("text") or "Did we move on it?", blocks=blocks)
        except SlackApiError as exc:  # the answer is stored; only the redraw failed
            log.warning("could not redraw the follow-up: %s", exc.response.get("error"))

"""`/headway …`: parse, check who may, do, answer ephemerally.

One listener for the slash command. It parses the text (`bot.core.commands`), runs the
one check of who may for every command the parser marks as a lead's or an admin's
(`Command.access`; a lead's command first finds its team), and hands the command to its
handler, found by name in HANDLERS. The handlers live in the
modules named for what they handle; each module lists its own in `HANDLERS`.

Commands that only touch the database answer inside the ack (well under Slack's 3 s);
those that must call Slack first (join, every admin command, team add, export) ack at
once and answer through `respond` when done.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.context import Headway
from bot.core import commands as cmd
from bot.core.messages import member_replies
from bot.listeners.commands import (
    admin,
    digest_channel,
    export,
    forget,
    member_settings,
    my_answers,
    problems,
    rollup,
    status,
    team,
    teams,
    usage,
    workspace_settings,
)
from bot.listeners.commands.request import Answer, Handler, Refusal, Request

log = logging.getLogger(__name__)

MODULES = (usage, member_settings, my_answers, export, forget, digest_channel, team, teams,
           workspace_settings, admin, problems, rollup, status)


def _handlers() -> dict[str, Handler]:
    table: dict[str, Handler] = {}
    for module in MODULES:
        for name, handler in module.HANDLERS.items():
            if name in table:
                raise RuntimeError(f"two handlers for /headway {name}")
            if handler.fast and cmd.ACCESS[name] != "everyone":
                raise RuntimeError(f"/headway {name} is an admin's: the admin check calls "
                                   f"Slack, so it cannot answer inside the ack")
            table[name] = handler
    return table


HANDLERS: dict[str, Handler] = _handlers()


def register(app: App, hw: Headway) -> None:
    @app.command("/headway")
    def headway_command(ack: Ack, command: dict[str, Any], respond: Respond,
                        client: WebClient) -> None:
        try:
            parsed = cmd.parse_command(command.get("text") or "")
        except cmd.CommandError as err:
            ack(text=f"{err.message}\n{err.usage}", response_type="ephemeral")
            return
        hw.store.workspaces.ensure(command["team_id"], hw.now(), command.get("team_domain", ""))
        handler = HANDLERS[parsed.name]
        req = Request(parsed, command, client)
        if handler.fast:
            try:
                answer = handler.run(hw, req)
            except Refusal as refusal:
                answer = str(refusal)
            ack(response_type="ephemeral", **_fields(answer))
            return

        ack()  # the rest call Slack first: answer through response_url
        try:
            if parsed.access == "lead":
                req = admin.require_lead(hw, req)
            elif parsed.admin:
                req = replace(req, caller=admin.require_admin(hw, req))
            answer = handler.run(hw, req)
        except Refusal as refusal:
            answer = str(refusal)
        except SlackApiError as exc:
            log.warning("/headway %s: Slack said %s", parsed.name, exc.response.get("error"))
            answer = member_replies.slack_refused(exc.response.get("error"))
        respond(**_fields(answer))


def _fields(answer: Answer) -> dict[str, Any]:
    return answer if isinstance(answer, dict) else {"text": answer}

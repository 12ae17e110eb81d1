"""What every `/headway` handler is given and gives back, and how it says no."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from bot.context import Headway
from bot.core.commands import Command
from bot.core.messages import member_replies
from bot.core.model import Member, Team

Answer = str | dict[str, Any]  # the reply's text, or its message fields (text and blocks)


@dataclass(frozen=True)
class Request:
    """One `/headway` command: what was asked, by whom, where."""

    command: Command
    body: dict[str, Any]  # the slash command's payload, as Slack sent it
    client: WebClient
    # The caller's Slack profile (`users.info`), once the admin check has asked for it.
    caller: dict[str, Any] | None = None
    # The team a lead's command is about, once the lead check has found it.
    team: Team | None = None

    @property
    def workspace_id(self) -> str:
        return self.body["team_id"]

    @property
    def user_id(self) -> str:
        return self.body["user_id"]

    @property
    def channel_id(self) -> str:
        return self.body["channel_id"]


@dataclass(frozen=True)
class Handler:
    """How a command is answered. `fast`: inside the ack, so it only touches the database
    (well under Slack's 3 s); otherwise it acks at once and answers through `respond`,
    because it calls Slack first. Admin commands are never fast: the admin check asks
    Slack who the caller is."""

    run: Callable[[Headway, Request], Answer]
    fast: bool


def fast(run: Callable[[Headway, Request], Answer]) -> Handler:
    return Handler(run, fast=True)


def slow(run: Callable[[Headway, Request], Answer]) -> Handler:
    return Handler(run, fast=False)


class Refusal(Exception):
    """An answer for the person instead of the usual reply (not enrolled, not admin…)."""


def active_member(hw: Headway, req: Request) -> Member:
    """The caller as an active member, or a Refusal telling them how to join."""
    member = hw.store.members.get(req.workspace_id, req.user_id)
    if member is None or not member.active:
        raise Refusal(member_replies.NOT_ENROLLED)
    return member

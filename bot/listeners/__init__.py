"""Slack's inbound side, one module per kind as in Bolt's starter template."""

from __future__ import annotations

from slack_bolt import App

from bot.context import Headway
from bot.listeners import actions, commands, events, problems, views


def register_listeners(app: App, hw: Headway) -> None:
    commands.register(app, hw)
    actions.register(app, hw)
    events.register(app, hw)
    views.register(app, hw)
    problems.register(app, hw)

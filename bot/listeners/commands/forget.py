"""`forget me`: asks first, with two buttons. What the buttons do is in
`bot/listeners/actions.py` (their ids: `messages.FORGET_CONFIRM`, `messages.FORGET_CANCEL`)."""

from __future__ import annotations

from typing import Any

from bot.context import Headway
from bot.core.messages import forget
from bot.listeners.commands.request import Handler, Request, slow


def _forget_prompt(hw: Headway, req: Request) -> dict[str, Any]:
    return forget.forget_prompt()


HANDLERS: dict[str, Handler] = {"forget me": slow(_forget_prompt)}

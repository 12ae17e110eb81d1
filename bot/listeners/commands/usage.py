"""`help` (and `/headway` with nothing after it): the usage text."""

from __future__ import annotations

from bot.context import Headway
from bot.core.usage import help_text
from bot.listeners.commands.request import Handler, Request, fast


def _help(hw: Headway, req: Request) -> str:
    return help_text()


HANDLERS: dict[str, Handler] = {"help": fast(_help)}

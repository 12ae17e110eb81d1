"""What every part of the Slack edge needs, passed explicitly instead of kept in globals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.config import Settings
from bot.core.model import PromptPack, Team
from bot.slack_client import make_client
from bot.store import Store

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The one place that reads the wall clock; everything else is handed `now`."""
    return datetime.now(UTC)


@dataclass
class Headway:
    settings: Settings
    store: Store
    packs: dict[str, PromptPack]
    clock: Clock = system_clock
    # Single-workspace installs use one bot token; OAuth installs look the token up per team.
    token_for: Callable[[str], str | None] | None = None
    # How a Web API client is made for a token; the demo swaps in an offline one.
    client_factory: Callable[[str | None, str], WebClient] = make_client
    _clients: dict[str, WebClient] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    def client_for(self, team_id: str) -> WebClient:
        token = self.token_for(team_id) if self.token_for else self.settings.bot_token
        client = self._clients.get(team_id)
        if client is None or client.token != token:
            client = self.client_factory(token, self.settings.api_url)
            self._clients[team_id] = client
        return client

    def pack_for(self, team: Team | None) -> PromptPack:
        name = team.pack if team else "default"
        return self.packs.get(name) or self.packs["default"]

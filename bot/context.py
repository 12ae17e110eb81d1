"""What every part of the Slack edge needs, passed explicitly instead of kept in globals."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient

from bot.config import Settings
from bot.core.model import PromptPack, Workspace
from bot.pacing import Pacer, SendingLock
from bot.slack_client import make_client
from bot.store import Store

Clock = Callable[[], datetime]
Sleep = Callable[[float], None]
Monotonic = Callable[[], float]


def system_clock() -> datetime:
    """The one place that reads the wall clock; everything else is handed `now`."""
    return datetime.now(UTC)


@dataclass
class Headway:
    settings: Settings
    store: Store
    packs: dict[str, PromptPack]
    clock: Clock = system_clock
    # How waiting is done and timed while sending (the pacer, Retry-After): the real ones in
    # `serve`; the demo and tests pass simulated ones so pacing costs no real time.
    sleep: Sleep = time.sleep
    monotonic: Monotonic = time.monotonic
    # Single-workspace installs use one bot token; OAuth installs look the token up per team.
    token_for: Callable[[str], str | None] | None = None
    # OAuth installs (bot.oauth.Installations): set by `bot.oauth.attach`.
    installations: Any = None
    # How a Web API client is made for a token; the demo swaps in an offline one.
    client_factory: Callable[[str | None, str, Pacer | None], WebClient] = make_client
    # Names this process's ledger claims, so recovery can tell its own in-flight claims from
    # those a dead process left behind.
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    _clients: dict[str, WebClient] = field(default_factory=dict)
    _pacers: dict[str, Pacer] = field(default_factory=dict)
    _pacers_guard: threading.Lock = field(default_factory=threading.Lock)
    sending_lock: SendingLock = field(init=False)
    # Set when the process is asked to stop: a fan-out ends after the DM in hand, so a
    # restart (a deploy, a dyno cycle) is not held up for the whole team's nudges.
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        # One per process and database: two SendingLock objects in one process would block
        # each other (flock is per open file).
        self.sending_lock = SendingLock(self.settings.db_path)

    def now(self) -> datetime:
        return self.clock()

    def client_for(self, workspace_id: str) -> WebClient:
        token = self.token_for(workspace_id) if self.token_for else self.settings.bot_token
        client = self._clients.get(workspace_id)
        if client is None or client.token != token:
            client = self.client_factory(token, self.settings.api_url, self.pacer_for(workspace_id))
            self._clients[workspace_id] = client
        return client

    def pacer_for(self, workspace_id: str) -> Pacer:
        with self._pacers_guard:
            pacer = self._pacers.get(workspace_id)
            if pacer is None:
                pacer = self._pacers[workspace_id] = Pacer(
                    self.settings.send_rate, monotonic=self.monotonic, sleep=self.sleep)
            return pacer

    def pack_for(self, workspace: Workspace | None) -> PromptPack:
        name = workspace.pack if workspace else "default"
        return self.packs.get(name) or self.packs["default"]

"""What every part of the Slack edge needs, passed explicitly instead of kept in globals."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from slack_sdk import WebClient

from bot.config import Settings
from bot.core.model import Prompt, PromptPack, Workspace
from bot.core.teams import pack_of
from bot.locks import SendingLock
from bot.pacing import Pacer
from bot.senders import Senders
from bot.slack_client import make_client
from bot.store import Store

if TYPE_CHECKING:  # bot.oauth builds a Headway: a runtime import would be circular
    from bot.oauth import Installations

LANE_THREADS = 8  # more than the scheduler has lanes: each runs in its own
Clock = Callable[[], datetime]
Sleep = Callable[[float], None]
Monotonic = Callable[[], float]
TokenLookup = Callable[[str], str | None]


class ClientFactory(Protocol):
    """How a workspace's Web API client is made (`bot.slack_client.make_client`): it paces
    its sends with `pacer` and waits out retries with `sleep`."""

    def __call__(self, token: str | None, api_url: str, pacer: Pacer, *,
                 sleep: Sleep) -> WebClient: ...


def system_clock() -> datetime:
    """The one place that reads the wall clock; everything else is handed `now`."""
    return datetime.now(UTC)


@dataclass
class Headway:
    settings: Settings
    store: Store
    packs: dict[str, PromptPack]
    clock: Clock = system_clock
    # How waiting is done and timed while sending (the pacer's spacing, Retry-After, the
    # client's retry backoff): the real ones in `serve`; the demo and tests pass simulated
    # ones so pacing costs no real time.
    sleep: Sleep = time.sleep
    monotonic: Monotonic = time.monotonic
    # OAuth installs (many workspaces): each workspace's token comes from its installation;
    # `bot.oauth.oauth_headway` builds a Headway with them.
    installations: Installations | None = None
    # How a workspace's bot token is found: the installations' with OAuth, else the one
    # `SLACK_BOT_TOKEN` (None); tests serving several workspaces pass a lookup of their own.
    token_for: TokenLookup | None = None
    # How a Web API client is made for a token; the demo swaps in an offline one.
    client_factory: ClientFactory = make_client
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
    # Digests Slack refused, by (workspace, channel, period): (refusals in a row, next try).
    # The scheduler's own memory; a restart simply tries again at once.
    digest_refusals: dict[tuple[str, str, str], tuple[int, datetime]] = field(
        default_factory=dict)
    # The leaders' rollups Slack refused, kept the same way (a channel may get both).
    rollup_refusals: dict[tuple[str, str, str], tuple[int, datetime]] = field(
        default_factory=dict)
    # One sender per workspace (`bot.senders`): fan-outs, reminders and sweeps of
    # different workspaces run side by side, each workspace's in order.
    senders: Senders = field(init=False)
    # The scheduler's lanes (`bot.scheduler.LANES`), one thread each while they run.
    lanes: Senders = field(init=False)

    def __post_init__(self) -> None:
        # One per process and database: two SendingLock objects in one process would block
        # each other (flock is per open file).
        self.sending_lock = SendingLock(self.settings.db_path)
        if self.installations is not None and self.token_for is None:
            self.token_for = self.installations.token_for
        self.senders = Senders(on_exit=self.store.close_thread)
        self.lanes = Senders(LANE_THREADS, name="headway-lane",
                             on_exit=self.store.close_thread)

    def close(self, *, lanes_timeout: float = 2.0, senders_timeout: float = 5.0) -> None:
        """Let the lane and sender threads go (the store is closed by whoever opened it),
        waiting a bounded while: a platform gives a stopping process seconds, not minutes.
        A sender still busy after that dies with the process; its claim is settled by the
        next start's recovery (looked up in the DM history), so nothing goes out twice."""
        self.lanes.shutdown(lanes_timeout)
        self.senders.shutdown(senders_timeout)

    def settle(self, timeout: float = 60.0) -> bool:
        """Wait until the lanes, then the senders they fed, have nothing left to do."""
        return self.lanes.join(timeout) and self.senders.join(timeout)

    def now(self) -> datetime:
        return self.clock()

    def client_for(self, workspace_id: str) -> WebClient:
        token = self.token_for(workspace_id) if self.token_for else self.settings.bot_token
        client = self._clients.get(workspace_id)
        if client is None or client.token != token:
            client = self.client_factory(token, self.settings.api_url,
                                         self.pacer_for(workspace_id), sleep=self.sleep)
            self._clients[workspace_id] = client
        return client

    def pacer_for(self, workspace_id: str) -> Pacer:
        with self._pacers_guard:
            pacer = self._pacers.get(workspace_id)
            if pacer is None:
                pacer = self._pacers[workspace_id] = Pacer(
                    self.settings.send_rate, ceiling=self.settings.send_rate_max,
                    monotonic=self.monotonic, sleep=self.sleep)
            return pacer

    def forget_workspace(self, workspace_id: str) -> None:
        """The workspace uninstalled Headway: its client, pacer and cached authorization
        go (a reinstall makes new ones)."""
        with self._pacers_guard:
            self._clients.pop(workspace_id, None)
            self._pacers.pop(workspace_id, None)
        if self.installations is not None:
            self.installations.forget_authorizations(workspace_id)

    def pack_for(self, workspace: Workspace | None, user_id: str | None = None) -> PromptPack:
        """The pack `user_id` is asked from (their first team's: `bot.core.teams.pack_of`);
        without a person, or for someone in no team, the workspace's."""
        name = workspace.pack if workspace else "default"
        if workspace is not None and user_id is not None:
            name = pack_of(self.store.teams.of_member(workspace.workspace_id, user_id), name)
        return self.packs.get(name) or self.packs["default"]

    def prompt_for(self, workspace_id: str, user_id: str, prompt_id: str) -> Prompt | None:
        """The prompt a nudge or reply names: from the person's pack, or, when their team
        switched packs since they were asked, from whichever pack has it."""
        found = self.pack_for(self.store.workspaces.get(workspace_id), user_id).get(prompt_id)
        if found is None:
            found = next((p for pack in self.packs.values()
                          if (p := pack.get(prompt_id)) is not None), None)
        return found

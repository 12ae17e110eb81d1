"""Multi-workspace installs: Slack's OAuth flow, each workspace's bot token, token rotation.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set, `serve` answers `/slack/install` and
`/slack/oauth_redirect` (Bolt's OAuth flow) and keeps installations in slack_sdk's
`SQLite3InstallationStore` and `SQLite3OAuthStateStore`, in the same SQLite file as
everything else: one file to back up, one file to lose, and `headway backup` copies it all.

Bolt refreshes rotating tokens only when a request comes in; the scheduler's jobs ask
`token_for`, which refreshes a token that expires within `REFRESH_BEFORE` first.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.config import Settings
from bot.context import Clock, Headway, system_clock
from bot.core.model import PromptPack
from bot.slack_client import make_client
from bot.store import Store

log = logging.getLogger(__name__)

# The bot scopes the app asks for on install. manifest.json declares the same list (an
# installed package has no manifest to read; tests/test_packaging.py keeps the two equal).
BOT_SCOPES = ("chat:write", "commands", "im:history", "im:write", "users:read",
              "channels:read", "groups:read", "im:read", "mpim:read", "channels:join",
              "files:write")
REFRESH_BEFORE_MINUTES = 10  # a scheduled fan-out can take minutes: refresh well ahead
# Bolt refreshes on incoming requests only closer to expiry than the scheduler does, so the
# scheduler (ticking every minute) normally refreshes first and the two do not both spend
# the single-use refresh token.
BOLT_REFRESH_BEFORE_MINUTES = 5
_FORCE_MINUTES = 60 * 24 * 366  # "expiring within a year": makes TokenRotator refresh now
STATE_SECONDS = 600
# Bolt's authorize cache (see `Installations.authorize`); the bench turns it off for its
# baseline.
AUTHORIZE_CACHE = True
AUTHORIZE_CACHE_SIZE = 10_000


def bot_scopes() -> list[str]:
    """The bot scopes the app asks for: the manifest's (a test keeps them equal)."""
    return list(BOT_SCOPES)


class HeadwayInstallationStore(SQLite3InstallationStore):
    """slack_sdk's store, telling Headway when a workspace installs (or installs again)."""

    def __init__(self, database: str, client_id: str,
                 on_install: Callable[[str, str], None]) -> None:
        super().__init__(database=database, client_id=client_id)
        self._on_install = on_install

    def save(self, installation: Installation) -> None:
        super().save(installation)
        if installation.team_id:
            self._on_install(installation.team_id, installation.team_name or "")


class Installations:
    """Each workspace's bot token, refreshed before use when it rotates."""

    def __init__(self, settings: Settings, on_install: Callable[[str, str], None],
                 clock: Clock) -> None:
        assert settings.client_id and settings.client_secret
        database = str(settings.db_path)
        settings.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.store = HeadwayInstallationStore(database, settings.client_id, on_install)
        self.state_store = SQLite3OAuthStateStore(database=database,
                                                  expiration_seconds=STATE_SECONDS)
        self.client = make_client(None, settings.api_url)
        self.rotator = TokenRotator(client_id=settings.client_id,
                                    client_secret=settings.client_secret, client=self.client)
        self.settings = settings
        self.clock = clock
        # One refresh at a time per workspace: a slow refresh holds up no other workspace.
        self._refreshing: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._authorize: InstallationStoreAuthorize | None = None

    def token_for(self, workspace_id: str) -> str | None:
        bot = self.store.find_bot(enterprise_id=None, team_id=workspace_id)
        if bot is None:
            return None
        return self._fresh(bot).bot_token

    def _expiring(self, bot: Bot) -> bool:
        # Judged on the injected clock: TokenRotator itself would read the wall clock.
        if bot.bot_refresh_token is None or bot.bot_token_expires_at is None:
            return False
        left = bot.bot_token_expires_at - self.clock().timestamp()
        return left < REFRESH_BEFORE_MINUTES * 60

    def _fresh(self, bot: Bot) -> Bot:
        if not self._expiring(bot):
            return bot
        with self._guard:
            lock = self._refreshing.setdefault(bot.team_id or "", threading.Lock())
        with lock:
            # Another thread may have refreshed it while this one waited.
            bot = self.store.find_bot(enterprise_id=None, team_id=bot.team_id) or bot
            if not self._expiring(bot):
                return bot
            return self._rotate(bot)

    def _rotate(self, bot: Bot) -> Bot:
        try:
            refreshed = self.rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=_FORCE_MINUTES)
        except SlackApiError as exc:
            log.warning("token refresh for %s failed: %s", bot.team_id,
                        exc.response.get("error"))
            return bot
        if refreshed is None:
            return bot
        self.store.save_bot(refreshed)
        log.info("refreshed the bot token of %s", bot.team_id)
        return refreshed

    def forget(self, workspace_id: str) -> None:
        """Uninstalled or revoked: drop every token Headway holds for the workspace."""
        self.store.delete_installation(enterprise_id=None, team_id=workspace_id)
        self.store.delete_bot(enterprise_id=None, team_id=workspace_id)
        self.forget_authorizations(workspace_id)

    def forget_authorizations(self, workspace_id: str) -> None:
        """Drop the workspace's cached authorizations (its tokens are gone)."""
        if self._authorize is not None:
            self._authorize.authorize_result_cache.forget_team(workspace_id)

    def oauth_settings(self) -> OAuthSettings:
        return OAuthSettings(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            scopes=bot_scopes(),
            installation_store=self.store,
            installation_store_bot_only=True,
            state_store=self.state_store,
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
            token_rotation_expiration_minutes=BOLT_REFRESH_BEFORE_MINUTES,
        )

    def authorize(self) -> InstallationStoreAuthorize:
        """Bolt's own, with a client that honours SLACK_API_URL for token refreshes, and
        its cache on: without it every request pays an `auth.test` round trip to Slack
        before its ack. The cache is keyed by token (a rotated or revoked token is simply
        not found again), bounded, and emptied of a workspace that uninstalls."""
        authorize = InstallationStoreAuthorize(
            logger=logging.getLogger("bot.bolt"),
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            token_rotation_expiration_minutes=BOLT_REFRESH_BEFORE_MINUTES,
            installation_store=self.store,
            bot_only=True,
            cache_enabled=AUTHORIZE_CACHE,
            client=self.client,
        )
        authorize.authorize_result_cache = AuthorizeCache()
        self._authorize = authorize
        return authorize


class AuthorizeCache(OrderedDict[str, Any]):
    """Bolt's authorize cache (token → AuthorizeResult), kept to the `size` most recently
    stored: rotating tokens would otherwise add a key every 12 hours per workspace."""

    def __init__(self, size: int = AUTHORIZE_CACHE_SIZE) -> None:
        super().__init__()
        self.size = size
        self._lock = threading.Lock()

    def __setitem__(self, key: str, value: Any) -> None:
        with self._lock:
            super().__setitem__(key, value)
            while len(self) > self.size:
                self.popitem(last=False)

    def forget_team(self, team_id: str) -> None:
        with self._lock:
            for token in [t for t, r in self.items() if getattr(r, "team_id", None) == team_id]:
                del self[token]


def oauth_headway(settings: Settings, store: Store, packs: dict[str, PromptPack], *,
                  clock: Clock = system_clock) -> Headway:
    """A Headway serving many workspaces: each one's bot token comes from its installation
    (refreshed before use), and an install marks the workspace installed in the store."""
    def on_install(workspace_id: str, name: str) -> None:
        store.workspaces.mark_installed(workspace_id, clock(), name)

    return Headway(settings=settings, store=store, packs=packs, clock=clock,
                   installations=Installations(settings, on_install, clock))

"""The Bolt app: Headway's listeners on top of slack_bolt, for HTTP or Socket Mode."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.response import BoltResponse

from bot import logsafety
from bot.context import Headway
from bot.listeners import register_listeners
from bot.slack_client import configure

log = logging.getLogger(__name__)
# Threads that run listeners after their ack. Bolt's default is 5, which at Slack's ~50 ms
# per call capped stored replies near 60 a second; each listener mostly waits on Slack, so
# more threads serve more requests at once (README: how many workspaces one process serves).
LISTENER_WORKERS = 32


def build_app(hw: Headway, *, verify_token: bool = True) -> App:
    """Wire the listeners into a Bolt app that calls Slack at `SLACK_API_URL`."""
    s = hw.settings
    extra: dict[str, Any] = {}
    if hw.installations is not None:
        # OAuth distribution: /slack/install, /slack/oauth_redirect, and each request
        # authorized with its own workspace's (refreshed) bot token.
        extra["oauth_settings"] = hw.installations.oauth_settings()
        extra["authorize"] = hw.installations.authorize()
    elif hw.token_for is not None:
        # Several workspaces: each request runs with the bot token of the workspace in its
        # payload (`team_id`), never with another workspace's.
        extra["authorize"] = _per_workspace_authorize(hw)
    logsafety.install([s.bot_token, s.signing_secret, s.app_token, s.client_secret])
    # Bolt builds its own client from the token. Handing it one of ours (`client=`) makes
    # Bolt warn "As you gave `client` as well, `token` will be unused" on every start,
    # because it reads SLACK_BOT_TOKEN from the environment whatever it is given.
    app = App(
        token=None if extra else s.bot_token,
        signing_secret=s.signing_secret,
        **extra,
        # Socket Mode connections are authenticated by the app token instead.
        request_verification_enabled=not s.socket_mode,
        # Bolt's own check would call auth.test before its client points at SLACK_API_URL;
        # it is made below instead (and Bolt repeats it lazily on the first request).
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("bot.bolt"),
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_WORKERS,
                                             thread_name_prefix="headway-listener"),
    )
    configure(app.client, s.api_url)
    if verify_token and not extra and s.bot_token:
        app.client.auth_test()  # a revoked or mistyped token fails here, at start
    register_listeners(app, hw)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        # Log the kind of request and the error class only: bodies carry reply text.
        kind = body.get("type") or ("command" if "command" in body else "unknown")
        log.error("listener failed on %s: %s", kind, type(error).__name__, exc_info=error)
        return None

    return app


def _per_workspace_authorize(hw: Headway) -> Any:
    # Bolt passes arguments by name: Slack's `team_id` is the workspace.
    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult | None:
        token = hw.token_for(team_id) if hw.token_for and team_id else None
        if not token:
            return None  # Bolt answers "not installed in this workspace"
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token)

    return authorize

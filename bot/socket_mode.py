"""The Socket Mode connection `headway serve` holds when `SLACK_APP_TOKEN` is set.

Slack wants every envelope acked within 3 s, also right after it asks the app to reconnect
(`disconnect`, reason `refresh_requested` or `warning`). slack_sdk ships four clients; on the
loopback fake (tests/fakesocket.py, which keeps the old connection open after a `disconnect`
as Slack does) envelopes sent right after a `disconnect` were acked after:

- builtin (slack_sdk's own, no dependency): ~3.1 s. Its reader waits out the old socket's 3 s
  receive timeout before it reads the new one.
- websocket_client: 5 to 10 s. It closes the old socket on the thread that hands envelopes
  to the listeners, starts reading the new one on a 0.5 s poll, and asked for 12 websocket
  URLs for 4 reconnects.
- websockets and aiohttp (asyncio): ~25 ms. The new socket is read as soon as it is open.

aiohttp is the one used: the websockets adapter needs aiohttp as well (its Web API client),
and only aiohttp's takes a proxy. `make bench` (bench/socket_ack.py) measures it against the
builtin client in the same run.

The client runs on an asyncio loop of its own thread. Headway's Bolt app is synchronous:
its dispatch (which returns once a listener acks) runs on a worker thread, so a listener
that works before acking never holds up the loop, other envelopes' acks or pings.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
from slack_bolt import App
from slack_bolt.adapter.socket_mode.aiohttp import SocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError

log = logging.getLogger(__name__)
# slack_sdk's client logs here (under bot.bolt: redacted as a library's lines are).
CLIENT_LOG = logging.getLogger("bot.bolt.socket_mode")

CONNECT_TIMEOUT_S = 30
WORKERS = 10  # as many listeners at once as slack_sdk's built-in client runs


class _ThreadedDispatchHandler(SocketModeHandler):
    """Bolt's aiohttp adapter, with the synchronous app's dispatch on worker threads."""

    def __init__(self, app: App, app_token: str, *, web_client: AsyncWebClient,
                 executor: ThreadPoolExecutor) -> None:
        # No proxy given: the client takes HTTPS_PROXY / HTTP_PROXY from the environment.
        super().__init__(app, app_token, logger=CLIENT_LOG, web_client=web_client)
        self._executor = executor

    async def handle(self, client: Any, req: SocketModeRequest) -> None:
        start = time.time()
        loop = asyncio.get_running_loop()
        bolt_resp = await loop.run_in_executor(self._executor, run_bolt_app, self.app, req)
        await send_async_response(client, req, bolt_resp, start)


class SocketModeConnection:
    """An open Socket Mode connection for a Bolt app; reconnects by itself until `close()`."""

    def __init__(self, app: App, app_token: str, api_url: str) -> None:
        self._app = app
        self._app_token = app_token
        self._api_url = api_url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="socket-mode",
                                        daemon=True)
        self._executor = ThreadPoolExecutor(max_workers=WORKERS,
                                            thread_name_prefix="socket-mode-listener")
        self._handler: _ThreadedDispatchHandler | None = None

    def connect(self, timeout: float = CONNECT_TIMEOUT_S) -> None:
        """Open the connection; ConfigError (one line for the CLI) when Slack refuses the
        app-level token or cannot be reached."""
        # A failure here is the CLI's one line; the client's own lines about it (an ERROR,
        # then an INFO as it closes) would only repeat it. Its lines are back once connected.
        CLIENT_LOG.disabled = True
        try:
            self._connect_quietly(timeout)
        finally:
            CLIENT_LOG.disabled = False

    def _connect_quietly(self, timeout: float) -> None:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._connect(), self._loop)
        try:
            future.result(timeout)
        except SlackApiError as exc:
            self.close()
            error = exc.response.get("error") if exc.response is not None else None
            raise ConfigError(f"Slack refused SLACK_APP_TOKEN ({error}): use the app-level "
                              "token (xapp-…) with the connections:write scope, from the "
                              "app's Basic Information page") from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            self.close()
            raise ConfigError(f"could not open the Socket Mode connection through "
                              f"{self._api_url} ({type(exc).__name__}): check the network "
                              "(and HTTPS_PROXY, if any) and try again") from None
        except BaseException:
            self.close()
            raise

    async def _connect(self) -> None:
        web_client = AsyncWebClient(base_url=self._api_url, logger=self._app.logger)
        handler = _ThreadedDispatchHandler(self._app, self._app_token, web_client=web_client,
                                           executor=self._executor)
        self._handler = handler
        # Ask for the first URL here: a refused token raises, where the client's own
        # connect() would log it and retry for ever.
        handler.client.wss_uri = await handler.client.issue_new_wss_url()
        await handler.connect_async()

    def close(self) -> None:
        """Close the connection and stop its thread (safe to call twice)."""
        if self._loop.is_closed():
            return
        if self._thread.is_alive():
            future = asyncio.run_coroutine_threadsafe(self._close(), self._loop)
            try:
                future.result(10)
            except Exception as exc:  # closing a broken connection: nothing left to do
                log.debug("closing the Socket Mode connection: %s", type(exc).__name__)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._executor.shutdown(wait=False)
        if not self._thread.is_alive():
            self._loop.close()

    async def _close(self) -> None:
        if self._handler is not None:
            await self._handler.close_async()
        # The client cancels its receiver, monitor and processor; let them finish unwinding.
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)


def open_socket_mode(app: App, app_token: str, api_url: str) -> SocketModeConnection:
    """What `serve` runs in Socket Mode: the app connected through slack_sdk's aiohttp client
    (see the module docstring for why that one)."""
    connection = SocketModeConnection(app, app_token, api_url)
    connection.connect()
    return connection

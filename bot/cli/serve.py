"""`headway serve`: the bot and its scheduler. At start it binds PORT first and answers
`/healthz` on it (503 `starting`), then checks the bot token with Slack (trying again with
backoff while Slack cannot be reached), then serves Slack: requests on PORT, or in Socket
Mode the websocket, opened and accepted before anything else happens. Only then does the
scheduler start, so a start that fails has sent nothing. SIGTERM stops it cleanly at any
point, also while it waits for Slack.

In Socket Mode there is no HTTP server, unless PORT is set: then it serves `/healthz` only,
for the platform's health check.
"""

from __future__ import annotations

import errno
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from bot.cli import runtime
from bot.cli.slack_check import check_slack
from bot.config import ConfigError, Settings, require_serve_settings
from bot.context import Headway

log = logging.getLogger("bot")


def _listen(port: int, health: Callable[[], bool]) -> Any:
    """Bind PORT now and answer `/healthz` at once (503 `starting`): a busy port stops the
    start before anything reaches Slack, and in any case before the scheduler's first tick
    could nudge anyone. Slack's requests are served once the app exists (`server.app`)."""
    from bot.http import SlackHTTPServer

    try:
        server = SlackHTTPServer(("0.0.0.0", port), None, health)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"PORT {port} is already in use (another Headway, or another "
                              f"program, listens there): stop it, or set PORT to a free "
                              f"port") from None
        if exc.errno == errno.EACCES:
            raise ConfigError(f"PORT {port} needs privileges this user lacks: use a port "
                              f"above 1023 (the default is 3000)") from None
        raise ConfigError(f"cannot listen on PORT {port} ({exc.strerror})") from None
    server.start_background()
    return server


class _Stopped(Exception):
    """SIGTERM arrived while `serve` was starting."""


def serve(settings: Settings, *, verbose: bool = False) -> int:
    from bot.app import build_app
    from bot.scheduler import start_scheduler

    require_serve_settings(settings)
    # From the first moment: SIGTERM (a deploy, a test) stops the start cleanly, also while
    # it waits for Slack, instead of killing the process halfway.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def pause(seconds: float) -> None:
        if stop.wait(seconds):
            raise _Stopped

    hw = runtime.headway(settings)
    # HTTP mode serves Slack on PORT; Socket Mode only health checks, and only on a PORT set.
    wants_port = not settings.socket_mode or settings.port_given
    server = _listen(settings.port, _health(hw)) if wants_port else None
    connection = None
    try:
        check_slack(hw, wait=settings.start_retry_seconds, doing="Headway did not start",
                    verbose=verbose, sleep=pause)
        app = build_app(hw, verify_token=False)  # check_slack has just verified the token
        if settings.socket_mode:
            # Before the scheduler: a refused app token stops the start with nothing sent.
            from bot.socket_mode import open_socket_mode

            connection = open_socket_mode(app, settings.app_token, settings.api_url)
            log.info("Headway is running in Socket Mode")
        elif server is not None:
            server.app = app
        if server is not None:
            server.ready = True
            log.info("Headway is listening on port %d (%s)", settings.port,
                     "/healthz" if settings.socket_mode else "/slack/events, /healthz")
        if stop.is_set():
            raise _Stopped
    except _Stopped:
        _close(server, connection)
        return 0
    except BaseException:
        _close(server, connection)
        raise
    scheduler, lock = start_scheduler(hw)
    try:
        # A timed wait, not a bare one: CPython runs a signal's handler in the main thread
        # only, and SIGTERM may be delivered to any of serve's threads; a main thread
        # blocked for good in a lock would then never see it (seen under load).
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        log.info("stopping: no new work; letting the DMs in hand finish")
        hw.stopping.set()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        # Each workspace's sender ends after the DM in hand (its threads would otherwise
        # die with the process, between a claim and its record).
        hw.close()
        lock.release()
        _close(server, connection)
    return 0


def _close(server: Any, connection: Any) -> None:
    if connection is not None:
        connection.close()
    if server is not None:
        server.shutdown()
        server.server_close()


def _health(hw: Headway) -> Callable[[], bool]:
    def check() -> bool:
        try:
            hw.store.members.count("-")
        except Exception:
            return False
        return True

    return check

"""`headway serve`: the bot and its scheduler. At start it binds PORT first, then checks
the bot token with Slack (trying again with backoff while Slack cannot be reached), and
only then serves requests and starts the scheduler. SIGTERM stops it cleanly at any point,
also while it waits for Slack."""

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
    """Bind PORT now: a busy port stops the start before anything reaches Slack, and in any
    case before the scheduler's first tick could nudge anyone. Serving starts later, once
    the app exists (`server.app` is set then; nothing is served before)."""
    from bot.http import SlackHTTPServer

    try:
        return SlackHTTPServer(("0.0.0.0", port), None, health)  # type: ignore[arg-type]
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"PORT {port} is already in use (another Headway, or another "
                              f"program, listens there): stop it, or set PORT to a free "
                              f"port") from None
        if exc.errno == errno.EACCES:
            raise ConfigError(f"PORT {port} needs privileges this user lacks: use a port "
                              f"above 1023 (the default is 3000)") from None
        raise ConfigError(f"cannot listen on PORT {port} ({exc.strerror})") from None


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
    server = None if settings.socket_mode else _listen(settings.port, _health(hw))
    try:
        check_slack(hw, wait=settings.start_retry_seconds, doing="Headway did not start",
                    verbose=verbose, sleep=pause)
        app = build_app(hw, verify_token=False)  # check_slack has just verified the token
        if server is not None:
            server.app = app
            server.start_background()
            log.info("Headway is listening on port %d (/slack/events, /healthz)",
                     settings.port)
        if stop.is_set():
            raise _Stopped
    except _Stopped:
        if server is not None:
            server.server_close()
        return 0
    except BaseException:
        if server is not None:
            server.server_close()
        raise
    scheduler, lock = start_scheduler(hw)
    try:
        if hw.settings.socket_mode:
            from bot.socket_mode import open_socket_mode

            open_socket_mode(app, hw.settings.app_token, hw.settings.api_url)
            log.info("Headway is running in Socket Mode")
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        hw.stopping.set()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        lock.release()
    return 0


def _health(hw: Headway) -> Callable[[], bool]:
    def check() -> bool:
        try:
            hw.store.members.count("-")
        except Exception:
            return False
        return True

    return check

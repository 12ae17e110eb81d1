"""Keeping a workspace's fan-out under Slack's limits, and one sending process per database.

Slack allows `chat.postMessage` about one message per second per channel plus a
workspace-wide limit it does not publish exactly ("several hundred a minute"). Each nudge goes
to its own DM channel, so the workspace limit is the one a fan-out meets: a `Pacer` spaces a
workspace's posts to a configured rate, and when Slack answers 429 anyway every thread
sending for that workspace waits out `Retry-After` and the rate drops, then climbs back.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

log = logging.getLogger(__name__)

# After a 429 the rate is cut to _CUT of what it was (never below _FLOOR of the configured
# rate) and each success gives back _RECOVER of the configured rate, but only up to _CEILING
# of the rate Slack refused: every 429 costs a whole Retry-After of silence, so probing the
# limit again and again would cost more than sending a little under it.
_CUT = 0.8
_FLOOR = 0.1
_RECOVER = 0.02
_CEILING = 0.9


class Pacer:
    """Spaces one workspace's sends to at most `rate` a second, shared by all its threads."""

    def __init__(
        self,
        rate: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.max_rate = rate
        self.rate = rate
        self.ceiling = rate
        self.rate_limited = 0
        self.monotonic = monotonic
        self.sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until this caller's slot; returns the seconds waited."""
        with self._lock:
            now = self.monotonic()
            at = max(now, self._next)
            self._next = at + 1.0 / self.rate
        delay = at - now
        if delay > 0:
            self.sleep(delay)
        return delay

    def succeeded(self) -> None:
        with self._lock:
            self.rate = min(self.ceiling, self.rate + self.max_rate * _RECOVER)

    def rate_limited_for(self, retry_after: float) -> None:
        """Slack said 429: nobody sends for `retry_after` seconds, and slower afterwards."""
        with self._lock:
            self.rate_limited += 1
            floor = self.max_rate * _FLOOR
            self.ceiling = max(floor, min(self.ceiling, self.rate * _CEILING))
            self.rate = max(floor, self.rate * _CUT)
            self._next = max(self._next, self.monotonic() + retry_after)


class PacedRateLimitHandler(RateLimitErrorRetryHandler):
    """Retries a call Slack answered with 429 once `Retry-After` has passed, waiting through
    the workspace's pacer: the workspace's other sends hold back too instead of hitting 429,
    and several retries due at once go out spaced, not in a burst.

    slack_sdk's own handler (whose retry test this keeps) sleeps on the real clock; this one
    waits with the pacer's injected sleep, so the demo and tests pay no real seconds.
    """

    def __init__(self, pacer: Pacer, max_retry_count: int = 5) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.pacer = pacer

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:  # only a 429 response is retried here (see _can_retry)
            raise error or RuntimeError("rate-limit retry without a response")
        state.next_attempt_requested = True
        self.pacer.rate_limited_for(_retry_after(response.headers))
        self.pacer.wait()  # until Retry-After has passed, and this retry's turn
        state.increment_current_attempt()


def _retry_after(headers: dict[str, Any]) -> float:
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return 1.0
    return 1.0


class SendingLock:
    """Held while any thread of this process sends nudges; one sending process per database.

    Why: with it held, a claim another process left unconfirmed can only mean that process
    died mid-send (SIGKILL, power loss), so recovery settles it at once instead of waiting
    out a timeout. Threads of one process share it (a count); the OS drops it when the
    process dies, however it dies.
    """

    def __init__(self, db_path: Path) -> None:
        self.path = Path(str(db_path) + ".sending.lock")
        self._mutex = threading.Lock()
        self._holders = 0
        self._file: IO[bytes] | None = None

    @contextmanager
    def held(self, timeout: float = 600.0, poll: float = 0.05) -> Iterator[None]:
        self._acquire(timeout, poll)
        try:
            yield
        finally:
            self._release()

    def _acquire(self, timeout: float, poll: float) -> None:
        with self._mutex:
            if self._holders == 0:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # Not opened for appending: pwrite below writes at offset 0 only without it.
                f = os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644), "r+b", 0)
                deadline = time.monotonic() + timeout
                while True:
                    try:
                        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            f.close()
                            raise SendingBusy(self.path) from None
                        time.sleep(poll)
                # Who holds it, for a person looking at the file: a fixed-width overwrite,
                # not truncate-and-write, which costs a metadata update on every fan-out.
                os.pwrite(f.fileno(), f"{os.getpid():>10}\n".encode(), 0)
                self._file = f
            self._holders += 1

    def _release(self) -> None:
        with self._mutex:
            self._holders -= 1
            if self._holders == 0 and self._file is not None:
                fcntl.flock(self._file, fcntl.LOCK_UN)
                self._file.close()
                self._file = None


class SendingBusy(RuntimeError):
    def __init__(self, path: Path) -> None:
        super().__init__(f"another Headway process has been sending nudges for this database "
                         f"for too long ({path} is locked); try again later")

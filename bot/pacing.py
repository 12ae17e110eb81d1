"""Keeping a workspace's fan-out under Slack's limits.

Slack allows `chat.postMessage` about one message per second per channel plus a
workspace-wide limit it does not publish exactly ("several hundred a minute"). Each nudge goes
to its own DM channel, so the workspace limit is the one a fan-out meets: a `Pacer` spaces a
workspace's posts to a configured rate, and when Slack answers 429 anyway every thread
sending for that workspace waits out `Retry-After` and the rate drops, then climbs back.

One layer paces: the workspace's Web API client (`bot.slack_client.PacedClient`) waits for
its turn before each post and tells the pacer of each success and each 429. Callers just
call Slack. Waiting and timing use the sleep and monotonic clock the `Headway` context was
given, so the demo and tests pay no real seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

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


def retry_after(headers: dict[str, Any]) -> float:
    """Seconds Slack asked to wait, from a 429's `Retry-After` header; 1 if unreadable."""
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return 1.0
    return 1.0

"""Keeping a workspace's fan-out under Slack's limits, at the pace Slack allows.

Slack allows `chat.postMessage` about one message per second per channel plus a
workspace-wide limit it does not publish exactly ("several hundred a minute"). Each nudge
goes to its own DM channel, so the workspace limit is the one a fan-out meets. A `Pacer`
finds it instead of guessing it: it starts at the configured rate (`HEADWAY_SEND_RATE`),
rises while Slack accepts, and on a 429 everything sending for that workspace waits out
`Retry-After`, the rate falls back, and from then on it holds just under the rate Slack
refused (what Slack accepted in the seconds before the 429). After a long spell without a
429 it probes again, once, so a limit Slack raised is found too. An operator's maximum
(`HEADWAY_SEND_RATE=4-10`) caps it; without one, `HARD_CEILING` does.

One layer paces: the workspace's Web API client (`bot.slack_client.PacedClient`) waits for
its turn before each post and tells the pacer of each success and each 429. Callers just
call Slack. Waiting and timing use the sleep and monotonic clock the `Headway` context was
given, so the demo and tests pay no real seconds.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

# Without an operator's maximum, never faster than this per workspace: 1,200 a minute, well
# above the "several hundred a minute" Slack describes, so Slack's own 429 finds the limit.
HARD_CEILING = 20.0
# Each accepted post raises the rate by _RISE of the starting rate: from 4/s to 8/s takes
# 20 posts (about 3 s). An overshoot costs one Retry-After, once: the hold comes from what
# Slack accepted, not from how far the rate had climbed.
_RISE = 0.05
# After a 429: hold at _HOLD of the rate Slack accepted in the seconds before it, start
# again from _FALL_BACK of that hold, never below _FLOOR of the starting rate.
_HOLD = 0.95
_FALL_BACK = 0.9
_FLOOR = 0.1
# A hold lasts this long without another 429; then the pacer probes upwards again.
_PROBE_AFTER = 600.0
_WINDOW = 2.0  # seconds of accepted posts that measure the rate Slack allowed


class Pacer:
    """Spaces one workspace's sends, shared by all its threads (see the module)."""

    def __init__(
        self,
        rate: float,
        *,
        ceiling: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or (ceiling is not None and ceiling < rate):
            raise ValueError("rate must be positive and the ceiling at least the rate")
        self.start_rate = rate
        self.max_rate = ceiling if ceiling is not None else max(rate, HARD_CEILING)
        self.rate = rate
        self.ceiling = self.max_rate  # lowered to just under a rate Slack refused
        self.rate_limited = 0
        self.monotonic = monotonic
        self.sleep = sleep
        self._next = 0.0
        self._accepted: deque[float] = deque()
        self._sending_since = 0.0  # the first of the accepted posts without a gap
        self._held_since: float | None = None
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
        """Slack accepted a post: a little faster, up to the ceiling."""
        with self._lock:
            now = self.monotonic()
            while self._accepted and self._accepted[0] <= now - _WINDOW:
                self._accepted.popleft()
            if not self._accepted:
                self._sending_since = now
            self._accepted.append(now)
            if self._held_since is not None and now - self._held_since >= _PROBE_AFTER:
                self._held_since, self.ceiling = None, self.max_rate
            self.rate = min(self.ceiling, self.rate + self.start_rate * _RISE)

    def rate_limited_for(self, retry_after: float) -> None:
        """Slack said 429: nobody sends for `retry_after` seconds; then slower, and never
        again as fast as Slack refused."""
        with self._lock:
            now = self.monotonic()
            self.rate_limited += 1
            while self._accepted and self._accepted[0] <= now - _WINDOW:
                self._accepted.popleft()
            # What Slack took in the last seconds is its limit (over the last second, or
            # the last two while the rate was still climbing); with less than that much
            # sending behind it, the rate asked for.
            measured = self._accepted and now - self._sending_since >= _WINDOW
            last_second = sum(1 for at in self._accepted if at > now - 1.0)
            took = max(float(last_second), len(self._accepted) / _WINDOW)
            refused = min(self.rate, took) if measured else self.rate
            floor = self.start_rate * _FLOOR
            self.ceiling = max(floor, min(self.ceiling, refused * _HOLD))
            self.rate = max(floor, min(self.rate, self.ceiling) * _FALL_BACK)
            self._held_since = now
            self._accepted.clear()
            self._next = max(self._next, now + retry_after)


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

"""Web API clients: slack_sdk's WebClient with Headway's pacing and retry handlers.

A workspace's client (`make_client` with the workspace's pacer) is the one place sends are
paced: each post waits for its turn in the pacer, and a 429 is waited out through the same
pacer, so the workspace's other sends hold back too. Retries of 5xx answers and dropped
connections back off with slack_sdk's intervals. Every wait uses the `sleep` it is handed
(the `Headway` context's), never `time.sleep` directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from bot.pacing import Pacer, retry_after

TIMEOUT_S = 15
# The calls a workspace's pacer spaces: posts count against Slack's workspace-wide limit.
PACED_METHODS = frozenset({"chat.postMessage"})


class PacedClient(WebClient):
    """A WebClient whose posts (`PACED_METHODS`) take their turn in the workspace's pacer,
    and tell it when Slack took one; every other call goes straight through."""

    def __init__(self, token: str | None = None, *, pacer: Pacer, **kwargs: Any) -> None:
        super().__init__(token=token, **kwargs)
        self.pacer = pacer

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        if api_method not in PACED_METHODS:
            return super().api_call(api_method, **kwargs)
        self.pacer.wait()
        response = super().api_call(api_method, **kwargs)  # raises unless Slack said ok
        self.pacer.succeeded()
        return response


class _WaitThenRetry(RetryHandler):
    """A retry handler that waits (as the subclass says) and then asks for another try;
    slack_sdk's own handlers sleep on the real clock instead."""

    def _wait(self, state: RetryState, response: HttpResponse | None,
              error: Exception | None) -> None:
        raise NotImplementedError

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self._wait(state, response, error)
        state.increment_current_attempt()


class _BackoffWithSleep(_WaitThenRetry):
    """slack_sdk's exponential backoff with jitter, waited out with an injected `sleep`, so
    tests see the backoff without paying it."""

    def __init__(self, max_retry_count: int, sleep: Callable[[float], None]) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep

    def _wait(self, state: RetryState, response: HttpResponse | None,
              error: Exception | None) -> None:
        self._sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))


class _ConnectionRetry(_BackoffWithSleep, ConnectionErrorRetryHandler):
    """Dropped connections and resets."""


class _ServerErrorRetry(_BackoffWithSleep, ServerErrorRetryHandler):
    """HTTP 500 and 503."""


class PacedRateLimitHandler(_WaitThenRetry, RateLimitErrorRetryHandler):
    """Retries a call Slack answered with 429 once `Retry-After` has passed, waiting through
    the workspace's pacer: the workspace's other sends hold back too instead of hitting 429,
    and several retries due at once go out spaced, not in a burst.

    slack_sdk's own handler (whose retry test this keeps) sleeps on the real clock; this one
    waits with the pacer's injected sleep.
    """

    def __init__(self, pacer: Pacer, max_retry_count: int = 5) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.pacer = pacer

    def _wait(self, state: RetryState, response: HttpResponse | None,
              error: Exception | None) -> None:
        if response is None:  # only a 429 response is retried here (see _can_retry)
            raise error or RuntimeError("rate-limit retry without a response")
        self.pacer.rate_limited_for(retry_after(response.headers))
        self.pacer.wait()  # until Retry-After has passed, and this retry's turn


def make_client(token: str | None, api_url: str, pacer: Pacer | None = None, *,
                sleep: Callable[[float], None] = time.sleep) -> WebClient:
    """A client for `api_url`: with a `pacer`, a `PacedClient` whose posts take their turn
    and whose 429s are waited out through the pacer; retrying 5xx answers and dropped
    connections with backoff, waited with `sleep`."""
    client = WebClient(token=token) if pacer is None else PacedClient(token, pacer=pacer)
    return configure(client, api_url, pacer, sleep=sleep)


def configure(client: WebClient, api_url: str, pacer: Pacer | None = None, *,
              sleep: Callable[[float], None] = time.sleep) -> WebClient:
    """Point `client` at `api_url` with Headway's timeout and retry handlers; also used on
    the client Bolt makes for itself (its per-request clients copy these settings)."""
    rate_limit = (PacedRateLimitHandler(pacer, max_retry_count=5) if pacer is not None
                  else RateLimitErrorRetryHandler(max_retry_count=5))
    client.base_url = api_url if api_url.endswith("/") else api_url + "/"
    client.timeout = TIMEOUT_S
    client.retry_handlers = [
        _ConnectionRetry(max_retry_count=2, sleep=sleep),
        rate_limit,
        _ServerErrorRetry(max_retry_count=2, sleep=sleep),
    ]
    return client

"""Web API clients: slack_sdk's WebClient with its own retry handlers attached."""

from __future__ import annotations

import time
from collections.abc import Callable

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

from bot.pacing import PacedRateLimitHandler, Pacer

TIMEOUT_S = 15


class _BackoffWithSleep(RetryHandler):
    """slack_sdk's exponential backoff with jitter, waited out with an injected `sleep`
    (slack_sdk's own handlers call time.sleep), so tests see the backoff without paying it."""

    def __init__(self, max_retry_count: int, sleep: Callable[[float], None]) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self._sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


class _ConnectionRetry(_BackoffWithSleep, ConnectionErrorRetryHandler):
    """Dropped connections and resets."""


class _ServerErrorRetry(_BackoffWithSleep, ServerErrorRetryHandler):
    """HTTP 500 and 503."""


def make_client(token: str | None, api_url: str, pacer: Pacer | None = None, *,
                sleep: Callable[[float], None] = time.sleep) -> WebClient:
    """A client that honours `Retry-After` on 429 (telling the workspace's pacer, if any)
    and retries 5xx and dropped connections with backoff, waited with `sleep`."""
    return configure(WebClient(token=token), api_url, pacer, sleep=sleep)


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

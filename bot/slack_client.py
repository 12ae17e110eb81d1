"""Web API clients: slack_sdk's WebClient with its own retry handlers attached."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.pacing import PacedRateLimitHandler, Pacer

TIMEOUT_S = 15


def make_client(token: str | None, api_url: str, pacer: Pacer | None = None) -> WebClient:
    """A client that honours `Retry-After` on 429 (telling the workspace's pacer, if any)
    and retries 5xx and dropped connections with backoff."""
    return configure(WebClient(token=token), api_url, pacer)


def configure(client: WebClient, api_url: str, pacer: Pacer | None = None) -> WebClient:
    """Point `client` at `api_url` with Headway's timeout and retry handlers; also used on
    the client Bolt makes for itself (its per-request clients copy these settings)."""
    rate_limit = (PacedRateLimitHandler(pacer, max_retry_count=5) if pacer is not None
                  else RateLimitErrorRetryHandler(max_retry_count=5))
    client.base_url = api_url if api_url.endswith("/") else api_url + "/"
    client.timeout = TIMEOUT_S
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        rate_limit,
        ServerErrorRetryHandler(max_retry_count=2),
    ]
    return client

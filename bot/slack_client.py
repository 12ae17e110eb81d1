"""Web API clients: slack_sdk's WebClient with its own retry handlers attached."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

TIMEOUT_S = 15


def make_client(token: str | None, api_url: str) -> WebClient:
    """A client that honours `Retry-After` on 429 and retries 5xx and dropped connections."""
    return WebClient(
        token=token,
        base_url=api_url,
        timeout=TIMEOUT_S,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )

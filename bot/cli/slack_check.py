"""Checking the bot token with Slack (`auth.test`) before a command relies on it, trying
again with backoff while Slack cannot be reached."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.cli.failures import NETWORK_ERRORS, SlackFailure, network_reason
from bot.config import ConfigError
from bot.context import Headway

log = logging.getLogger("bot")

# Slack's answers to auth.test that mean "this token is no good", not "try again".
TOKEN_REFUSED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                           "token_expired", "not_allowed_token_type"})
# Backoff between auth.test attempts while Slack cannot be reached: 1 s, 2 s, 4 s… 30 s
# (starting at a tenth of the whole wait when that is shorter).
FIRST_RETRY_S = 1.0
MAX_RETRY_S = 30.0
AUTH_TIMEOUT_S = 10


def check_slack(hw: Headway, *, wait: float, doing: str, verbose: bool = False,
                sleep: Callable[[float], None] = time.sleep,
                monotonic: Callable[[], float] = time.monotonic) -> dict[str, Any] | None:
    """auth.test with the bot token, tried again with backoff for `wait` seconds while
    Slack cannot be reached (one warning per attempt). A token Slack refuses is a
    `ConfigError` naming SLACK_BOT_TOKEN; Slack still unreachable after `wait` is a
    `SlackFailure` that ends with `doing` ("nothing was sent").

    The workspace the token names is served: after an uninstall and a reinstall, the new
    token is the proof, and its `uninstalled_at` is cleared (its data was kept). Without a
    bot token (OAuth installs) there is nothing to check here: None.
    """
    s = hw.settings
    if not s.bot_token:
        return None
    # Under "slack_sdk", so that logsafety cuts request bodies from its DEBUG lines; quiet
    # unless --verbose, as its line per failed attempt repeats ours.
    quiet = logging.getLogger("slack_sdk.headway_check")
    quiet.setLevel(logging.NOTSET if verbose else logging.CRITICAL)
    # No retry handlers: this loop is the retry, with its own budget and one line per try.
    client = WebClient(token=s.bot_token, base_url=s.api_url, timeout=AUTH_TIMEOUT_S,
                       retry_handlers=[], logger=quiet)
    started, attempt, delay = monotonic(), 0, min(FIRST_RETRY_S, wait / 10)
    while True:
        attempt += 1
        try:
            auth = client.auth_test()
            break
        except SlackApiError as exc:
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            error, status = data.get("error"), exc.response.status_code
            if error in TOKEN_REFUSED:
                raise ConfigError(
                    f"SLACK_BOT_TOKEN was refused by Slack ({error}): copy the Bot User OAuth "
                    f"Token (xoxb-…) again from your app's OAuth & Permissions page") from None
            if status < 500 and status != 429:
                raise SlackFailure(
                    f"Slack answered auth.test at {s.api_url} with "
                    f"{error or f'HTTP {status}'}: check SLACK_API_URL; {doing}") from None
            reason = f"HTTP {status}"
        except NETWORK_ERRORS as exc:
            reason = network_reason(exc)
        elapsed = monotonic() - started
        left = wait - elapsed
        if left <= 0:
            tries = f"{attempt} attempts in {elapsed:.1f} s" if attempt > 1 else "1 attempt"
            raise SlackFailure(f"cannot reach Slack at {s.api_url} ({reason}; {tries}): check "
                               f"the network, a proxy, or SLACK_API_URL; {doing}")
        pause = min(delay, left)
        log.warning("Slack is not reachable at %s (%s): trying again in %.2g s (attempt %d; "
                    "giving up after %g s, HEADWAY_START_RETRY_SECONDS)",
                    s.api_url, reason, pause, attempt, wait)
        sleep(pause)
        delay = min(delay * 2, MAX_RETRY_S)

    workspace_id, name = auth["team_id"], auth.get("team") or ""
    known = hw.store.workspaces.get(workspace_id)
    hw.store.workspaces.mark_installed(workspace_id, hw.now(), name)
    if known is not None and known.uninstalled_at is not None:
        log.info("workspace %s had uninstalled Headway; SLACK_BOT_TOKEN is valid for it "
                 "again, so it is served again (its data was kept)", workspace_id)
    return dict(auth.data) if isinstance(auth.data, dict) else None

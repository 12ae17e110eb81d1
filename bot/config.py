"""Settings from the process environment and a `.env` file (the real environment wins).

A missing or malformed setting stops start-up with one line that names the variable and
says how to fix it; the CLI turns `ConfigError` into exit code 2 without a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DB = "./data/headway.db"
DEFAULT_PORT = 3000
# Messages per second per workspace a fan-out starts at (240 a minute): under Slack's
# workspace-wide limit for chat.postMessage, which it describes as "several hundred a
# minute". The pace then follows Slack (`bot.pacing`), up to a maximum if one is given.
DEFAULT_SEND_RATE = 4.0
# After a workspace uninstalls Headway, its data is kept this long (a reinstall picks up
# where it left off), then deleted.
DEFAULT_UNINSTALL_RETENTION_DAYS = 30
# How long `serve` keeps trying to reach Slack at start (auth.test, with backoff) before it
# gives up: a network that comes up a little after the process, or a short Slack outage,
# does not stop a deploy; a wrong SLACK_API_URL or a dead network ends it within minutes.
DEFAULT_START_RETRY_SECONDS = 120.0
# Every variable that says the operator meant to connect Slack: with any of them set,
# `make run` starts `serve` (whose own message explains what is missing or malformed).
SLACK_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN",
                   "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    client_id: str | None
    client_secret: str | None
    api_url: str
    db_path: Path
    port: int
    send_rate: float = DEFAULT_SEND_RATE
    # HEADWAY_SEND_RATE=START-MAX: never faster than MAX (None: as fast as Slack allows).
    send_rate_max: float | None = None
    uninstall_retention_days: int = DEFAULT_UNINSTALL_RETENTION_DAYS
    # An operator's own prompt packs, beside the shipped ones (bot.core.prompts.load_packs).
    prompts_dir: Path | None = None
    start_retry_seconds: float = DEFAULT_START_RETRY_SECONDS
    # PORT was set, not defaulted: in Socket Mode, `serve` answers /healthz on it only then.
    port_given: bool = False

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @property
    def oauth(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def has_slack(self) -> bool:
        """True when there is enough to talk to Slack at all (else `make run` runs the demo)."""
        return bool(self.bot_token or self.oauth)


def load_dotenv_file(path: str | os.PathLike[str] = ".env") -> None:
    """Read `.env` into the environment without overriding variables already set."""
    from dotenv import load_dotenv

    load_dotenv(path, override=False)


def slack_variables_set(env: Mapping[str, str] | None = None) -> list[str]:
    """The Slack variables that are set (to anything): `make run` runs the offline demo
    only when this is empty."""
    env = os.environ if env is None else env
    return [name for name in SLACK_VARIABLES if _blank_to_none(env.get(name))]


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _check_prefix(name: str, value: str | None, prefix: str, what: str) -> None:
    if value is not None and not value.startswith(prefix):
        raise ConfigError(
            f"{name} must be {what} starting with '{prefix}' (got '{value[:5]}…'); "
            f"copy it from your Slack app's settings into .env"
        )


# The variables of a command that uses only the database file (`migrate`, `backup`,
# `export`), and those of one that reads it to render (`digest --dry-run`).
DATABASE_VARIABLES = frozenset({"HEADWAY_DB"})
RENDER_VARIABLES = frozenset({"HEADWAY_DB", "HEADWAY_PROMPTS_DIR"})


def _whole(text: str) -> int:
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def _bounded(env: Mapping[str, str], name: str, default: float, convert: Callable[[str], float],
             low: float, high: float, checks: Callable[[str], bool], what: str,
             why: str) -> float:
    """A numeric setting within [low, high]: `default` when unset; one ConfigError line
    naming it when it is malformed and the command uses it (`checks`), else the default."""
    text = _blank_to_none(env.get(name)) or f"{default:g}"
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is not None and low <= value <= high:
        return value
    if checks(name):
        raise ConfigError(f"{name} must be {what} (got '{text}'){why}")
    return default


def _send_rate(env: Mapping[str, str],
               checks: Callable[[str], bool]) -> tuple[float, float | None]:
    """HEADWAY_SEND_RATE: `START` (messages per second per workspace a fan-out starts at;
    the pace then follows Slack) or `START-MAX` (and never faster than MAX)."""
    name = "HEADWAY_SEND_RATE"
    text = _blank_to_none(env.get(name))
    if text is None:
        return DEFAULT_SEND_RATE, None
    start_text, dash, max_text = text.partition("-")
    try:
        start = float(start_text)
        ceiling = float(max_text) if dash else None
    except ValueError:
        start = ceiling = None
    if start is not None and 0.1 <= start <= 1000 and (
            not dash or (ceiling is not None and start <= ceiling <= 1000)):
        return start, ceiling
    if checks(name):
        raise ConfigError(
            f"{name} must be a number of messages per second from 0.1 to 1000 to start at, "
            f"or a start and a maximum such as 4-10 (got '{text}'); the default "
            f"{DEFAULT_SEND_RATE:g} suits most workspaces: the pace then follows Slack")
    return DEFAULT_SEND_RATE, None


def settings_from_env(env: Mapping[str, str] | None = None, *,
                      uses: Collection[str] | None = None) -> Settings:
    """Validate the environment into `Settings` or raise `ConfigError` naming the variable.

    `uses`: the variables the command reads (default: all). The others are not checked, so
    a bad HEADWAY_SEND_RATE does not stop `headway export`; a malformed one the command does
    not use keeps its default in the `Settings` (tokens are kept as they are).
    """
    env = os.environ if env is None else env

    def checks(*names: str) -> bool:
        return uses is None or any(name in uses for name in names)

    bot_token = _blank_to_none(env.get("SLACK_BOT_TOKEN"))
    signing_secret = _blank_to_none(env.get("SLACK_SIGNING_SECRET"))
    app_token = _blank_to_none(env.get("SLACK_APP_TOKEN"))
    client_id = _blank_to_none(env.get("SLACK_CLIENT_ID"))
    client_secret = _blank_to_none(env.get("SLACK_CLIENT_SECRET"))

    if checks(*SLACK_VARIABLES):
        _check_slack_variables(bot_token, signing_secret, app_token, client_id, client_secret)

    api_url = _blank_to_none(env.get("SLACK_API_URL")) or DEFAULT_API_URL
    if not re.match(r"^https?://[^/\s]+", api_url):
        if checks("SLACK_API_URL"):
            raise ConfigError(
                f"SLACK_API_URL must be an http(s) URL such as {DEFAULT_API_URL} (got "
                f"'{api_url}')"
            )
        api_url = DEFAULT_API_URL
    if not api_url.endswith("/"):
        api_url += "/"

    db = _blank_to_none(env.get("HEADWAY_DB")) or DEFAULT_DB

    port_given = _blank_to_none(env.get("PORT"))
    port_text = port_given or str(DEFAULT_PORT)
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        if checks("PORT"):
            raise ConfigError(f"PORT must be a number from 1 to 65535 (got '{port_text}')")
        port_given, port_text = None, str(DEFAULT_PORT)

    send_rate, send_rate_max = _send_rate(env, checks)
    retention_days = _bounded(
        env, "HEADWAY_UNINSTALL_RETENTION_DAYS", DEFAULT_UNINSTALL_RETENTION_DAYS, _whole,
        0, 3650, checks, "a number of days from 0 to 3650",
        ": how long a workspace's data is kept after it uninstalls")
    prompts_dir = _blank_to_none(env.get("HEADWAY_PROMPTS_DIR"))  # checked by load_packs
    start_retry = _bounded(
        env, "HEADWAY_START_RETRY_SECONDS", DEFAULT_START_RETRY_SECONDS, float, 0, 3600,
        checks, "a number of seconds from 0 to 3600",
        ": how long `serve` keeps trying to reach Slack at start")

    return Settings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        client_id=client_id,
        client_secret=client_secret,
        api_url=api_url,
        db_path=Path(db),
        port=int(port_text),
        send_rate=send_rate,
        send_rate_max=send_rate_max,
        uninstall_retention_days=int(retention_days),
        prompts_dir=Path(prompts_dir) if prompts_dir else None,
        start_retry_seconds=start_retry,
        port_given=port_given is not None,
    )


def _check_slack_variables(bot_token: str | None, signing_secret: str | None,
                           app_token: str | None, client_id: str | None,
                           client_secret: str | None) -> None:
    """The Slack credentials, each well-formed and together a way to install."""
    _check_prefix("SLACK_BOT_TOKEN", bot_token, "xoxb-", "a bot token")
    _check_prefix("SLACK_APP_TOKEN", app_token, "xapp-", "an app-level token")
    if bool(client_id) != bool(client_secret):
        missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        raise ConfigError(
            f"{missing} is not set: OAuth install needs both SLACK_CLIENT_ID and "
            f"SLACK_CLIENT_SECRET (or neither, for a single-workspace install)"
        )
    if client_id and bot_token:
        raise ConfigError(
            "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: use SLACK_BOT_TOKEN for one "
            "workspace, or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET for OAuth installs, not both"
        )
    if client_id and app_token:
        raise ConfigError(
            "SLACK_APP_TOKEN (Socket Mode) is set with SLACK_CLIENT_ID: OAuth installs need "
            "HTTP mode for /slack/install and /slack/oauth_redirect; unset SLACK_APP_TOKEN"
        )
    if signing_secret is not None and not re.fullmatch(r"[0-9a-fA-F]{16,128}", signing_secret):
        raise ConfigError(
            "SLACK_SIGNING_SECRET looks malformed (expected the hex string from "
            "Basic Information → App Credentials → Signing Secret)"
        )


def require_serve_settings(settings: Settings) -> None:
    """`serve` needs a way to talk to Slack and a way to verify what Slack sends."""
    if not settings.has_slack:
        raise ConfigError(
            "SLACK_BOT_TOKEN is not set: add it to .env (see .env.example), "
            "or run `headway demo` to try Headway without Slack"
        )
    if not settings.socket_mode and not settings.signing_secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify requests "
            "(or set SLACK_APP_TOKEN to use Socket Mode)"
        )

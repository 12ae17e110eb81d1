"""Keep tokens, secrets and reply text out of the logs, whatever the log level.

slack_sdk logs every request and response body (and the `Authorization` header) at DEBUG;
Bolt logs every ack body; the webhook client behind `respond()` logs its body. Those bodies
carry people's answers. Handlers and logger filters only see records of the loggers they
are attached to, so the redaction sits in the log record factory: every record made in the
process passes through it, including those of loggers created later.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

# Slack token shapes: bot/user/app/config/refresh tokens.
_TOKEN = re.compile(r"\bx(?:ox[a-z]|app|oxe\.xox[a-z])-[A-Za-z0-9-]+")
# "…url: U, query_params: …" → keep what identifies the call, drop what it carried.
_CUTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(Sending a request - url: [^,\s]+).*", re.S), r"\1 (body not logged)"),
    (re.compile(r"^(Received the following response - status: \d+).*", re.S),
     r"\1 (body not logged)"),
    (re.compile(r"^(Responding with status: \d+).*?(\(\d+ millis\))?$", re.S),
     r"\1 (body not logged) \2"),
)
# Third-party loggers whose DEBUG records may carry request/response bodies.
_CHATTY = ("slack_sdk", "slack_bolt", "bot.bolt", "urllib3")

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def redact(message: str, logger_name: str = "", level: int = logging.INFO) -> str:
    """`message` without known secrets, Slack tokens, or (for chatty libraries at DEBUG)
    request and response bodies."""
    if level <= logging.DEBUG and logger_name.startswith(_CHATTY):
        for pattern, keep in _CUTS:
            if pattern.match(message):
                message = pattern.sub(keep, message).rstrip()
                break
        else:
            # An unknown debug line from a library that logs payloads: keep its first words.
            for marker in (" body", " payload", "params", "{", "["):
                at = message.find(marker)
                if at != -1:
                    message = message[:at] + " … (details not logged)"
                    break
    for secret in _secrets:
        message = message.replace(secret, "[redacted]")
    return _TOKEN.sub("[token]", message)


def install(secrets: Iterable[str | None] = ()) -> None:
    """Route every log record through `redact`; remember `secrets` (tokens, signing and
    client secrets) to mask them anywhere. Idempotent; later calls add secrets."""
    global _installed
    with _lock:
        _secrets.update(s for s in secrets if s and len(s) >= 8)
        if _installed:
            return
        _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            text = record.getMessage()
        except Exception:  # a malformed log call: let the handler report it as usual
            return record
        record.msg = redact(text, record.name, record.levelno)
        record.args = None
        return record

    logging.setLogRecordFactory(factory)

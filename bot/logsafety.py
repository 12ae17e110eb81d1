"""Keep tokens, secrets and what members wrote out of the logs, at every level, on every path.

slack_sdk logs every request and response body (and the `Authorization` header) at DEBUG;
Bolt logs every ack body at DEBUG, and the whole body of a request whose signature fails
(a rotated signing secret, clock skew) at INFO; Socket Mode logs unsuccessful ack bodies at
INFO; the webhook client behind `respond()` logs its body. Those bodies carry people's
answers. And an exception's message may quote the data it choked on, so a traceback is as
dangerous as a body.

Handlers and logger filters only see records of the loggers they are attached to, so the
redaction sits in the log record factory: every record made in the process passes through
it, including those of loggers created later. It

- masks known secrets and anything shaped like a Slack token, in every record;
- cuts request/response bodies and payloads out of the records of libraries (anything not
  Headway's own `bot.*` loggers), whatever the level;
- replaces the exception of a record (`exc_info`) with a traceback that keeps the frames
  (file, line, function, source line: code, not data) and the exception's type, but not its
  message, and removes that message where the log line itself quotes it.

Headway's own log lines name ids and error kinds only, never text a person wrote.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType
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
    # Bolt, at INFO, for every request whose signature or timestamp does not verify: the
    # timestamp tells clock skew from a wrong secret; signature and body stay out.
    (re.compile(r"^(Invalid request signature detected) \(signature: [^,]*, "
                r"(timestamp: [0-9]*), body: .*", re.S), r"\1 (\2; body not logged)"),
    (re.compile(r"^(Invalid request signature detected).*", re.S), r"\1 (body not logged)"),
    (re.compile(r"^(Failed to decode Slack API response).*", re.S), r"\1 (body not logged)"),
)
# Where an unknown library line starts quoting a body, a payload or an error's text.
_MARKERS = (" body", " payload", "params", "(error:", "{", "[")
_FIRST_PARTY = "bot"
_NOT_FIRST_PARTY = ("bot.bolt",)  # Bolt's framework logger, named by us, logs Bolt's lines
# Libraries that log no payloads: their lines stay whole (the scheduler's "next run at …").
_PLAIN = ("apscheduler",)

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _is_library(logger_name: str) -> bool:
    first_party = logger_name == _FIRST_PARTY or logger_name.startswith(_FIRST_PARTY + ".")
    if first_party:
        return logger_name.startswith(_NOT_FIRST_PARTY)
    return not logger_name.startswith(_PLAIN)


def redact(message: str, logger_name: str = "", level: int = logging.INFO) -> str:
    """`message` without known secrets, Slack tokens, or (for libraries, at any level)
    request and response bodies. `level` is kept for callers; the rules no longer depend
    on it (Bolt writes bodies at INFO too)."""
    if _is_library(logger_name):
        for pattern, keep in _CUTS:
            if pattern.match(message):
                message = pattern.sub(keep, message).rstrip()
                break
        else:
            # An unknown line from a library that logs payloads: keep its first words.
            at = min((i for m in _MARKERS if (i := message.find(m)) != -1), default=-1)
            if at != -1:
                message = message[:at].rstrip(" ([{:") + " … (details not logged)"
    for secret in _secrets:
        message = message.replace(secret, "[redacted]")
    return _TOKEN.sub("[token]", message)


def describe_exception(exc: BaseException) -> str:
    """The exception's type and only what is known to carry no data: Slack's error code,
    an OS error's errno text, SQLite's own message (it never quotes bound values)."""
    kind = type(exc).__qualname__
    module = type(exc).__module__
    if module not in ("builtins", "__main__"):
        kind = f"{module}.{kind}"
    response = getattr(exc, "response", None)
    if response is not None and hasattr(response, "get"):
        try:
            return f"{kind}: Slack said {response.get('error')!s}"
        except Exception:  # not a SlackResponse after all
            return kind
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"{kind}: [Errno {exc.errno}] {exc.strerror}"
    if isinstance(exc, sqlite3.Error):
        return f"{kind}: {exc}"
    return f"{kind} (message not logged)"


def _chain(exc: BaseException | None) -> list[BaseException]:
    """The exception and those it came from (cause or context), outermost last."""
    seen: list[BaseException] = []
    while exc is not None and all(exc is not e for e in seen):
        seen.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return list(reversed(seen))


def safe_traceback(exc_info: ExcInfo) -> str:
    """A traceback like Python's, with each exception's message replaced by
    `describe_exception`: frames and types stay, data does not."""
    parts: list[str] = []
    for i, exc in enumerate(_chain(exc_info[1])):
        if i:
            parts.append("\nDuring handling of the above exception, another was raised:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
        parts.append(describe_exception(exc) + "\n")
    return "".join(parts).rstrip("\n")


def _strip_exception_text(message: str, exc_info: ExcInfo) -> str:
    # `logger.exception(f"Failed to run a listener: {e}")` quotes the message in the line.
    for exc in _chain(exc_info[1]):
        for text in {str(exc), repr(exc)}:
            if len(text) >= 4 and text in message:
                message = message.replace(text, describe_exception(exc))
    return message


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
        except Exception:  # a malformed log call: drop its arguments, keep the template
            text, record.args = str(record.msg), None
        exc_info = record.exc_info
        if exc_info and exc_info[1] is not None:
            text = _strip_exception_text(text, exc_info)
            # Formatters print `exc_text` when `exc_info` is gone: ours, not Python's.
            record.exc_text = redact(safe_traceback(exc_info), _FIRST_PARTY)
            record.exc_info = None
        record.msg = redact(text, record.name, record.levelno)
        record.args = None
        return record

    logging.setLogRecordFactory(factory)

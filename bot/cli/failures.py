"""How `headway` fails: every failure is one line on stderr and an exit status, never a
traceback.

- exit 2: something the operator fixes (a setting, an argument, the database file, PORT);
- exit 1: Slack could not be reached or refused the work (run it again later), or an
  unexpected error (`--verbose` logs its traceback);
- exit 141: a reader that stopped reading (`headway export | head`), as for a process
  stopped by SIGPIPE; nothing is printed.

The README's Troubleshooting section lists every message with what to do.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import re
import signal
import sqlite3
import sys
import urllib.error
from collections import Counter

from bot.config import ConfigError
from bot.core.prompts import PackError
from bot.store import StoreError

log = logging.getLogger("bot")

# Network failures on the way to Slack, as slack_sdk's urllib transport raises them.
NETWORK_ERRORS = (urllib.error.URLError, TimeoutError, ConnectionError,
                  http.client.HTTPException)
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE


class UsageError(Exception):
    """Bad command-line input; exit code 2 with this message."""


class SlackFailure(Exception):
    """Slack could not be reached, or refused the work; exit code 1 with this message."""


def exit_status(exc: BaseException) -> int:
    """What a command that raised `exc` tells the operator (one line), and its exit status."""
    if isinstance(exc, ConfigError | PackError | UsageError | StoreError):
        return fail(exc, 2)
    if isinstance(exc, SlackFailure):
        return fail(exc, 1)
    if isinstance(exc, BrokenPipeError):
        return _broken_pipe()
    if isinstance(exc, KeyboardInterrupt):
        return 130
    if isinstance(exc, NETWORK_ERRORS):
        return fail(f"lost the connection to Slack ({network_reason(exc)}): run the command "
                    f"again when Slack is reachable", 1)
    if isinstance(exc, sqlite3.Error):
        log.debug("database error", exc_info=exc)
        return fail(f"database error ({exc}): if it persists, restore the database "
                    f"(HEADWAY_DB) from a backup", 1)
    # The class only: an exception's message may quote what a member wrote.
    log.debug("unexpected error", exc_info=exc)
    return fail(f"unexpected error ({type(exc).__name__}); run with --verbose for the "
                f"traceback", 1)


def fail(message: object, code: int) -> int:
    text = " ".join(str(message).split())  # one line, whatever the message holds
    print(f"headway: {text}", file=sys.stderr)
    return code


def _broken_pipe() -> int:
    # The reader went away: nothing more to tell it. Point stdout at /dev/null so that the
    # interpreter's last flush does not report the closed pipe either.
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


def network_reason(exc: BaseException) -> str:
    """What went wrong on the way to Slack, in a few words ("Connection refused")."""
    inner = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(inner, TimeoutError):
        return "timed out"
    if isinstance(inner, OSError) and inner.strerror:
        return inner.strerror
    return str(inner) or type(inner).__name__


class FailureTally(logging.Filter):
    """While a one-shot command talks to Slack, warnings from Headway's loggers are counted
    by kind (numbers and Slack ids taken out) instead of printed one by one, and slack_sdk's
    line per failed attempt (which ours repeat) is held back; `report` then prints one line
    per kind with its count. With --verbose every record is printed as it comes."""

    _IDS = re.compile(r"\b(?:\d+|[A-Z][A-Z0-9]*\d[A-Z0-9]*)\b")  # 42, U07ABC, T0001

    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self.verbose = verbose
        self.kinds: Counter[str] = Counter()
        self._handlers: list[logging.Handler] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        if record.name.startswith("bot."):
            self.kinds[self._IDS.sub("…", record.getMessage())] += 1
            return self.verbose
        return self.verbose or not record.name.startswith("slack_sdk")

    def __enter__(self) -> FailureTally:
        # Only the console: a test's log capture keeps every record.
        self._handlers = [h for h in logging.getLogger().handlers
                          if getattr(h, "stream", None) is sys.stderr]
        for handler in self._handlers:
            handler.addFilter(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for handler in self._handlers:
            handler.removeFilter(self)

    def report(self) -> None:
        for kind, n in self.kinds.most_common():
            print(f"headway: {kind} ({n} time{'s' if n > 1 else ''})", file=sys.stderr)

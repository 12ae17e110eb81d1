"""How `headway` logs: at INFO, what happened (started, nudges sent, digests posted,
problems); at DEBUG (`--verbose`), everything, still redacted by `bot.logsafety`."""

from __future__ import annotations

import logging

from bot import logsafety

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries whose INFO lines say that time passed rather than that something happened:
# APScheduler logs "Running job …" and "Job … executed successfully" for every tick, once
# a minute. Their warnings (a missed or skipped run) still show.
QUIET_AT_INFO = {"apscheduler": logging.WARNING}


def configure_logging(verbose: bool = False) -> None:
    """Redaction first (before any client exists), then the root handler and levels."""
    logsafety.install()
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format=FORMAT)
    for name, level in QUIET_AT_INFO.items():
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else level)

"""One unit of scheduled work fails alone.

A tick (and `headway nudge --now`) is many small, independent pieces of work: one member's
nudge, one reminder, one workspace's digest, sweep or purge. One bad record or one refusal
must not stop the pieces after it. Each runs inside `unit_of_work`: an exception is logged
with the unit's ids (never its data: no reply text, no names), counted, and swallowed; the
work is idempotent (ledger, digest claims), so the next tick simply tries it again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


@contextmanager
def unit_of_work(what: str, *ids: str, failed: list[str] | None = None) -> Iterator[None]:
    """Run the block as one unit: on an exception, log `what` and `ids`, append
    `"what:id/id"` to `failed` and carry on after the block.

    One line at ERROR (the kind of error, not its message, which may quote data); the
    traceback at DEBUG, for `--verbose`, redacted by `bot.logsafety` like every record.
    """
    try:
        yield
    except Exception as exc:
        key = "/".join(ids)
        if failed is not None:
            failed.append(f"{what}:{key}")
        log.error("%s %s failed (%s); it is tried again at the next tick, the rest goes on",
                  what, key, type(exc).__name__)
        log.debug("%s %s failed", what, key, exc_info=True)

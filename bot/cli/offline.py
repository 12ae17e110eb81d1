"""Commands that need no Slack and no database of the operator's: `classify` and `demo`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from bot.cli.failures import UsageError

# What a blank input line gets: there is nothing in it to label.
BLANK = "none\t1.00\t"
# The text column stays one column: a tab or CR would add a column or a line, a NUL ends
# the text for many readers. Backslash too, so that the escapes can be read back.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\r": "\\r", "\0": "\\0"})


def classify() -> int:
    """Items on stdin, one a line; `label<TAB>confidence<TAB>text` on stdout, one line per
    input line in the same order (a blank one gives `BLANK`), the text escaped (`_ESCAPES`).

    Lines end at a line feed only (a CR LF ending is taken off whole); a CR inside a line
    is text. Bytes that are not UTF-8 are read as U+FFFD rather than failing the run.
    """
    from bot.core.classify import classify_many

    raw = getattr(sys.stdin, "buffer", None)  # a test may hand over a text stream
    data = raw.read().decode("utf-8", errors="replace") if raw else sys.stdin.read()
    lines = [line.removesuffix("\r") for line in data.split("\n")]
    if data.endswith("\n") or not data:
        lines.pop()  # the end of the last line, not a line
    texts = [line for line in lines if line.strip()]
    labelled = iter(classify_many(texts))
    for line in lines:
        if not line.strip():
            print(BLANK + line.translate(_ESCAPES))
            continue
        c = next(labelled)
        print(f"{c.label}\t{c.confidence:.2f}\t{line.translate(_ESCAPES)}")
    return 0


def demo(out: Path) -> int:
    """The weekly cycle offline, its digest and database written to `out`."""
    from bot.demo import run_demo

    if out.exists() and not out.is_dir():
        raise UsageError(f"demo --out {out} is a file: give a directory (default: out/demo)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write the demo to {out} ({exc.strerror}): give a writable "
                         f"directory with --out") from None
    # The demo prints its own account of the weeks; the bot's log lines (one per fan-out,
    # for `serve`) would bury it. `--verbose` still shows everything.
    bot_log = logging.getLogger("bot")
    level = bot_log.level
    if bot_log.getEffectiveLevel() > logging.DEBUG:
        bot_log.setLevel(logging.WARNING)
    try:
        return run_demo(out)
    finally:
        bot_log.setLevel(level)  # as it was: the caller's logging is the caller's

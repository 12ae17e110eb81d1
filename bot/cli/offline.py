"""Commands that need no Slack and no database of the operator's: `classify` and `demo`."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.cli.failures import UsageError


def classify() -> int:
    """Items on stdin, one a line; `label<TAB>confidence<TAB>text` on stdout."""
    from bot.core.classify import classify_many

    lines = [line.rstrip("\n") for line in sys.stdin]
    texts = [line for line in lines if line.strip()]
    for text, c in zip(texts, classify_many(texts), strict=True):
        print(f"{c.label}\t{c.confidence:.2f}\t{text}")
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
    return run_demo(out)

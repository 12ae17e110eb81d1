"""The labelled corpora packaged in `bot/core/corpus/`: tab-separated rows of (label, team,
style, text) under a header line, read through `importlib.resources` so an installed wheel
reads them too. The classifier and the KTLO themes fit on them; `make bench` scores on them.
"""

from __future__ import annotations

from collections.abc import Container
from importlib import resources


def read_corpus(filename: str, labels: Container[str],
                what: str) -> list[tuple[str, str, str, str]]:
    """The rows of `corpus/<filename>` as (label, team, style, text); ValueError naming the
    file and line of a row whose label is not in `labels` (`what` names the column)."""
    path = resources.files("bot.core") / "corpus" / filename
    rows: list[tuple[str, str, str, str]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if n == 0 or not line.strip():
            continue  # header
        label, team, style, text = line.split("\t", 3)
        if label not in labels:
            raise ValueError(f"corpus/{filename} line {n + 1}: bad {what} {label!r}")
        rows.append((label, team, style, text))
    return rows

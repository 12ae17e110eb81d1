"""Splitting a `work` answer into items: bullets, numbered lines, lines, `;`-parts.

Nothing the member wrote is dropped: only the list markers themselves are removed.
"""

from __future__ import annotations

import re

# "- ", "* ", "• ", "– ", "1. ", "1) ", "(1) ", "a) " at the start of a line.
_MARKER = re.compile(r"^\s*(?:[-*•·–—▪◦]+|\(?\d{1,3}[.)]|\(?[a-zA-Z][)])\s+")


def split_items(text: str) -> list[str]:
    items: list[str] = []
    for line in text.splitlines():
        line = _MARKER.sub("", line, count=1).strip()
        if not line:
            continue
        for part in line.split(";"):
            part = part.strip()
            if part:
                items.append(part)
    return items

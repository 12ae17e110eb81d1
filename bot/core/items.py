"""Splitting a `work` answer into items: bullets, numbered lines, lines, `;`-parts.

Nothing the member wrote is dropped: only the list markers themselves are removed.
"""

from __future__ import annotations

import re

# "- ", "* ", "• ", "– ", "1. ", "1) ", "(1) ", "a) " at the start of a line.
_MARKER = re.compile(r"^\s*(?:[-*•·–—▪◦]+|\(?\d{1,3}[.)]|\(?[a-zA-Z][)])\s+")


def split_items(text: str) -> list[str]:
    items: list[str] = []
    # Only "\n" ends a line (a trailing "\r" is stripped below): str.splitlines() would also
    # split on rare separators such as U+0085, turning a marker's spacing into a line break
    # and changing which characters count as list markers.
    for line in text.split("\n"):
        line = _MARKER.sub("", line, count=1).strip()
        if not line:
            continue
        for part in line.split(";"):
            part = part.strip()
            if part:
                items.append(part)
    return items

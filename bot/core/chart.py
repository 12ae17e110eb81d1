"""The digest's trend chart: progress share per week as a small PNG, drawn without a plotting
library (a bar chart needs rectangles and a few digits, not matplotlib's 40 MB).

Pure: weeks in, PNG bytes out.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

WIDTH, HEIGHT = 480, 240
_SCALE = 3  # font pixels per glyph pixel

_WHITE = (255, 255, 255)
_INK = (60, 64, 72)
_GRID = (225, 228, 232)
_PAST = (140, 200, 160)
_NOW = (30, 150, 80)
_TARGET = (214, 90, 40)  # the target's dashed line: no bar is this colour
_LATER = (180, 184, 190)  # the labels of the weeks still to come
_SLOT = 48  # the least room a week gets: its "100%" (45 px) never touches the next one's

# 3×5 glyphs, one string per row, "#" = ink.
_GLYPHS = {
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", "###", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", ".#.", ".#.", ".#."),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
    "%": ("#.#", "..#", ".#.", "#..", "#.#"),
    "W": ("#.#", "#.#", "#.#", "###", "#.#"),
    "-": ("...", "...", "###", "...", "..."),
    " ": ("...", "...", "...", "...", "..."),
}


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(_WHITE) * (width * height))

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: tuple[int, int, int]) -> None:
        x0, x1 = max(0, min(x0, x1)), min(self.width, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.height, max(y0, y1))
        row = bytes(color) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start:start + len(row)] = row

    def text(self, x_center: int, y: int, text: str, color: tuple[int, int, int]) -> None:
        advance = 4 * _SCALE
        x = x_center - (len(text) * advance - _SCALE) // 2
        for ch in text:
            for gy, line in enumerate(_GLYPHS.get(ch, _GLYPHS[" "])):
                for gx, cell in enumerate(line):
                    if cell == "#":
                        px, py = x + gx * _SCALE, y + gy * _SCALE
                        self.rect(px, py, px + _SCALE, py + _SCALE, color)
            x += advance

    def png(self) -> bytes:
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width * 3:(y + 1) * self.width * 3])
            for y in range(self.height)
        )
        return b"".join([
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)),
            _chunk(b"IDAT", zlib.compress(raw, 9)),
            _chunk(b"IEND", b""),
        ])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def trend_png(weeks: Sequence[tuple[str, float | None]], *, target: float | None = None,
              later: Sequence[str] = ()) -> bytes:
    """Bars of the progress share (0–1) for each `(period, share)`, oldest first; the last
    is the digest's week, drawn darker. A week without data gets a dash and no bar.

    `later`: the weeks of the span still to come (the rest of the quarter), drawn as
    labelled empty slots. `target`: a dashed horizontal line at that share, in a colour of
    its own, labelled with its percentage in the right margin. The picture widens beyond
    WIDTH when the weeks need it."""
    left, right = 30, 30 if target is None else 60
    slots = len(weeks) + len(later)
    width = max(WIDTH, left + right + slots * _SLOT)
    canvas = _Canvas(width, HEIGHT)
    top, bottom = 40, HEIGHT - 40
    for pct in (0.25, 0.5, 0.75, 1.0):  # light guides, so a bar's height reads at a glance
        y = bottom - round(pct * (bottom - top))
        canvas.rect(left, y, width - right, y + 1, _GRID)
    canvas.rect(left, bottom, width - right, bottom + 2, _INK)
    if not slots:
        return canvas.png()
    slot = (width - left - right) // slots
    bar = min(60, slot * 3 // 5)
    for i, (period, share) in enumerate(weeks):
        center = left + slot * i + slot // 2
        label = "W" + period.rsplit("W", 1)[-1]
        canvas.text(center, bottom + 10, label, _INK)
        if share is None:
            canvas.text(center, bottom - 25, "-", _INK)
            continue
        share = min(1.0, max(0.0, share))
        height = round(share * (bottom - top))
        color = _NOW if i == len(weeks) - 1 else _PAST
        canvas.rect(center - bar // 2, bottom - height, center + bar // 2, bottom, color)
        canvas.text(center, bottom - height - 22, f"{round(share * 100)}%", _INK)
    for j, period in enumerate(later):
        center = left + slot * (len(weeks) + j) + slot // 2
        canvas.text(center, bottom + 10, "W" + period.rsplit("W", 1)[-1], _LATER)
    if target is not None:
        target = min(1.0, max(0.0, target))
        y = bottom - round(target * (bottom - top))
        for x in range(left, width - right, 12):  # dashes of 7 px, over the bars
            canvas.rect(x, y - 1, min(x + 7, width - right), y + 2, _TARGET)
        canvas.text(width - right // 2, y - 7, f"{round(target * 100)}%", _TARGET)
    return canvas.png()

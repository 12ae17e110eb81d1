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


def trend_png(weeks: Sequence[tuple[str, float | None]]) -> bytes:
    """Bars of the progress share (0–1) for each `(period, share)`, oldest first; the last
    is the digest's week, drawn darker. A week without data gets a dash and no bar."""
    canvas = _Canvas(WIDTH, HEIGHT)
    top, bottom, margin = 40, HEIGHT - 40, 30
    for pct in (0.25, 0.5, 0.75, 1.0):  # light guides, so a bar's height reads at a glance
        y = bottom - round(pct * (bottom - top))
        canvas.rect(margin, y, WIDTH - margin, y + 1, _GRID)
    canvas.rect(margin, bottom, WIDTH - margin, bottom + 2, _INK)
    if not weeks:
        return canvas.png()
    slot = (WIDTH - 2 * margin) // len(weeks)
    bar = min(60, slot * 3 // 5)
    for i, (period, share) in enumerate(weeks):
        center = margin + slot * i + slot // 2
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
    return canvas.png()

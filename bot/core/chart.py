"""The digest's trend chart: progress share per week as a small PNG, drawn without a plotting
library (a bar chart needs rectangles and a few digits, not matplotlib's 40 MB).

Pure: weeks in, PNG bytes out.
"""

from __future__ import annotations

import itertools
import struct
import unicodedata
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


# ── the leaders' rollup: one line per team ───────────────────────────────────

LINES_WIDTH, LINES_HEIGHT = 720, 320
MAX_LINES = 8  # lines drawn; the legend counts the rest
# Okabe & Ito's colour-blind-safe palette (its yellow darkened to read on white), each
# with its own marker shape, so two lines differ in shape as well as in colour.
LINE_COLOURS: tuple[tuple[int, int, int], ...] = (
    (0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167),
    (86, 180, 233), (230, 159, 0), (0, 0, 0), (160, 140, 0),
)
_MARKERS = ("square", "diamond", "cross", "ring")

# Capitals for the legend, 3×5 like the digits; lowercase is drawn as capitals.
_LETTERS = {
    "A": (".#.", "#.#", "###", "#.#", "#.#"), "B": ("##.", "#.#", "##.", "#.#", "##."),
    "C": (".##", "#..", "#..", "#..", ".##"), "D": ("##.", "#.#", "#.#", "#.#", "##."),
    "E": ("###", "#..", "##.", "#..", "###"), "F": ("###", "#..", "##.", "#..", "#.."),
    "G": (".##", "#..", "#.#", "#.#", ".##"), "H": ("#.#", "#.#", "###", "#.#", "#.#"),
    "I": ("###", ".#.", ".#.", ".#.", "###"), "J": ("..#", "..#", "..#", "#.#", ".#."),
    "K": ("#.#", "#.#", "##.", "#.#", "#.#"), "L": ("#..", "#..", "#..", "#..", "###"),
    "M": ("#.#", "###", "###", "#.#", "#.#"), "N": ("##.", "#.#", "#.#", "#.#", "#.#"),
    "O": (".#.", "#.#", "#.#", "#.#", ".#."), "P": ("##.", "#.#", "##.", "#..", "#.."),
    "Q": (".#.", "#.#", "#.#", "##.", ".##"), "R": ("##.", "#.#", "##.", "#.#", "#.#"),
    "S": (".##", "#..", ".#.", "..#", "##."), "T": ("###", ".#.", ".#.", ".#.", ".#."),
    "U": ("#.#", "#.#", "#.#", "#.#", "###"), "V": ("#.#", "#.#", "#.#", "#.#", ".#."),
    "X": ("#.#", "#.#", ".#.", "#.#", "#.#"), "Y": ("#.#", "#.#", ".#.", ".#.", ".#."),
    "Z": ("###", "..#", ".#.", "#..", "###"), "+": ("...", ".#.", "###", ".#.", "..."),
    ".": ("...", "...", "...", "...", ".#."), ",": ("...", "...", "...", ".#.", "#.."),
    "&": (".#.", "#.#", ".#.", "#.#", ".##"), "'": (".#.", ".#.", "...", "...", "..."),
    "/": ("..#", "..#", ".#.", "#..", "#.."), "(": (".#.", "#..", "#..", "#..", ".#."),
    ")": (".#.", "..#", "..#", "..#", ".#."), ":": ("...", ".#.", "...", ".#.", "..."),
    "?": ("##.", "..#", ".#.", "...", ".#."),
}


def _glyph(ch: str) -> tuple[str, ...]:
    ch = ch.upper()
    if ch in _GLYPHS:
        return _GLYPHS[ch]
    if ch in _LETTERS:
        return _LETTERS[ch]
    # "É" → "E", "ø" → "?": the legend's names stay readable in the font it has.
    base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode().upper()
    return _LETTERS.get(base[:1]) or _GLYPHS.get(base[:1]) or _LETTERS["?"]


def _write(canvas: _Canvas, x: int, y: int, text: str, color: tuple[int, int, int],
           scale: int = 2) -> None:
    """`text` from its left edge at `x` (the digest's `text` centres digits only)."""
    for ch in text:
        for gy, line in enumerate(_glyph(ch)):
            for gx, cell in enumerate(line):
                if cell == "#":
                    px, py = x + gx * scale, y + gy * scale
                    canvas.rect(px, py, px + scale, py + scale, color)
        x += 4 * scale


def _segment(canvas: _Canvas, a: tuple[int, int], b: tuple[int, int],
             color: tuple[int, int, int]) -> None:
    """A 3-pixel-wide line from a to b."""
    (x0, y0), (x1, y1) = a, b
    steps = max(abs(x1 - x0), abs(y1 - y0), 1)
    for i in range(steps + 1):
        x = x0 + round((x1 - x0) * i / steps)
        y = y0 + round((y1 - y0) * i / steps)
        canvas.rect(x - 1, y - 1, x + 2, y + 2, color)


def _marker(canvas: _Canvas, x: int, y: int, shape: str, color: tuple[int, int, int]) -> None:
    if shape == "square":
        canvas.rect(x - 4, y - 4, x + 5, y + 5, color)
    elif shape == "diamond":
        for d in range(6):
            canvas.rect(x - (5 - d), y - d, x + (6 - d), y - d + 1, color)
            canvas.rect(x - (5 - d), y + d, x + (6 - d), y + d + 1, color)
    elif shape == "cross":
        canvas.rect(x - 5, y - 1, x + 6, y + 2, color)
        canvas.rect(x - 1, y - 5, x + 2, y + 6, color)
    else:  # ring
        canvas.rect(x - 5, y - 5, x + 6, y + 6, color)
        canvas.rect(x - 2, y - 2, x + 3, y + 3, _WHITE)


def lines_png(series: Sequence[tuple[str, Sequence[tuple[str, float | None]]]],
              max_lines: int = MAX_LINES) -> bytes:
    """One line of progress share (0–1) per `(name, weeks)`, weeks oldest first and the
    same for every series (the first one's are labelled). The first `max_lines` are drawn,
    each in its own colour and marker, named in the legend; the legend counts the rest
    ("+3 more teams"). A week without data breaks the line."""
    canvas = _Canvas(LINES_WIDTH, LINES_HEIGHT)
    left, right, top, bottom = 56, 470, 24, LINES_HEIGHT - 40
    for pct in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = bottom - round(pct * (bottom - top))
        canvas.rect(left, y, right, y + 1, _GRID if pct else _INK)
        if pct in (0.0, 0.5, 1.0):
            label = f"{round(pct * 100)}%"
            _write(canvas, left - 8 - len(label) * 8, y - 5, label, _INK)
    drawn = list(series[:max_lines])
    weeks = [period for period, _ in drawn[0][1]] if drawn else []
    if weeks:
        step = (right - left - 20) / max(1, len(weeks) - 1)
        xs = [left + 10 + round(i * step) for i in range(len(weeks))]
        every = 1 if len(weeks) <= 10 else 2
        for i, (x, period) in enumerate(zip(xs, weeks, strict=True)):
            if (len(weeks) - 1 - i) % every == 0:  # this week always labelled
                label = "W" + period.rsplit("W", 1)[-1]
                _write(canvas, x - len(label) * 4, bottom + 12, label, _INK)
        for n, (_, points) in enumerate(drawn):
            color, shape = LINE_COLOURS[n % len(LINE_COLOURS)], _MARKERS[n % len(_MARKERS)]
            placed = [None if share is None else
                      (x, bottom - round(min(1.0, max(0.0, share)) * (bottom - top)))
                      for x, (_, share) in zip(xs, points, strict=False)]
            for a, b in itertools.pairwise(placed):
                if a is not None and b is not None:
                    _segment(canvas, a, b, color)
            for p in placed:
                if p is not None:
                    _marker(canvas, *p, shape, color)
    x, y = right + 24, top
    for n, (name, _) in enumerate(drawn):
        color, shape = LINE_COLOURS[n % len(LINE_COLOURS)], _MARKERS[n % len(_MARKERS)]
        _marker(canvas, x + 5, y + 5, shape, color)
        _write(canvas, x + 18, y, name if len(name) <= 26 else name[:25] + ".", _INK)
        y += 26
    if len(series) > len(drawn):
        more = len(series) - len(drawn)
        _write(canvas, x, y + 4, f"+{more} more team{'s' if more != 1 else ''}", _INK)
    return canvas.png()

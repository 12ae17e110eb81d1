"""Confidence that means something: a score becomes a probability, and we can show it does.

- `platt_fit` fits p = σ(a·score + b) to (score, outcome) pairs by Newton's method on the
  log-loss, with Platt's smoothed targets ((n₊+1)/(n₊+2) and 1/(n₋+2)) so that a split
  with no counter-example cannot push a probability to exactly 0 or 1.
- `reliability` bins (confidence, correct) pairs; `expected_calibration_error` is the
  bin-size-weighted gap between the confidence claimed and the accuracy achieved: a
  classifier that says "80%" should be right 80% of the time.

Pure Python, no dependencies; used by the classifier at import (fitted on the dev splits)
and by `make bench` (the table, on the held-out splits).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _log_loss(a: float, b: float, scores: Sequence[float], targets: Sequence[float]) -> float:
    total = 0.0
    for s, t in zip(scores, targets, strict=True):
        x = a * s + b
        # log(1 + e^x) - t·x, written so that neither branch overflows
        total += (x + math.log1p(math.exp(-x)) if x >= 0 else math.log1p(math.exp(x))) - t * x
    return total


def platt_fit(scores: Sequence[float], outcomes: Sequence[bool],
              iterations: int = 100) -> tuple[float, float]:
    """(a, b) such that σ(a·score + b) is the probability of the outcome.

    Newton's method with a backtracking line search (Lin, Lin and Weng's version of
    Platt's algorithm): the plain Newton step overshoots when scores are large."""
    if len(scores) != len(outcomes) or not scores:
        raise ValueError("platt_fit needs as many outcomes as scores, at least one")
    pos = sum(1 for o in outcomes if o)
    neg = len(outcomes) - pos
    hi, lo = (pos + 1) / (pos + 2), 1 / (neg + 2)
    targets = [hi if o else lo for o in outcomes]
    a, b = 0.0, math.log((pos + 1) / (neg + 1))
    loss = _log_loss(a, b, scores, targets)
    for _ in range(iterations):
        ga = gb = 0.0
        haa = hab = hbb = 1e-12  # keeps the step defined when every score is the same
        for s, t in zip(scores, targets, strict=True):
            p = sigmoid(a * s + b)
            d, w = p - t, p * (1 - p)
            ga += d * s
            gb += d
            haa += w * s * s
            hab += w * s
            hbb += w
        if abs(ga) + abs(gb) < 1e-6 * len(scores):
            break  # the mean gradient is nil, to well below what any figure shows
        det = haa * hbb - hab * hab
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        step = 1.0
        while step > 1e-10:
            na, nb = a - step * da, b - step * db
            new = _log_loss(na, nb, scores, targets)
            if new < loss + 1e-4 * step * (ga * -da + gb * -db):
                break
            step /= 2
        else:
            break  # no step improves the fit: this is the optimum, to rounding
        a, b, loss = na, nb, new
    return a, b


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    n: int
    confidence: float  # mean confidence claimed in the bin
    accuracy: float  # share right in the bin


EDGES: tuple[float, ...] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def reliability(confidences: Sequence[float], correct: Sequence[bool],
                edges: Sequence[float] = EDGES) -> list[Bin]:
    """The reliability table: one row per confidence bin, [low, high) (the last one closed)."""
    bins = []
    for i, (low, high) in enumerate(pairwise(edges)):
        last = i == len(edges) - 2
        inside = [(c, ok) for c, ok in zip(confidences, correct, strict=True)
                  if low <= c < high or (last and c == high)]
        n = len(inside)
        bins.append(Bin(low, high, n,
                        sum(c for c, _ in inside) / n if n else 0.0,
                        sum(1 for _, ok in inside if ok) / n if n else 0.0))
    return bins


def expected_calibration_error(bins: Sequence[Bin]) -> float:
    total = sum(b.n for b in bins)
    if not total:
        return 0.0
    return sum(b.n / total * abs(b.accuracy - b.confidence) for b in bins)

"""What the quality benches share: per-label F1 and items-per-second throughput.

`eval_classifier` and `eval_themes` score a system against gold labels the same way and
time it the same way; each keeps its own choice of labels and how to average them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence


def label_f1(gold: Sequence[str], pred: Sequence[str], label: str) -> float:
    """F1 of one label (0.0 when it is never predicted right)."""
    pairs = list(zip(gold, pred, strict=True))
    tp = sum(g == label == p for g, p in pairs)
    fp = sum(g != label == p for g, p in pairs)
    fn = sum(p != label == g for g, p in pairs)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float:
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)


def throughput(run: Callable[[Sequence[str]], list[str]], texts: Sequence[str],
               seconds: float = 1.0) -> float:
    """Items per second of `run` over `texts`, repeated for about `seconds`."""
    run(texts[:10])  # warm: the model is fitted on first use
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        run(texts)
        done += len(texts)
    return done / (time.perf_counter() - start)

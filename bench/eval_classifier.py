"""Classifier quality and speed: Headway's classifier against a plain keyword list.

Prints accuracy and macro-F1 on the project's held-out split (`bot/core/corpus/heldout.tsv`)
and, when `../shared` is present, on `levin-commits.tsv` (corrective = KTLO vs adaptive =
progress; perfective is reported apart, as the share labelled each way). Then throughput
(items/s) and load time (a fresh interpreter importing the module and labelling one item),
each with the keyword baseline measured in the same run and the ratio between them.
Targets (issue 3): macro-F1 >= 0.90 held-out, >= 0.80 commits; >= 20,000 items/s; < 0.5 s.

The commits file is evaluation only: nothing here or in the classifier is fitted to it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEADWAY_SHARED_DIR") or ROOT.parent / "shared")  # as tests/
COMMITS = SHARED / "data" / "levin-commits.tsv"

# The baseline: the kind of keyword list a first version would use.
KTLO_WORDS = ("fix", "bug", "incident", "outage", "support", "ticket", "meeting", "audit",
              "upgrade", "patch", "error", "crash", "again", "admin", "on-call", "oncall")


def keyword_label(text: str) -> str:
    lowered = text.lower()
    return "ktlo" if any(w in lowered for w in KTLO_WORDS) else "progress"


def keyword_many(texts: Sequence[str]) -> list[str]:
    return [keyword_label(t) for t in texts]


def headway_many(texts: Sequence[str]) -> list[str]:
    from bot.core.classify import classify_many

    return [c.label for c in classify_many(texts)]


def scores(gold: Sequence[str], pred: Sequence[str]) -> tuple[float, float]:
    """(accuracy, macro-F1 over progress and ktlo)."""
    acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    f1s = []
    for label in ("progress", "ktlo"):
        tp = sum(g == label == p for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label == p for g, p in zip(gold, pred, strict=True))
        fn = sum(p != label == g for g, p in zip(gold, pred, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return acc, sum(f1s) / 2


def heldout() -> list[tuple[str, str]]:
    from bot.core.classify import load_corpus

    return [(label, text) for label, _, _, text in load_corpus("heldout")]


def commits() -> list[tuple[str, str]] | None:
    """levin-commits as (label, text) with corrective→ktlo, adaptive→progress, and
    perfective kept as 'perfective'; None when ../shared is absent."""
    if not COMMITS.exists():
        return None
    mapping = {"corrective": "ktlo", "adaptive": "progress", "perfective": "perfective"}
    rows = []
    for n, line in enumerate(COMMITS.read_text(encoding="utf-8").splitlines()):
        if n == 0 or not line.strip():
            continue
        label, _project, text = line.split("\t", 2)
        rows.append((mapping[label.strip().lower()], text))
    return rows


def quality(name: str, rows: list[tuple[str, str]],
            systems: dict[str, Callable[[Sequence[str]], list[str]]]) -> dict[str, float]:
    scored = [(g, t) for g, t in rows if g != "perfective"]
    gold = [g for g, _ in scored]
    out = {}
    for system, run in systems.items():
        acc, f1 = scores(gold, run([t for _, t in scored]))
        out[system] = f1
        print(f"  {name:<28} {system:<9} n={len(gold):<5} accuracy {acc:.3f}  "
              f"macro-F1 {f1:.3f}")
    print(f"  {name:<28} ratio     macro-F1 headway/keywords "
          f"{out['headway'] / out['keywords']:.2f}x")
    perfective = [t for g, t in rows if g == "perfective"]
    if perfective:
        labels = headway_many(perfective)
        share = labels.count("progress") / len(labels)
        print(f"  {name:<28} perfective n={len(perfective)} (reported apart): headway labels "
              f"{share:.0%} progress, {1 - share:.0%} ktlo")
    return out


def throughput(run: Callable[[Sequence[str]], list[str]], texts: Sequence[str],
               seconds: float = 1.0) -> float:
    run(texts[:10])  # warm: the model is fitted on first use
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        run(texts)
        done += len(texts)
    return done / (time.perf_counter() - start)


def load_time(statement: str, repeats: int = 3) -> float:
    """Best of a few fresh interpreters: import + label one item, minus bare start-up."""
    def run(code: str) -> float:
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
            best = min(best, time.perf_counter() - start)
        return best

    return max(0.0, run(statement) - run("pass"))


def main() -> None:
    systems = {"keywords": keyword_many, "headway": headway_many}
    rows = heldout()
    quality("held-out split (ours)", rows, systems)
    levin = commits()
    if levin is None:
        print(f"  levin-commits: skipped ({COMMITS} not found)")
    else:
        quality("levin-commits (eval only)", levin, systems)

    texts = [t for _, t in rows] * 4
    base_rate = throughput(keyword_many, texts)
    rate = throughput(headway_many, texts)
    print(f"  throughput   headway {rate:,.0f} items/s   keywords {base_rate:,.0f} items/s   "
          f"ratio {rate / base_rate:.3f}x   (target >= 20,000 items/s)")
    base_load = load_time("import bench.eval_classifier as b; b.keyword_label('x')")
    load = load_time("from bot.core.classify import classify; classify('x')")
    print(f"  load time    headway {load * 1000:.0f} ms   keywords {base_load * 1000:.0f} ms   "
          f"difference {(load - base_load) * 1000:+.0f} ms   (target < 500 ms; fresh "
          f"interpreter, start-up subtracted)")


if __name__ == "__main__":
    main()

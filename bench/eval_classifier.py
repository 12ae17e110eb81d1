"""Classifier quality and speed: Headway's classifier against a plain keyword list.

Each figure is printed for both systems, measured in the same run:

- macro-F1 of progress vs KTLO on the work lines of the old held-out split
  (`corpus/heldout.tsv`), of the new one (`corpus/teams_heldout.tsv`, every kind of team,
  issue 14), per function on each, and on `levin-commits.tsv` when `../shared` is
  present (corrective = KTLO vs adaptive = progress; perfective reported apart). A work
  line labelled `none` counts as a miss.
- on the new held-out split: the share of `none` lines kept out of the progress share
  (labelled `none`) and the share of work lines wrongly set to `none`;
- the reliability table of Headway's confidence on each held-out split and its expected
  calibration error (target <= 0.05 on the new split), beside the confidence Headway gave
  before calibration (the logistic of its raw log-odds) and the keyword list, which is
  always sure (its calibration error is its error rate);
- how many items Headway would ask about (confidence under `UNSURE`) and how often its
  guess on those is right, against the items it does not ask about;
- throughput (items/s) and load time (a fresh interpreter importing the module and
  labelling one item). Targets (issues 3 and 14): >= 20,000 items/s; < 0.5 s.

Nothing is tuned on a held-out split or the commits file, which is evaluation only.
`python -m bench.eval_classifier --dev` prints the same on the dev splits (for tuning).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.measure import accuracy, label_f1, throughput

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEADWAY_SHARED_DIR") or ROOT.parent / "shared")  # as tests/
COMMITS = SHARED / "data" / "levin-commits.tsv"

# The baseline: the kind of keyword list a first version would use.
KTLO_WORDS = ("fix", "bug", "incident", "outage", "support", "ticket", "meeting", "audit",
              "upgrade", "patch", "error", "crash", "again", "admin", "on-call", "oncall")
# …and, for lines with no work in them, the words a first version would look for.
NONE_WORDS = ("sick", "ooo", "out of office", "leave", "holiday", "vacation", "pto",
              "nothing", "n/a", "ditto", "same as last")

Systems = dict[str, Callable[[Sequence[str]], list[str]]]


def keyword_label(text: str) -> str:
    lowered = text.lower()
    return "ktlo" if any(w in lowered for w in KTLO_WORDS) else "progress"


def keyword_label3(text: str) -> str:
    lowered = text.lower()
    return "none" if any(w in lowered for w in NONE_WORDS) else keyword_label(text)


def keyword_many(texts: Sequence[str]) -> list[str]:
    return [keyword_label3(t) for t in texts]


def headway_many(texts: Sequence[str]) -> list[str]:
    from bot.core.classify import classify_many

    return [c.label for c in classify_many(texts)]


SYSTEMS: Systems = {"keywords": keyword_many, "headway": headway_many}


def scores(gold: Sequence[str], pred: Sequence[str]) -> tuple[float, float]:
    """(accuracy, macro-F1 over progress and ktlo); a `none` prediction is a miss."""
    f1s = [label_f1(gold, pred, label) for label in ("progress", "ktlo")]
    return accuracy(gold, pred), sum(f1s) / 2


def corpus(split: str) -> list[tuple[str, str, str]]:
    """(label, team, text) rows of one corpus split."""
    from bot.core.classify import load_corpus

    return [(label, team, text) for label, team, _, text in load_corpus(split)]


def heldout() -> list[tuple[str, str]]:
    return [(label, text) for label, _, text in corpus("heldout")]


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


def quality(name: str, rows: list[tuple[str, str]], systems: Systems = SYSTEMS
            ) -> dict[str, float]:
    """Progress-vs-KTLO figures on the work lines of `rows` (perfective reported apart)."""
    scored = [(g, t) for g, t in rows if g in ("progress", "ktlo")]
    gold = [g for g, _ in scored]
    out = {}
    for system, run in systems.items():
        pred = run([t for _, t in scored])
        acc, f1 = scores(gold, pred)
        out[system] = f1
        nones = pred.count("none")
        print(f"  {name:<28} {system:<9} n={len(gold):<5} accuracy {acc:.3f}  "
              f"macro-F1 {f1:.3f}  (set to none: {nones})")
    print(f"  {name:<28} ratio     macro-F1 headway/keywords "
          f"{out['headway'] / out['keywords']:.2f}x")
    perfective = [t for g, t in rows if g == "perfective"]
    if perfective:
        labels = headway_many(perfective)
        share = labels.count("progress") / len(labels)
        print(f"  {name:<28} perfective n={len(perfective)} (reported apart): headway labels "
              f"{share:.0%} progress, {labels.count('ktlo') / len(labels):.0%} ktlo, "
              f"{labels.count('none') / len(labels):.0%} none")
    return out


def per_function(name: str, rows: list[tuple[str, str, str]],
                 systems: Systems = SYSTEMS) -> dict[str, dict[str, float]]:
    """Progress-vs-KTLO macro-F1 per function (team column) on the work lines."""
    work = [(g, team, t) for g, team, t in rows if g in ("progress", "ktlo")]
    preds = {s: run([t for *_, t in work]) for s, run in systems.items()}
    out: dict[str, dict[str, float]] = {}
    print(f"  {name}: macro-F1 progress vs KTLO per function")
    print(f"    {'function':<12} {'n':>4}  {'keywords':>8}  {'headway':>8}")
    for team in sorted({team for _, team, _ in work}):
        idx = [i for i, (_, t, _) in enumerate(work) if t == team]
        gold = [work[i][0] for i in idx]
        out[team] = {s: scores(gold, [preds[s][i] for i in idx])[1] for s in systems}
        print(f"    {team:<12} {len(idx):>4}  {out[team]['keywords']:>8.3f}  "
              f"{out[team]['headway']:>8.3f}")
    return out


def none_figures(name: str, rows: list[tuple[str, str, str]],
                 systems: Systems = SYSTEMS) -> dict[str, tuple[float, float]]:
    """(share of `none` lines kept out, share of work lines wrongly set to `none`)."""
    nones = [t for g, _, t in rows if g == "none"]
    work = [t for g, _, t in rows if g != "none"]
    out = {}
    for system, run in systems.items():
        kept = run(nones).count("none") / len(nones)
        wrong = run(work).count("none") / len(work)
        out[system] = (kept, wrong)
        print(f"  {name:<28} {system:<9} none lines kept out {kept:6.1%} of {len(nones)}   "
              f"work lines wrongly set to none {wrong:5.1%} of {len(work)}")
    return out


def calibration(name: str, rows: list[tuple[str, str, str]]) -> float:
    """The reliability table of Headway's confidence (all three labels) and its ECE, with
    the uncalibrated and keyword figures beside it; returns Headway's ECE."""
    from bot.core import classify as c
    from bot.core.calibration import expected_calibration_error, reliability
    from bot.core.classify.features import parts_of
    from bot.core.classify.naive_bayes import fitted_model, progress_score

    texts = [t for *_, t in rows]
    gold = [g for g, *_ in rows]
    labelled = c.classify_many(texts)
    conf = [x.confidence for x in labelled]
    right = [x.label == g for x, g in zip(labelled, gold, strict=True)]
    table = reliability(conf, right)
    ece = expected_calibration_error(table)
    # Before calibration: the logistic of the raw progress-vs-KTLO log-odds (what Headway
    # showed until issue 14), for the label it gives.
    raw = [min(0.99, max(0.5, 1 / (1 + math.exp(-abs(progress_score(parts_of(t),
                                                                     fitted_model())[0])))))
           for t in texts]
    before = expected_calibration_error(reliability(raw, right))
    kw_right = [p == g for p, g in zip(keyword_many(texts), gold, strict=True)]
    kw = expected_calibration_error(reliability([1.0] * len(texts), kw_right))
    print(f"  {name}: reliability of Headway's confidence (n={len(rows)}, all labels)")
    print(f"    {'confidence':<12} {'n':>4}  {'claimed':>8}  {'right':>6}  gap")
    for b in table:
        if b.n:
            print(f"    {b.low:.1f}–{b.high:.1f}     {b.n:>4}  {b.confidence:>8.2f}  "
                  f"{b.accuracy:>6.2f}  {b.accuracy - b.confidence:+.2f}")
    print(f"    expected calibration error: headway {ece:.3f}   before calibration "
          f"{before:.3f}   keywords (always sure) {kw:.3f}   (target <= 0.05)")
    return ece


def unsure(name: str, rows: list[tuple[str, str, str]]) -> None:
    from bot.core.classify import classify_many
    from bot.core.labelling import UNSURE

    labelled = classify_many([t for *_, t in rows])
    right = [x.label == g for x, (g, *_) in zip(labelled, rows, strict=True)]
    asked = [ok for x, ok in zip(labelled, right, strict=True) if x.confidence < UNSURE]
    sure = [ok for x, ok in zip(labelled, right, strict=True) if x.confidence >= UNSURE]

    def acc(xs: list[bool]) -> str:
        return f"{sum(xs) / len(xs):.0%}" if xs else "-"

    print(f"  {name:<28} asks about {len(asked) / len(rows):.0%} of items (confidence < "
          f"{UNSURE}): its guess is right on {acc(asked)} of those, {acc(sure)} of the rest; "
          f"{sum(not ok for ok in asked)} of its {sum(not ok for ok in right)} errors are "
          f"asked about")


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


def main(argv: Sequence[str] = ()) -> None:
    dev = "--dev" in argv
    old, new = ("dev", "teams_dev") if dev else ("heldout", "teams_heldout")
    old_rows, new_rows = corpus(old), corpus(new)
    what = "dev" if dev else "held-out"
    print("  progress vs KTLO, macro-F1 (work lines; a work line set to none is a miss)")
    quality(f"old {what} split ({old})", [(g, t) for g, _, t in old_rows])
    quality(f"new {what} split ({new})", [(g, t) for g, _, t in new_rows])
    per_function(f"new {what} split ({new})", new_rows)
    per_function(f"old {what} split ({old})", old_rows)
    if not dev:
        levin = commits()
        if levin is None:
            print(f"  levin-commits: skipped ({COMMITS} not found)")
        else:
            quality("levin-commits (eval only)", levin)
    print("  lines with no work in them")
    none_figures(f"new {what} split", new_rows)
    print("  calibration")
    calibration(f"new {what} split ({new})", new_rows)
    calibration(f"old {what} split ({old})", old_rows)
    unsure(f"new {what} split", new_rows)
    unsure(f"old {what} split", old_rows)

    texts = [t for *_, t in old_rows + new_rows] * 2
    base_rate = throughput(keyword_many, texts)
    rate = throughput(headway_many, texts)
    print(f"  throughput   headway {rate:,.0f} items/s   keywords {base_rate:,.0f} items/s   "
          f"ratio {rate / base_rate:.3f}x   (target >= 20,000 items/s)")
    base_load = load_time("import bench.eval_classifier as b; b.keyword_label3('x')")
    load = load_time("from bot.core.classify import classify; classify('x')")
    print(f"  load time    headway {load * 1000:.0f} ms   keywords {base_load * 1000:.0f} ms   "
          f"difference {(load - base_load) * 1000:+.0f} ms   (target < 500 ms; fresh "
          f"interpreter, start-up subtracted)")


if __name__ == "__main__":
    main(sys.argv[1:])

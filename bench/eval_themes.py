"""KTLO theme quality and speed: Headway's themes against the keyword rules they replaced.

Prints accuracy and macro-F1 over the six themes on the held-out split
(`bot/core/corpus/themes_heldout.tsv`, committed before any theme code was written against
it), per-theme recall, the baseline's and Headway's most common confusions, then
throughput (items/s) of both, measured in the same run, and the ratios between them.

The baseline is the first-version rule list, kept here verbatim: the first theme whose
keyword appears anywhere in the lowered text wins, in a fixed order. Its theme names map one
to one onto today's ids, so both systems are scored on the same gold labels.

Then the same on `themes_fresh.tsv`: lines from kinds of team the other splits lack, written
after the rules existed and before they were first run on them; evaluation only.

Nothing is tuned on the held-out or fresh splits: the rules are tuned on `themes_dev.tsv` only.
`python -m bench.eval_themes --dev` prints the dev figures too (for tuning; the model part
of Headway's themes is fitted on dev, so they are scored there by 5-fold cross-validation).
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence

from bench.measure import accuracy, label_f1, throughput

# The theme rules as they were before themes had a corpus (bot/core/digest.py, issue 10).
BASELINE_THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fixes", ("incident", "outage", "firefight", "on-call", "on call", "p1", "p2", "hotfix",
               "hot fix", "restart", "rollback", "revert", "crash", "hung", "down",
               "postmortem", "pager", "sev")),
    ("support", ("support", "ticket", "escalation", "triag", "helpdesk", "password",
                 "request", "question", "inbox", "queue")),
    ("meetings", ("meeting", "sync", "standup", "status", "1:1", "call", "review")),
    ("admin", ("audit", "compliance", "soc", "gdpr", "expense", "timesheet", "paperwork",
               "payroll", "invoice", "admin", "books", "month-end", "policy", "legal")),
    ("upkeep", ("upgrad", "patch", "renew", "certificate", "end of life", "eol", "deprecat",
                "maintenance", "dependency", "security update", "backfill", "cleanup",
                "clean up")),
)


def baseline_theme(text: str) -> str:
    lowered = text.lower()
    for theme, words in BASELINE_THEMES:
        if any(w in lowered for w in words):
            return theme
    return "other"


def baseline_many(texts: Sequence[str]) -> list[str]:
    return [baseline_theme(t) for t in texts]


def headway_many(texts: Sequence[str]) -> list[str]:
    from bot.core.theme_model import theme_id

    return [theme_id(t) for t in texts]


def scores(gold: Sequence[str], pred: Sequence[str]) -> tuple[float, float]:
    """(accuracy, macro-F1 over the themes present in `gold`)."""
    from bot.core.themes import THEME_IDS

    f1s = [label_f1(gold, pred, theme) for theme in THEME_IDS if theme in gold]
    return accuracy(gold, pred), sum(f1s) / len(f1s)


def rows(split: str) -> list[tuple[str, str]]:
    from bot.core.theme_model import load_theme_corpus

    return [(theme, text) for theme, _, _, text in load_theme_corpus(split)]


def report(name: str, data: list[tuple[str, str]],
           systems: dict[str, Callable[[Sequence[str]], list[str]]]) -> dict[str, float]:
    from bot.core.themes import THEME_IDS

    gold = [g for g, _ in data]
    texts = [t for _, t in data]
    out: dict[str, float] = {}
    preds: dict[str, list[str]] = {}
    for system, run in systems.items():
        preds[system] = run(texts)
        acc, f1 = scores(gold, preds[system])
        out[system] = acc
        print(f"  {name:<20} {system:<9} n={len(gold):<4} accuracy {acc:.3f}  "
              f"macro-F1 {f1:.3f}")
    print(f"  {name:<20} ratio     accuracy headway/baseline "
          f"{out['headway'] / out['baseline']:.2f}x")
    for system, pred in preds.items():
        recall = "  ".join(
            f"{t} {sum(g == p == t for g, p in zip(gold, pred, strict=True))}/{gold.count(t)}"
            for t in THEME_IDS if t in gold)
        print(f"  {name:<20} {system:<9} recall: {recall}")
        confusions = Counter((g, p) for g, p in zip(gold, pred, strict=True) if g != p)
        top = ", ".join(f"{g}→{p} ×{n}" for (g, p), n in confusions.most_common(4))
        print(f"  {name:<20} {system:<9} most confused: {top or 'none'}")
    return out


def cross_validated(data: list[tuple[str, str]], folds: int = 5) -> list[str]:
    """Headway's themes on each dev row with the model fitted on the other folds."""
    from bot.core.theme_model import fit_model, theme_id

    pred = [""] * len(data)
    for k in range(folds):
        model = fit_model([r for i, r in enumerate(data) if i % folds != k])
        for i, (_, text) in enumerate(data):
            if i % folds == k:
                pred[i] = theme_id(text, model)
    return pred


def main(argv: Sequence[str] = ()) -> None:
    systems = {"baseline": baseline_many, "headway": headway_many}
    held = rows("heldout")
    report("held-out (themes)", held, systems)
    report("fresh (eval only)", rows("fresh"), systems)
    report("blind (eval only)", rows("blind"), systems)
    if "--dev" in argv:
        dev = rows("dev")
        cv = cross_validated(dev)
        report("dev (5-fold CV)", dev, {"baseline": baseline_many,
                                        "headway": lambda _texts: cv})
    texts = [t for _, t in held] * 4
    base_rate = throughput(baseline_many, texts)
    rate = throughput(headway_many, texts)
    print(f"  throughput   headway {rate:,.0f} items/s   baseline {base_rate:,.0f} items/s   "
          f"ratio {rate / base_rate:.3f}x")


if __name__ == "__main__":
    main(sys.argv[1:])

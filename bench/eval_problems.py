"""Tracked problems: how well a week's KTLO items are counted against the right problem.

The data is `bench/problem_matching.jsonl`: scenarios from nine kinds of team (engineering
on-call, support queues, sales ops, finance close, people ops, IT helpdesk, data, marketing
ops, a warehouse), each with the problems a team tracked (the KTLO texts each was tracked
from) and a few weeks of KTLO items, each labelled with the problem it belongs to or none —
paraphrases, terse and wordy lines, and hard negatives (same words, another problem). It was
written before any matcher ran on it and is split per scenario into dev and held-out.

Scored over (item, problem) decisions: precision = right counts / counts made, recall =
right counts / counts a person would make; an item counted against the wrong problem is
both a false count and a miss. Every system runs on the same data in the same run:

- `exact`: an item counts when it says exactly what a reference says (case, spacing and
  punctuation aside) — the baseline a first version would ship;
- `rule`: the digest's recurring-firefight rule as is: an item counts against every
  problem with a reference it is `same_firefight` with (possibly several);
- `headway`: `bot.core.problems.apply_week`, week after week: each item against the one
  most similar problem, references as tracked;
- `headway+grow`: the same with counted matches joining the references (the variant
  measured to choose `GROW_REFERENCES`; chosen on dev only);
- `alike`, for comparison only: the digest's rule for grouping agenda answers
  (`bot.core.digest.alike`, looser: shared words against the shorter text, shared
  two-word phrases) used as the matcher, each item against the most similar alike problem.

Both splits are printed; `python -m bench.eval_problems --dev` also lists the dev split's
mistakes (for tuning — nothing is tuned on held-out).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).with_name("problem_matching.jsonl")
FIRST_WEEK = "2026-W10"

# (scenario index, week index, item index, problem id)
Pair = tuple[int, int, int, int]


@dataclass(frozen=True)
class Scenario:
    case: str
    team: str
    split: str
    problems: tuple[tuple[int, tuple[str, ...]], ...]  # (id, reference texts)
    weeks: tuple[tuple[tuple[str, int | None], ...], ...]  # (text, gold problem id)


def load(split: str | None = None, path: Path = DATA) -> list[Scenario]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if split is None or row["split"] == split:
            out.append(Scenario(
                row["case"], row["team"], row["split"],
                tuple((p["id"], tuple(p["refs"])) for p in row["problems"]),
                tuple(tuple((t, g) for t, g in week) for week in row["weeks"])))
    return out


def gold_pairs(data: Sequence[Scenario]) -> set[Pair]:
    return {(s, w, i, g) for s, sc in enumerate(data) for w, week in enumerate(sc.weeks)
            for i, (_, g) in enumerate(week) if g is not None}


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def exact(data: Sequence[Scenario]) -> set[Pair]:
    out = set()
    for s, sc in enumerate(data):
        for w, week in enumerate(sc.weeks):
            for i, (text, _) in enumerate(week):
                for pid, refs in sc.problems:
                    if _words(text) in {_words(r) for r in refs}:
                        out.add((s, w, i, pid))
                        break
    return out


def rule(data: Sequence[Scenario]) -> set[Pair]:
    from bot.core.digest import same_firefight, significant

    out = set()
    for s, sc in enumerate(data):
        for w, week in enumerate(sc.weeks):
            for i, (text, _) in enumerate(week):
                words = significant(text)
                out |= {(s, w, i, pid) for pid, refs in sc.problems
                        if any(same_firefight(words, significant(r)) for r in refs)}
    return out


def alike_rule(data: Sequence[Scenario]) -> set[Pair]:
    from bot.core.digest import alike, significant, similarity

    out = set()
    for s, sc in enumerate(data):
        for w, week in enumerate(sc.weeks):
            for i, (text, _) in enumerate(week):
                words = significant(text)
                scored = [(max(similarity(words, significant(r)) for r in refs), -pid, pid)
                          for pid, refs in sc.problems if any(alike(text, r) for r in refs)]
                if scored:
                    out.add((s, w, i, max(scored)[2]))
    return out


def _headway(data: Sequence[Scenario], grow: bool) -> set[Pair]:
    from bot.core.periods import shift_period
    from bot.core.problems import KtloItem, TrackedProblem, apply_week

    out = set()
    for s, sc in enumerate(data):
        problems = [TrackedProblem(title=refs[0], kind="firefight", owner="U0OWNER",
                                   started=shift_period(FIRST_WEEK, -1), references=refs,
                                   id=pid) for pid, refs in sc.problems]
        for w, week in enumerate(sc.weeks):
            items = [KtloItem(text, item_id=i) for i, (text, _) in enumerate(week)]
            update = apply_week(problems, shift_period(FIRST_WEEK, w), items, grow=grow)
            problems = list(update.problems)
            out |= {(s, w, m.item.item_id or 0, m.problem_id) for m in update.matches}
    return out


def headway(data: Sequence[Scenario]) -> set[Pair]:
    return _headway(data, grow=False)


def headway_grow(data: Sequence[Scenario]) -> set[Pair]:
    return _headway(data, grow=True)


SYSTEMS: dict[str, Callable[[Sequence[Scenario]], set[Pair]]] = {
    "exact": exact, "rule": rule, "headway": headway, "headway+grow": headway_grow,
    "alike": alike_rule}


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    counted: int
    gold: int


def score(gold: set[Pair], predicted: set[Pair]) -> Scores:
    right = len(gold & predicted)
    precision = right / len(predicted) if predicted else 0.0
    recall = right / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if right else 0.0
    return Scores(precision, recall, f1, len(predicted), len(gold))


def evaluate(split: str) -> dict[str, Scores]:
    """Every system's scores on one split ("dev" or "heldout")."""
    data = load(split)
    gold = gold_pairs(data)
    return {name: score(gold, run(data)) for name, run in SYSTEMS.items()}


def report(split: str) -> dict[str, Scores]:
    data = load(split)
    items = sum(len(week) for sc in data for week in sc.weeks)
    results = evaluate(split)
    print(f"  {split}: {len(data)} scenarios, {items} KTLO items, "
          f"{results['headway'].gold} that belong to a tracked problem")
    for name, r in results.items():
        print(f"  {split:<8} {name:<13} precision {r.precision:.3f}  recall {r.recall:.3f}  "
              f"F1 {r.f1:.3f}  ({r.counted} counted)")
    ours, exact_f1, rule_f1 = (results[s].f1 for s in ("headway", "exact", "rule"))
    if exact_f1 and rule_f1:
        print(f"  {split:<8} F1 headway/exact {ours / exact_f1:.2f}x, "
              f"headway/rule {ours / rule_f1:.2f}x")
    return results


def mistakes(split: str) -> None:
    data = load(split)
    gold = gold_pairs(data)
    predicted = headway(data)
    for s, w, i, pid in sorted(predicted - gold):
        print(f"  false count  {data[s].case}: “{data[s].weeks[w][i][0]}” → problem {pid}")
    for s, w, i, pid in sorted(gold - predicted):
        print(f"  missed       {data[s].case}: “{data[s].weeks[w][i][0]}” (problem {pid})")


def main(argv: Sequence[str] = ()) -> None:
    report("dev")
    if "--dev" in argv:
        mistakes("dev")
    report("heldout")


if __name__ == "__main__":
    main(sys.argv[1:])

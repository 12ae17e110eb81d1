"""The new held-out split of the every-kind-of-team corpus (`corpus/teams_*.tsv`, issue 14).

Run once on the lines as written, before any classifier change, and committed alone: rows
are grouped by (team, style, label), each group sorted by text and shuffled with a fixed
seed, then dealt in turn across the groups, 5 of every 20 to held-out, 3 to dev, 12 to
train. The split depends only on the rows, not on their order in any file, so
`python -m bench.split_corpus --check` proves the committed files are that split.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "bot" / "core" / "corpus"
SPLITS = ("teams_train", "teams_dev", "teams_heldout")
SEED = 14
PATTERN = ("teams_heldout", "teams_train", "teams_dev", "teams_train", "teams_train",
           "teams_heldout", "teams_train", "teams_train", "teams_dev", "teams_train",
           "teams_heldout", "teams_train", "teams_train", "teams_train", "teams_heldout",
           "teams_dev", "teams_train", "teams_train", "teams_heldout", "teams_train")
HEADER = "label\tteam\tstyle\ttext"

Row = tuple[str, str, str, str]


def split(rows: list[Row]) -> dict[str, list[Row]]:
    groups: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for row in rows:
        groups[(row[1], row[2], row[0])].append(row)
    rng = random.Random(SEED)
    out: dict[str, list[Row]] = {s: [] for s in SPLITS}
    turn = 0
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda r: r[3])
        rng.shuffle(members)
        for row in members:
            out[PATTERN[turn % len(PATTERN)]].append(row)
            turn += 1
    return out


def read(path: Path) -> list[Row]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if n and line.strip():
            label, team, style, text = line.split("\t", 3)
            rows.append((label, team, style, text))
    return rows


def main(argv: list[str]) -> int:
    if argv[:1] == ["--check"]:
        rows = [r for s in SPLITS for r in read(CORPUS / f"{s}.tsv")]
        want = split(rows)
        for s in SPLITS:
            if sorted(read(CORPUS / f"{s}.tsv")) != sorted(want[s]):
                print(f"{s}.tsv is not the seeded split", file=sys.stderr)
                return 1
        print("the committed split is the seeded split")
        return 0
    if len(argv) != 1:
        print("usage: python -m bench.split_corpus ALL.tsv | --check", file=sys.stderr)
        return 2
    for s, rows in split(read(Path(argv[0]))).items():
        (CORPUS / f"{s}.tsv").write_text(
            "\n".join([HEADER, *("\t".join(r) for r in rows)]) + "\n", encoding="utf-8")
        print(f"{s}: {len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

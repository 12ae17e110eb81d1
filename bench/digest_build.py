"""Digest build time for a 500-member team: cost must grow with the week, not the history.

Three real SQLite files with the same last five weeks: the baseline holds only those five
weeks, the others also 1 year and 5 years of earlier history. Each build is what the
scheduler does: `load_input` (the store's queries) + `build_digest` + `render_digest_blocks`.
Target: 5 years within 1.5x of 1 year, and both near the baseline.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from bot.context import Headway
from bot.core.model import Member
from bot.core.periods import recent_periods
from bot.core.prompts import load_packs
from bot.core.render import render_digest_blocks
from bot.digests import build
from bot.store import Store

MEMBERS = int(os.environ.get("BENCH_DIGEST_MEMBERS", "500"))
RUNS = int(os.environ.get("BENCH_DIGEST_RUNS", "7"))
TEAM = "T0001"
PERIOD = "2026-W47"

_PROGRESS = ["Shipped the {} export", "Prototyped {} onboarding", "Automated the {} report",
             "Ran an experiment on {} pricing", "Fixed the root cause of {} timeouts for good"]
_KTLO = ["On call for {} incidents", "Restarted the {} job again", "Answered {} tickets",
         "Weekly {} status meeting", "Renewed the {} certificates"]
_TOPICS = ["billing", "search", "mobile", "payments", "partner", "support", "sales", "audit"]


def _seed(path: Path, weeks: int) -> None:
    """`weeks` of history ending at PERIOD: a work reply of 3 items per member per week and a
    problem answer from a third of them. Bulk-inserted: the bench measures reads, not this."""
    rng = random.Random(weeks)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    store = Store.open(path)
    store.workspaces.ensure(TEAM, now, "Bench")
    team = store.teams.create(TEAM, "Bench", now)  # everyone, since before the history
    with store.atomic():
        for i in range(MEMBERS):
            store.members.upsert(Member(TEAM, f"U{i:04d}", tz="UTC", name=f"person {i}"), now)
            store.teams.add_member(TEAM, team.id, f"U{i:04d}", "1000-W01", now)
    db = store.db
    reply_id = item_id = 0
    for period in reversed([*recent_periods(PERIOD, weeks - 1), PERIOD]):
        replies, items = [], []
        for i in range(MEMBERS):
            reply_id += 1
            replies.append({"id": reply_id, "workspace_id": TEAM, "user_id": f"U{i:04d}",
                            "nudge_id": None, "prompt_id": "moved-forward", "kind": "work",
                            "period": period, "text": "…", "anonymous": 0, "source": "dm",
                            "created_at": now.isoformat()})
            for pos in range(3):
                item_id += 1
                ktlo = pos == 2 or rng.random() < 0.3
                text = rng.choice(_KTLO if ktlo else _PROGRESS).format(rng.choice(_TOPICS))
                items.append({"id": item_id, "workspace_id": TEAM, "reply_id": reply_id,
                              "position": pos, "text": text, "kind": "work",
                              "label": "ktlo" if ktlo else "progress", "confidence": 0.9,
                              "reasons": "[]", "label_source": "auto"})
            if i % 3 == 0:
                reply_id += 1
                replies.append({"id": reply_id, "workspace_id": TEAM, "user_id": f"U{i:04d}",
                                "nudge_id": None, "prompt_id": "problem", "kind": "problem",
                                "period": period, "anonymous": 0, "source": "dm",
                                "text": f"The {rng.choice(_TOPICS)} handoff keeps slipping",
                                "created_at": now.isoformat()})
                item_id += 1
                items.append({"id": item_id, "workspace_id": TEAM, "reply_id": reply_id,
                              "position": 0, "text": replies[-1]["text"], "kind": "problem",
                              "label": None, "confidence": 0, "reasons": "[]",
                              "label_source": "prompt"})
        with db.atomic():
            db["replies"].insert_all(replies, batch_size=2000)
            db["items"].insert_all(items, batch_size=2000)
    store.close()


def _time_build(path: Path) -> tuple[float, int]:
    store = Store.open(path)
    settings = Settings(bot_token=None, signing_secret=None, app_token=None, client_id=None,
                        client_secret=None, api_url="http://127.0.0.1:9/", db_path=path,
                        port=0)
    hw = Headway(settings=settings, store=store, packs=load_packs(),
                 clock=lambda: datetime(2026, 11, 23, 9, tzinfo=UTC))
    [team] = store.teams.of(TEAM)
    try:
        samples = []
        for _ in range(RUNS):
            start = time.perf_counter()
            message = render_digest_blocks(build(hw, team, PERIOD))
            samples.append(time.perf_counter() - start)
        return statistics.median(samples), len(message.blocks)
    finally:
        store.close()


def run() -> dict[str, float]:
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, weeks in (("baseline", 5), ("1y", 52), ("5y", 260)):
            path = Path(tmp) / f"{name}.db"
            _seed(path, weeks)
            out[name], _ = _time_build(path)
            out[f"{name}_mb"] = path.stat().st_size / 1e6
    return out


def main() -> None:
    r = run()
    items = MEMBERS * 3 + (MEMBERS + 2) // 3
    print(f"digest build ({MEMBERS} members, {items:,} items this week; load + build + render, "
          f"median of {RUNS}):")
    for name, label in (("baseline", "5 weeks only (baseline)"), ("1y", "1 year of history"),
                        ("5y", "5 years of history")):
        print(f"  {label:<24}: {r[name] * 1000:7.1f} ms   ({r[f'{name}_mb']:.0f} MB file, "
              f"{r[name] / r['baseline']:.2f}x baseline)")
    ratio = r["5y"] / r["1y"]
    verdict = "meets" if ratio <= 1.5 else "MISSES"
    print(f"  5 years / 1 year      : {ratio:.2f}x ({verdict} the <= 1.5x target: cost "
          f"follows the week, not the history)")


if __name__ == "__main__":
    main()

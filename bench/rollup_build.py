"""Teams at scale: one team's digest and the leaders' rollup in a workspace of 50 teams of
20 members, with 1 and 5 years of history, each against the single-team digest of today
(a workspace with one team of 20 members, 5 years of history) measured in the same run.

Each build is what the scheduler does: the digest's `load_input` + `build_digest` +
`render_digest_blocks`; the rollup's `load_input` (the store's queries) + `build_rollup` +
`render_rollup_blocks`, and apart from it the chart's PNG. The goal: 5 years of history
costs no more than 1 year (ratio <= 1.2), and the rollup runs the same number of queries
whatever the history. Nothing here asserts a time: the figures are printed.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot import digests, rollups
from bot.config import Settings
from bot.context import Headway
from bot.core.chart import lines_png
from bot.core.model import Member
from bot.core.periods import recent_periods
from bot.core.prompts import load_packs
from bot.core.render import render_digest_blocks
from bot.core.render_rollup import render_rollup_blocks
from bot.store import Store

TEAMS = int(os.environ.get("BENCH_ROLLUP_TEAMS", "50"))
MEMBERS = int(os.environ.get("BENCH_ROLLUP_MEMBERS", "20"))
RUNS = int(os.environ.get("BENCH_ROLLUP_RUNS", "7"))
WS = "T0001"
PERIOD = "2026-W47"
NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
GOAL = 1.2

_PROGRESS = ["Shipped the {} export", "Prototyped {} onboarding", "Automated the {} report",
             "Ran an experiment on {} pricing", "Fixed the root cause of {} timeouts for good"]
_KTLO = ["On call for {} incidents", "Restarted the {} job again", "Answered {} tickets",
         "Weekly {} status meeting", "Renewed the {} certificates"]
_TOPICS = ["billing", "search", "mobile", "payments", "partner", "support", "sales", "audit"]
_EFFORT = ["none", "quarter", "half", "three_quarters", "nearly_all"]


def _seed(path: Path, teams: int, weeks: int) -> None:
    """`teams` teams of MEMBERS people, each answering the work question every one of
    `weeks` weeks up to PERIOD (3 items) and, half of them, the effort question; every
    team has a firefight it reports most weeks. Bulk-inserted: the bench measures reads."""
    rng = random.Random(teams * 1000 + weeks)
    store = Store.open(path)
    store.workspaces.ensure(WS, NOW, "Bench")
    people: list[tuple[str, int]] = []
    with store.atomic():
        for t in range(teams):
            team = store.teams.create(WS, f"Team {t:02d}", NOW)
            store.teams.update(WS, team.id, target=0.4)
            for m in range(MEMBERS):
                uid = f"U{t:02d}{m:03d}"
                people.append((uid, t))
                store.members.upsert(Member(WS, uid, name=f"person {uid}"), NOW)
                store.db.execute(
                    "INSERT INTO team_members (workspace_id, team_id, user_id, since, added_at) "
                    "VALUES (?, ?, ?, '1000-W01', ?)", [WS, team.id, uid, NOW.isoformat()])
    conn = store.db.conn
    reply_id = item_id = 0
    for period in [*recent_periods(PERIOD, weeks - 1), PERIOD]:
        replies, items, efforts = [], [], []
        for uid, t in people:
            reply_id += 1
            replies.append((reply_id, WS, uid, "moved-forward", "work", period, "…", 0, "dm",
                            NOW.isoformat()))
            topic = _TOPICS[t % len(_TOPICS)]
            for pos in range(3):
                item_id += 1
                ktlo = pos == 2 or rng.random() < 0.3
                if pos == 2 and rng.random() < 0.3:
                    text = f"Restarted the {topic} export job for team {t} again"
                else:
                    text = rng.choice(_KTLO if ktlo else _PROGRESS).format(rng.choice(_TOPICS))
                items.append((item_id, WS, reply_id, pos, text, "work",
                              "ktlo" if ktlo else "progress", 0.9, "[]", "auto"))
            if rng.random() < 0.5:
                efforts.append((WS, uid, period, rng.choice(_EFFORT), NOW.isoformat(),
                                NOW.isoformat()))
        with conn:
            conn.executemany("INSERT INTO replies (id, workspace_id, user_id, prompt_id, kind, "
                             "period, text, anonymous, source, created_at) VALUES "
                             "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", replies)
            conn.executemany("INSERT INTO items (id, workspace_id, reply_id, position, text, "
                             "kind, label, confidence, reasons, label_source) VALUES "
                             "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", items)
            conn.executemany("INSERT INTO efforts (workspace_id, user_id, period, choice, "
                             "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)", efforts)
    store.close()


def _headway(path: Path) -> Headway:
    settings = Settings(bot_token=None, signing_secret=None, app_token=None, client_id=None,
                        client_secret=None, api_url="http://127.0.0.1:9/", db_path=path,
                        port=0)
    return Headway(settings=settings, store=Store.open(path), packs=load_packs(),
                   clock=lambda: NOW)


def _timed(run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _queries(hw: Headway, run: Callable[[], Any]) -> int:
    statements: list[str] = []
    hw.store.db.conn.set_trace_callback(statements.append)
    try:
        run()
    finally:
        hw.store.db.conn.set_trace_callback(None)
    return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))


def _builds(hw: Headway) -> dict[str, Callable[[], Any]]:
    team = hw.store.teams.of(WS)[0]
    return {"digest": lambda: render_digest_blocks(digests.build(hw, team, PERIOD)),
            "rollup": lambda: render_rollup_blocks(rollups.build(hw, WS, PERIOD))}


def run() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        contexts: dict[str, Headway] = {}
        for name, teams, weeks in (("single", 1, 260), ("1y", TEAMS, 52), ("5y", TEAMS, 260)):
            path = Path(tmp) / f"{name}.db"
            start = time.perf_counter()
            _seed(path, teams, weeks)
            contexts[name] = _headway(path)
            out[name] = {"seed": time.perf_counter() - start, "mb": path.stat().st_size / 1e6}
        try:
            samples: dict[tuple[str, str], list[float]] = {}
            for lap in range(RUNS + 1):  # lap 0 warms each file's page cache and the model
                # Interleaved, so that a busy moment of a shared machine falls on all.
                for name, hw in contexts.items():
                    for what, build in _builds(hw).items():
                        took = _timed(build)
                        if lap:
                            samples.setdefault((name, what), []).append(took)
            for (name, what), times in samples.items():
                out[name][what] = statistics.median(times)
            for name, hw in contexts.items():
                built = rollups.build(hw, WS, PERIOD)
                series = rollups.chart_series(built)
                out[name] |= {
                    "chart": statistics.median(_timed(lambda s=series: lines_png(s))
                                               for _ in range(3)),
                    "queries": _queries(hw, _builds(hw)["rollup"]),
                    "shown": sum(t.shown for t in built.teams),
                    "firefights": sum(t.firefight is not None for t in built.teams)}
        finally:
            for hw in contexts.values():
                hw.store.close()
    return out


def main() -> None:
    r = run()
    base = r["single"]["digest"]
    print(f"teams at scale ({TEAMS} teams of {MEMBERS} members, {TEAMS * MEMBERS * 3:,} items "
          f"a week; load + build + render, median of {RUNS}):")
    print(f"  baseline: the digest of a workspace of 1 team of {MEMBERS} (5 years, "
          f"{r['single']['mb']:.0f} MB): {base * 1000:7.1f} ms")
    for key, what in (("digest", "one team's digest"), ("rollup", "the rollup      ")):
        for name, label in (("1y", "1 year "), ("5y", "5 years")):
            x = r[name][key]
            print(f"  {what}, {label} ({r[name]['mb']:4.0f} MB): {x * 1000:7.1f} ms "
                  f"({x / base:5.1f}x baseline)")
    print(f"  rollup chart PNG ({min(TEAMS, 8)} lines drawn): "
          f"{r['5y']['chart'] * 1000:.1f} ms")
    print(f"  rollup queries: {r['single']['queries']:.0f} (1 team), {r['1y']['queries']:.0f} "
          f"({TEAMS} teams, 1 year), {r['5y']['queries']:.0f} "
          f"({TEAMS} teams, 5 years); teams shown {r['5y']['shown']:.0f}, with a firefight "
          f"{r['5y']['firefights']:.0f}")
    for key, what in (("digest", "one team's digest"), ("rollup", "the rollup")):
        ratio = r["5y"][key] / r["1y"][key]
        verdict = "meets" if ratio <= GOAL else "MISSES"
        print(f"  5 years / 1 year, {what}: {ratio:.2f}x ({verdict} the <= {GOAL}x goal)")
    print(f"  (seeding: {sum(v['seed'] for v in r.values()):.0f} s, not measured; the "
          f"three files measured in turn, {RUNS} laps)")


if __name__ == "__main__":
    main()

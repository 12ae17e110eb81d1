"""The reminders' share of every tick: 50 teams of 20 members, each with the week's work
question open (nobody answered yet), at an instant when no reminder is due — what the tick
pays every minute of the week. Cost must follow the open questions, not the history:
1 year and 5 years of answered weeks before it, each measured in the same run, and the
5-year figure as a ratio of the 1-year one (target ≤ 1.2); runs interleaved, best and
median shown (the machine is shared: the best is the least disturbed).
"""

from __future__ import annotations

import os
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
from bot.reminders import send_reminders, work_prompts
from bot.store import Store

TEAMS, PER_TEAM = 50, 20
RUNS = int(os.environ.get("BENCH_REMINDER_RUNS", "7"))
WS = "T0001"
PERIOD = "2026-W47"
NOW = datetime(2026, 11, 20, 16, tzinfo=UTC)  # Friday, just after the questions


def _seed(path: Path, weeks: int) -> Headway:
    store = Store.open(path)
    store.workspaces.ensure(WS, NOW, "Bench")
    packs = load_packs()
    [work] = work_prompts(Headway(settings=_settings(path), store=store, packs=packs))
    rows = []
    with store.atomic():
        for t in range(TEAMS):
            team = store.teams.create(WS, f"Team {t}", NOW, digest_channel=f"C{t:04d}")
            for m in range(PER_TEAM):
                uid = f"U{t:02d}{m:02d}"
                store.members.upsert(Member(WS, uid), NOW)
                store.teams.add_member(WS, team.id, uid, "2020-W01", NOW)
                for period in [*recent_periods(PERIOD, weeks), PERIOD]:
                    rows.append({"workspace_id": WS, "user_id": uid, "prompt_id": work,
                                 "period": period, "claimed_at": NOW.isoformat(),
                                 "sent_at": NOW.isoformat(), "channel": f"D{uid}",
                                 "status": "sent" if period == PERIOD else "answered"})
    store.db["nudges"].insert_all(rows)
    return Headway(settings=_settings(path), store=store, packs=packs, clock=lambda: NOW)


def _settings(path: Path) -> Settings:
    # Nothing is due, so nothing is sent: the API URL is never called.
    return Settings(bot_token="xoxb-bench", signing_secret="s", app_token=None,
                    client_id=None, client_secret=None, api_url="http://127.0.0.1:9/",
                    db_path=path, port=0, send_rate=1000.0)


def _once_ms(hw: Headway) -> float:
    start = time.perf_counter()
    result = send_reminders(hw)
    elapsed = time.perf_counter() - start
    assert not result.sent and not result.failed
    return elapsed * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        hws = {years: _seed(Path(tmp) / f"{years}y.db", 52 * years) for years in (1, 5)}
        runs: dict[int, list[float]] = {1: [], 5: []}
        for hw in hws.values():
            send_reminders(hw)  # warm the page cache
        for _ in range(RUNS):  # interleaved: a busy moment of the machine hits both
            for years, hw in hws.items():
                runs[years].append(_once_ms(hw))
        for years, hw in hws.items():
            hw.store.close()
            print(f"  {TEAMS * PER_TEAM} open questions, {years} year(s) of history: "
                  f"send_reminders best {min(runs[years]):.0f} ms, median "
                  f"{statistics.median(runs[years]):.0f} ms ({RUNS} runs)")
        print(f"  5 years / 1 year (best): {min(runs[5]) / min(runs[1]):.2f}x (target ≤ 1.2)")


if __name__ == "__main__":
    main()

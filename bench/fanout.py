"""Fan-out to 2,000 members against a fake Slack capped at a fixed chat.postMessage rate.

Prints the time, the share of the cap achieved (target >= 90%), 429s, duplicates and misses
(target 0 and 0) for Headway's paced sending, and, measured in the same run as a baseline,
the same fan-out with pacing switched off (send as fast as possible, rely on Retry-After).
Then the ack latency of a signed `/headway help` through `serve` while that process fans
out to 2,000 members, against a bare Bolt app (target p99 ratio <= 1.25).
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.ack_latency import SECRET, headway_and_bare_bolt, help_command, print_acks, sample_acks
from bot.config import Settings
from bot.context import Headway, system_clock
from bot.core import messages
from bot.core.model import Member
from bot.core.prompts import load_packs
from bot.nudges import nudge_now
from bot.store import Store
from tests.fakeslack import FakeSlack

CAP = int(os.environ.get("BENCH_FANOUT_CAP", "100"))  # chat.postMessage per second
MEMBERS = int(os.environ.get("BENCH_FANOUT_MEMBERS", "2000"))
ACK_REQUESTS = int(os.environ.get("BENCH_FANOUT_ACKS", "300"))
TEAM = "T0001"


def _seed(fake: FakeSlack, db_path: Path, n: int, now: datetime) -> list[str]:
    """n members, every day, nudge time one minute ago (UTC): all due at once."""
    users = [f"U{i:05d}" for i in range(n)]
    due = (now - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    store = Store.open(db_path)
    try:
        store.workspaces.ensure(TEAM, now, "Bench")
        with store.atomic():
            for uid in users:
                fake.add_user(uid, tz="UTC")
                store.members.upsert(Member(TEAM, uid, tz="UTC", days=tuple(range(7)),
                                            nudge_time=due), now)
    finally:
        store.close()
    return users


def fanout(send_rate: float) -> dict[str, float]:
    with FakeSlack(check_spec=False) as fake, tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        users = _seed(fake, db_path, MEMBERS, datetime.now(UTC))
        fake.rate_limit("chat.postMessage", CAP)
        settings = Settings(bot_token=fake.token, signing_secret=SECRET, app_token=None,
                            client_id=None, client_secret=None, api_url=fake.api_url,
                            db_path=db_path, port=0, send_rate=send_rate)
        store = Store.open(db_path)
        hw = Headway(settings=settings, store=store, packs=load_packs(), clock=system_clock)
        try:
            start = time.perf_counter()
            nudge_now(hw)  # the weekly work question to everyone: one DM each
            elapsed = time.perf_counter() - start
        finally:
            store.close()
        got = fake.dms_with_event(users, messages.NUDGE_EVENT)
        return {
            "seconds": elapsed,
            "per_second": MEMBERS / elapsed,
            "share": MEMBERS / elapsed / CAP,
            "429s": fake.stats.ratelimited,
            "duplicates": sum(n - 1 for n in got.values() if n > 1),
            "misses": sum(1 for u in users if got[u] == 0),
        }


def ack_under_fanout() -> dict[str, float]:
    with FakeSlack(check_spec=False) as fake, tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        _seed(fake, db_path, MEMBERS, datetime.now(UTC))
        fake.rate_limit("chat.postMessage", CAP)
        env = {**os.environ, "SLACK_BOT_TOKEN": fake.token, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": fake.api_url, "HEADWAY_DB": str(db_path),
               "HEADWAY_SEND_RATE": str(CAP * 0.95)}
        env.pop("SLACK_APP_TOKEN", None)
        with headway_and_bare_bolt(env, tmp) as ports:
            # serve's first tick runs at start: measure once the fan-out is under way.
            deadline = time.monotonic() + 30
            while len(fake.calls_to("chat.postMessage")) < 50:
                if time.monotonic() > deadline:
                    raise RuntimeError("the fan-out did not start")
                time.sleep(0.05)
            before = len(fake.calls_to("chat.postMessage"))
            out = sample_acks(ports, help_command(fake, TEAM, "U00001"), ACK_REQUESTS,
                              warmup=20)
            out["posts_during"] = len(fake.calls_to("chat.postMessage")) - before
    return out


def _line(name: str, r: dict[str, float]) -> str:
    return (f"  {name:<22}: {r['seconds']:6.1f} s  {r['per_second']:6.1f} msg/s  "
            f"{r['share']:6.1%} of cap  429s {r['429s']:4.0f}  "
            f"duplicates {r['duplicates']:.0f}  misses {r['misses']:.0f}")


def main() -> None:
    print(f"fan-out: {MEMBERS} members, fake Slack capped at {CAP} chat.postMessage/s "
          f"(429 + Retry-After beyond it)")
    # An operator sets HEADWAY_SEND_RATE a little under the limit Slack enforces.
    rate = CAP * 0.95
    paced = fanout(send_rate=rate)
    print(_line(f"paced at {rate:g}/s", paced))
    unpaced = fanout(send_rate=1000.0)
    print(_line("baseline: unpaced", unpaced))
    verdict = "meets" if paced["share"] >= 0.9 and not paced["duplicates"] \
        and not paced["misses"] else "MISSES"
    print(f"  paced vs unpaced: {unpaced['seconds'] / paced['seconds']:.2f}x faster, "
          f"{paced['429s']:.0f} vs {unpaced['429s']:.0f} 429s "
          f"({verdict} the >= 90% of cap, 0 duplicates, 0 misses target)")
    r = ack_under_fanout()
    print(f"ack latency of signed `/headway help` during a {MEMBERS}-member fan-out "
          f"({r['posts_during']:.0f} DMs sent while measuring), {ACK_REQUESTS} requests each:")
    print_acks(r)


if __name__ == "__main__":
    main()

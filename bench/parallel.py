"""Many workspaces in one process (issue 15): the five measures, each with a baseline
measured in the same run.

1. Fan-out of W workspaces x M members (`headway nudge --now`) against a fake Slack that
   answers in 50 ms: time from the first DM to the last, against one workspace of M alone
   (goal <= 1.5 at 50 x 20).
2. A digest, a snooze reminder and a next-minute nudge in another workspace while 50 x 20
   members are nudged by the scheduler's lanes: their delay against the same without the
   fan-out (goal: within one tick). The clock runs 10x fast (a tick is 6 s of real time).
3. One workspace of 400 members against a fake allowing 8 DMs a second, no setting
   changed: the share of that limit reached (goal >= 85%), duplicates, misses.
4. An idle tick (every lane, nothing due) at 1, 100 and 1,000 workspaces (goal 1,000 / 1
   <= 3), with the SQL statements each runs.

The fake Slack runs in a process of its own (`RemoteFake`), as Slack does.
5. Stored DM replies per second through the real HTTP endpoint (OAuth mode) with 8
   concurrent senders, and the ack p99 meanwhile, against Bolt's defaults (5 listener
   threads, no authorize cache).

`python -m bench.parallel` runs the issue's sizes (about 3 minutes on a 2-core machine);
`--quick` (or BENCH_QUICK=1) smaller ones in about a minute. Nothing here asserts a time.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from bot import app as bot_app
from bot import oauth
from bot.config import Settings
from bot.context import Headway, system_clock
from bot.core import messages
from bot.core.model import Member
from bot.core.prompts import load_packs
from bot.http import SlackHTTPServer
from bot.nudges import nudge_now
from bot.scheduler import (
    LANES,
    dispatch_nudges,
    dispatch_reminders,
    post_digests,
    purge,
    start_scheduler,
    sweep_time_zones,
    tick,
)
from bot.store import Store
from tests.fakeslack import FakeSlack

QUICK = "--quick" in sys.argv or os.environ.get("BENCH_QUICK") == "1"
LATENCY = 0.05  # Slack's round trip is of this order
SECRET = "0123456789abcdef0123456789abcdef"
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _serve_fake(conn: Connection) -> None:
    """The fake Slack in a process of its own: Slack's work is not Headway's, and on a
    2-core machine the fake's threads would otherwise take the CPU the senders measure."""
    with FakeSlack(check_spec=False) as fake:
        conn.send((fake.api_url, fake.token))
        while True:
            name, args, kwargs = conn.recv()
            if name == "stop":
                conn.send(None)
                return
            try:
                if name == "count":
                    result: Any = len(fake.calls_to(args[0]))
                elif name == "first_to":  # the first call of a method to a channel, waited for
                    result = _first_to(fake, *args)
                elif name == "stats":
                    result = fake.stats
                else:
                    result = getattr(fake, name)(*args, **kwargs)
            except Exception as exc:  # handed back, raised in the bench
                result = exc
            conn.send(result)


def _first_to(fake: FakeSlack, method: str, channel: str,
              metadata: bool | None = None) -> Any:
    """The first call of `method` to `channel` (with or without message metadata, when
    `metadata` says), waited for."""
    return fake.wait_for_call(method, lambda c: c.args.get("channel") == channel and (
        metadata is None or bool(c.args.get("metadata")) == metadata), timeout=120)


class RemoteFake:
    """`FakeSlack`'s methods the benches use, answered by the fake in its own process."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve_fake, args=(child,), daemon=True)
        self._proc.start()
        self.api_url, self.token = self._conn.recv()
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self._conn.send((name, args, kwargs))
                result = self._conn.recv()
            if isinstance(result, Exception):
                raise result
            return result
        return call

    def close(self) -> None:
        self.stop()
        self._proc.join(10)


@contextmanager
def _fake() -> Iterator[Any]:
    fake = RemoteFake()
    try:
        yield fake
    finally:
        fake.close()


def _settings(fake: Any, db_path: Path, **more: Any) -> Settings:
    return Settings(bot_token=fake.token, signing_secret=SECRET, app_token=None,
                    client_id=None, client_secret=None, api_url=fake.api_url,
                    db_path=db_path, port=0, **more)


def _team(i: int) -> tuple[str, str]:
    return f"TW{i:04d}", f"xoxb-w{i:04d}"


@contextmanager
def _world(workspaces: int, members: int, *, clock: Callable[[], datetime] = system_clock,
           due_at: datetime | None = None, members_of: Callable[[int], int] | None = None
           ) -> Iterator[tuple[Any, Headway, dict[str, list[str]]]]:
    """A fake Slack answering in 50 ms with `workspaces` workspaces (each its own token)
    and a database where their members are due at `due_at` (default: a minute ago)."""
    with _fake() as fake, tempfile.TemporaryDirectory() as tmp:
        fake.delay("*", LATENCY)
        db_path = Path(tmp) / "bench.db"
        store = Store.open(db_path)
        now = clock()
        at = (due_at or now - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
        tokens, users = {}, {}
        with store.atomic():
            for i in range(workspaces):
                team, token = _team(i)
                fake.add_team(team, token=token)
                tokens[team] = token
                store.workspaces.ensure(team, now, team)
                store.scheduler.set_tz_refreshed_at(team, now)
                users[team] = [f"U{i:04d}{j:04d}" for j in range(
                    members_of(i) if members_of else members)]
                for uid in users[team]:
                    fake.add_user(uid, team_id=team, tz="UTC")
                    store.members.upsert(Member(team, uid, tz="UTC", days=tuple(range(7)),
                                                nudge_time=at), now)
        hw = Headway(settings=_settings(fake, db_path), store=store, packs=load_packs(),
                     clock=clock, token_for=tokens.get)
        try:
            yield fake, hw, users
        finally:
            hw.close()
            store.close()


def _dm_span(fake: Any) -> float:
    ok = [c.at for c in fake.calls_to("chat.postMessage") if c.ok]
    return max(ok) - min(ok) + LATENCY if ok else 0.0


# ── 1. fan-out across workspaces ─────────────────────────────────────────────


def fanout(workspaces: int, members: int) -> dict[str, float]:
    with _world(workspaces, members) as (fake, hw, users):
        result = nudge_now(hw)
        got = Counter(c.args["channel"] for c in fake.calls_to("chat.postMessage")
                      if c.ok and (c.args.get("metadata") or {}).get("event_type")
                      == messages.NUDGE_EVENT)
        every = [u for ids in users.values() for u in ids]
        return {"seconds": _dm_span(fake), "sent": len(result.sent),
                "duplicates": sum(n - 1 for n in got.values() if n > 1),
                "misses": sum(1 for u in every if got[u] == 0)}


def bench_fanout() -> None:
    sizes = ([(1, 50), (10, 10), (40, 5)] if "--fanout" in sys.argv else
             [(1, 50), (10, 10), (20, 10), (40, 5)] if QUICK
             else [(1, 200), (10, 20), (50, 20), (100, 10)])
    print(f"1. fan-out (`nudge --now`), fake Slack answering in {LATENCY * 1000:.0f} ms, "
          f"first DM to last; baseline: one workspace of the same size alone, same run")
    alone: dict[int, dict[str, float]] = {}
    for w, m in sizes:
        if m not in alone:
            alone[m] = fanout(1, m)
        r = alone[m] if w == 1 else fanout(w, m)
        base = alone[m]["seconds"]
        fixed = m / 4.0
        print(f"  {w:>3} x {m:<3}: {r['seconds']:6.1f} s for {r['sent']:.0f} DMs  "
              f"alone {base:5.1f} s  ratio {r['seconds'] / base:4.2f}x  "
              f"(fixed 4/s pace would be {fixed * (w if w > 1 else 1):.0f} s sequential)  "
              f"duplicates {r['duplicates']:.0f}, misses {r['misses']:.0f}")


# ── 2. the other lanes during a fan-out ──────────────────────────────────────

SPEED = 10.0  # the bench clock runs this many times faster than real time


def lanes_delay(fanout_workspaces: int, members: int) -> dict[str, float]:
    """Delays (seconds of bench clock) of another workspace's digest, reminder and
    next-minute nudge, while `fanout_workspaces` x `members` are nudged."""
    # The lanes tick a tenth of a second (of bench clock) after each minute: the delays are
    # then the lanes' own, not the phase of the tick. The clock stands still while the
    # bench sets up, and runs from the scheduler's start.
    base = MONDAY_9 + timedelta(seconds=0.1)
    origin: list[float] = []

    def clock() -> datetime:
        ran = (time.monotonic() - origin[0]) * SPEED if origin else 0.0
        return base + timedelta(seconds=ran)

    def real_at(at: datetime) -> float:
        return origin[0] + (at - base).total_seconds() / SPEED

    n = fanout_workspaces + 1
    def sizes(i: int) -> int:  # the other workspace has one member due at 09:00
        return members if i < fanout_workspaces else 1

    with _world(n, members, clock=clock, due_at=MONDAY_9, members_of=sizes) as (fake, hw, users):
        other, _ = _team(fanout_workspaces)
        store = hw.store
        store.workspaces.update(other, tz="UTC")
        team = store.teams.create(other, "Other", MONDAY_9 - timedelta(days=7),
                                  digest_channel="C0OTHER", tz="UTC")
        store.teams.update(other, team.id, digest_day=0, digest_time=clock_time(9))
        for uid in users[other]:
            store.teams.add_member(other, team.id, uid, "2026-W01", MONDAY_9)
        [first] = users[other]
        week_ago = MONDAY_9 - timedelta(days=7)
        claim = store.nudges.claim(other, first, "problem", "2026-W47", week_ago)
        store.nudges.mark_sent(claim.id, fake.dm_channel(first, other), "1.0", week_ago)
        store.nudges.snooze(claim.id, MONDAY_9)
        fake.add_user("ULATE", team_id=other, tz="UTC")
        store.members.upsert(Member(other, "ULATE", tz="UTC", days=tuple(range(7)),
                                    nudge_time=clock_time(9, 1)), clock())
        origin.append(time.monotonic())
        scheduler, lock = start_scheduler(hw, tick_seconds=60 / SPEED)
        try:
            digest = fake.first_to("chat.postMessage", "C0OTHER")
            reminder = fake.first_to("chat.postMessage", first, False)  # no nudge metadata
            late = fake.first_to("chat.postMessage", "ULATE")
            busy = hw.senders.busy
        finally:
            hw.stopping.set()
            scheduler.shutdown(wait=True)
            lock.release()
        due_1, due_2 = real_at(MONDAY_9), real_at(MONDAY_9 + timedelta(minutes=1))
        return {"digest": (digest.at - due_1) * SPEED, "reminder": (reminder.at - due_1) * SPEED,
                "next minute": (late.at - due_2) * SPEED, "busy": busy}


def bench_lanes() -> None:
    w, m = (10, 20) if QUICK else (50, 20)
    print(f"2. another workspace's digest, snooze reminder and next-minute nudge during a "
          f"{w} x {m} fan-out by the scheduler's lanes, seconds after they fell due (a tick "
          f"is 60 s, each 0.1 s after the minute; the bench clock runs {SPEED:g}x fast)")
    quiet = lanes_delay(0, m)
    loaded = lanes_delay(w, m)
    for what in ("digest", "reminder", "next minute"):
        verdict = "within one tick" if loaded[what] <= 60 else "LATER than one tick"
        print(f"  {what:<12}: {loaded[what]:5.1f} s after due  (no fan-out: "
              f"{quiet[what]:5.1f} s; +{loaded[what] - quiet[what]:.1f} s)  {verdict}")
    print(f"  workspaces still sending when the last of them went out: {loaded['busy']:.0f}")


# ── 3. one workspace finds Slack's pace ──────────────────────────────────────


def paced(members: int, limit: int) -> dict[str, float]:
    with _world(1, members) as (fake, hw, users):
        team, _ = _team(0)
        fake.rate_limit("chat.postMessage", limit, team_id=team)
        nudge_now(hw)
        seconds = _dm_span(fake)
        got = Counter(c.args["channel"] for c in fake.calls_to("chat.postMessage") if c.ok)
        return {"seconds": seconds, "share": members / seconds / limit,
                "429s": fake.stats().ratelimited,
                "duplicates": sum(n - 1 for n in got.values() if n > 1),
                "misses": sum(1 for u in users[team] if got[u] == 0),
                "held at": hw.pacer_for(team).ceiling}


def bench_pace() -> None:
    members, limit = (200, 8) if QUICK else (400, 8)
    print(f"3. one workspace of {members} members, fake Slack allowing {limit} DMs/s "
          f"(429 + Retry-After beyond), HEADWAY_SEND_RATE unset (starts at 4/s)")
    r = paced(members, limit)
    verdict = "meets" if r["share"] >= 0.85 and not r["duplicates"] and not r["misses"] \
        else "MISSES"
    print(f"  {r['seconds']:.1f} s: {r['share']:.1%} of the limit ({verdict} >= 85%), "
          f"429s {r['429s']:.0f}, held at {r['held at']:.2f}/s, duplicates "
          f"{r['duplicates']:.0f}, misses {r['misses']:.0f}; baseline: the old fixed 4/s "
          f"pace would take {members / 4:.0f} s ({4 / limit:.0%} of the limit)")


# ── 4. an idle tick ──────────────────────────────────────────────────────────


def idle_tick(workspaces: int, members: int = 10, repeat: int = 15) -> dict[str, float]:
    now = MONDAY_9 + timedelta(hours=2)
    with _world(workspaces, members, clock=lambda: now,
                due_at=now + timedelta(hours=3)) as (_fake, hw, _users):
        with hw.store.atomic():
            for i in range(workspaces):
                team = hw.store.teams.create(_team(i)[0], "Team", now,
                                             digest_channel="C0DIGEST")
                hw.store.teams.update(_team(i)[0], team.id, digest_day=4)
        tick(hw)  # settle everyone's next-due time: from here on, nothing is due
        hw.settle()
        lanes = {"nudges": dispatch_nudges, "reminders": dispatch_reminders,
                 "sweeps": sweep_time_zones, "purges": purge, "digests": post_digests}
        out: dict[str, float] = {}
        for name, run in lanes.items():
            seen: list[str] = []
            hw.store.db.conn.set_trace_callback(seen.append)
            run(hw, [])
            hw.store.db.conn.set_trace_callback(None)
            samples = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                run(hw, [])
                samples.append(time.perf_counter() - t0)
            out[name] = statistics.median(samples) * 1000
            out[f"{name} sql"] = len(seen)
        assert hw.senders.busy == 0, "an idle tick must hand nothing to a sender"
        return out


def bench_idle() -> None:
    counts = (1, 100, 1000)
    print("4. an idle tick (each lane once, nothing due; 10 members per workspace, every "
          "workspace with a digest channel): median ms, SQL statements")
    results = {n: idle_tick(n) for n in counts}
    mine = ("nudges", "reminders", "sweeps", "purges")
    for n, r in results.items():
        parts = "  ".join(f"{k} {r[k]:.2f} ms/{r[k + ' sql']:.0f}" for k in (*mine, "digests"))
        print(f"  {n:>5} workspaces: {parts}")
    for label, names in (("nudge, reminder, sweep and purge lanes", mine),
                         ("every lane, digests included", (*mine, "digests"))):
        total = {n: sum(results[n][k] for k in names) for n in counts}
        ratio = total[1000] / total[1]
        verdict = "meets" if ratio <= 3 else "MISSES"
        print(f"  {label}: {total[1]:.2f} ms at 1, {total[100]:.2f} at 100, "
              f"{total[1000]:.2f} at 1,000 workspaces; 1,000 / 1 = {ratio:.2f}x "
              f"({verdict} <= 3)")


# ── 5. replies through the HTTP endpoint ─────────────────────────────────────


def replies(senders: int, per_sender: int, *, baseline: bool) -> dict[str, float]:
    from tests.slackdriver import SlackDriver

    saved = (bot_app.LISTENER_WORKERS, oauth.AUTHORIZE_CACHE)
    if baseline:  # Bolt's defaults, as before this change
        bot_app.LISTENER_WORKERS, oauth.AUTHORIZE_CACHE = 5, False
    team, token = "T0REPLY", "xoxb-reply"
    users = [f"UR{i:04d}" for i in range(senders * per_sender)]
    try:
        with _fake() as fake, tempfile.TemporaryDirectory() as tmp:
            fake.delay("*", LATENCY)
            fake.add_team(team, token=token)
            db_path = Path(tmp) / "bench.db"
            settings = replace(_settings(fake, db_path), bot_token=None, client_id="1.2",
                               client_secret="client-secret")
            store = Store.open(db_path)
            hw = oauth.oauth_headway(settings, store, load_packs())
            from slack_sdk.oauth.installation_store import Installation

            hw.installations.store.save(Installation(
                app_id="A0HEADWAY", team_id=team, team_name="Replies", user_id="UINST",
                bot_token=token, bot_id="BBOTREPLY", bot_user_id="UBOTREPLY",
                installed_at=time.time()))
            now = system_clock()
            fake.delay("*", 0)  # seeding: each member has the week's question in their DM
            client = WebClient(token=token, base_url=fake.api_url)
            with store.atomic():
                for uid in users:
                    fake.add_user(uid, team_id=team, tz="UTC")
                    store.members.upsert(Member(team, uid, tz="UTC"), now)
                    claim = store.nudges.claim(team, uid, "moved-forward", "2026-W48", now)
                    posted = client.chat_postMessage(channel=uid, text="What moved forward?")
                    store.nudges.mark_sent(claim.id, posted["channel"], posted["ts"], now)
            fake.delay("*", LATENCY)
            seeded = fake.count("chat.postMessage")
            server = SlackHTTPServer(("127.0.0.1", 0), bot_app.build_app(hw), lambda: True)
            server.start_background()
            acks: list[float] = []
            lock = threading.Lock()

            def send(chunk: list[str]) -> None:
                driver = SlackDriver(server.url, fake, team_id=team)
                for uid in chunk:
                    t0 = time.perf_counter()
                    resp = driver.dm("- Shipped the billing export fix\n- Ran the retro", uid)
                    with lock:
                        acks.append(time.perf_counter() - t0)
                    assert resp.status == 200, resp.status

            chunks = [users[i::senders] for i in range(senders)]
            threads = [threading.Thread(target=send, args=(c,)) for c in chunks]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            deadline = time.monotonic() + 120
            while store.replies.count(team, "2026-W48") < len(users):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)
            elapsed = time.perf_counter() - t0
            stored = store.replies.count(team, "2026-W48")
            # Let the listeners finish (each confirms and closes its question) before the
            # fake Slack goes away.
            while (fake.count("chat.update") < stored
                   or fake.count("chat.postMessage") - seeded < stored) \
                    and time.monotonic() < deadline:
                time.sleep(0.05)
            server.shutdown()
            server.server_close()
            hw.close()
            store.close()
    finally:
        bot_app.LISTENER_WORKERS, oauth.AUTHORIZE_CACHE = saved
    ordered = sorted(acks)
    return {"per_second": stored / elapsed, "stored": stored,
            "p50": statistics.median(ordered) * 1000,
            "p99": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] * 1000}


def bench_replies() -> None:
    senders, per = (8, 25) if QUICK else (8, 60)
    print(f"5. DM replies through the HTTP endpoint (OAuth), {senders} concurrent senders, "
          f"{senders * per} replies, fake Slack answering in {LATENCY * 1000:.0f} ms")
    base = replies(senders, per, baseline=True)
    now = replies(senders, per, baseline=False)
    for name, r in (("Headway now", now), ("baseline: 5 listener threads, no authorize "
                                           "cache", base)):
        print(f"  {name:<47}: {r['per_second']:6.1f} stored/s ({r['stored']:.0f}), ack p50 "
              f"{r['p50']:.1f} ms, p99 {r['p99']:.1f} ms")
    print(f"  ratio: {now['per_second'] / base['per_second']:.2f}x the replies a second, ack "
          f"p99 {now['p99'] / base['p99']:.2f}x")


def main() -> None:
    # Figures, not log lines: a listener cut short at teardown is not the measure.
    logging.getLogger("bot").setLevel(logging.CRITICAL)
    logging.getLogger("slack_bolt").setLevel(logging.CRITICAL)
    print(f"({'quick sizes' if QUICK else 'the issue sizes'}; lanes: "
          f"{', '.join(lane.name for lane in LANES)})")
    runs = (bench_fanout, bench_lanes, bench_pace, bench_idle, bench_replies)
    for run in runs[:1] if "--fanout" in sys.argv else runs:
        started = time.perf_counter()
        run()
        print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()

"""Fan-out you can trust: SIGKILL mid-send, pacing, faults, members Slack cannot reach."""

from __future__ import annotations

import itertools
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time as walltime
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from conftest import FakeTime, wait_for

from bot.core import messages
from bot.core.model import Member
from bot.locks import SendingLock
from bot.nudges import send_due
from bot.pacing import HARD_CEILING, Pacer
from bot.scheduler import tick
from bot.slack_client import make_client
from bot.store import Store

ROOT = Path(__file__).resolve().parents[1]
TEAM = "T0001"
FRIDAY_9 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def enrol(fake, store: Store, n: int, now: datetime, prefix: str = "U") -> list[str]:
    store.workspaces.ensure(TEAM, now, "Acme")
    users = [f"{prefix}{i:04d}" for i in range(n)]
    for uid in users:
        fake.add_user(uid, tz="UTC")
        store.members.upsert(Member(TEAM, uid, tz="UTC", days=(4,), nudge_time=time(9)), now)
    return users


def nudges_received(fake, users: list[str]) -> Counter[str]:
    """Nudge DMs Slack holds per user, read from the DMs themselves (not from our ledger)."""
    return fake.dms_with_event(users, messages.NUDGE_EVENT)


# ── SIGKILL in the middle of a fan-out ───────────────────────────────────────


def _nudge_now(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "nudge", "--now"], cwd=ROOT,
                            env={**os.environ, **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_sigkill_at_random_points_of_a_fanout_loses_nothing_and_sends_nothing_twice(
        fake, env, db_path):
    env = {**env, "HEADWAY_SEND_RATE": "500"}
    store = Store.open(db_path)
    users = enrol(fake, store, 120, datetime.now(UTC))
    store.close()
    # Slow answers, so that some kills land while a request is inside Slack.
    fake.delay("chat.postMessage", 0.004)
    rng = random.Random(20261123)
    kills = 0
    left_unconfirmed = 0  # claims a killed run left between claiming and recording the send
    for _ in range(8):
        before = len(fake.calls_to("chat.postMessage"))
        target = before + rng.randint(0, 25)
        proc = _nudge_now(env)
        try:
            wait_for(lambda t=target, p=proc: len(fake.calls_to("chat.postMessage")) >= t
                     or p.poll() is not None, timeout=60, what="the fan-out to get going")
            if proc.poll() is None:
                walltime.sleep(rng.random() * 0.004)  # anywhere inside the next request
                proc.send_signal(signal.SIGKILL)
                kills += 1
        finally:
            proc.wait(timeout=30)
            if proc.stdout:
                proc.stdout.close()
        with sqlite3.connect(db_path) as conn:
            left_unconfirmed += conn.execute(
                "SELECT count(*) FROM nudges WHERE status = 'claimed'").fetchone()[0]
        if proc.returncode == 0:
            break
    assert kills >= 3, "the test must actually kill the fan-out mid-way"
    assert left_unconfirmed >= 1, "some kill must land between a claim and its record"
    # Restart until a run completes: it settles what the killed runs left and sends the rest.
    outputs = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "bot", "nudge", "--now"], cwd=ROOT,
                              env={**os.environ, **env}, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        outputs.append(done.stdout)
    assert "sent 0," in outputs[-1]  # the second complete run finds nothing left to send
    received = nudges_received(fake, users)
    duplicates = {u: n for u, n in received.items() if n > 1}
    missing = [u for u in users if received[u] == 0]
    assert duplicates == {} and missing == []
    store = Store.open(db_path)
    try:
        ledger = Counter(n.status for u in users for n in store.nudges.of(TEAM, u))
    finally:
        store.close()
    assert ledger == {"sent": len(users)}


def test_a_live_process_in_flight_claim_is_left_alone_by_another(fake, hw, clock, db_path):
    """Only the process holding the sending lock settles others' claims at once."""
    enrol(fake, hw.store, 1, clock.now)
    claim = hw.store.nudges.claim(TEAM, "U0000", "work", "2026-W47", clock.now,
                                  claimed_by="another-live-process")
    other = SendingLock(db_path)
    mine_done = threading.Event()

    def hold_while_sending() -> None:
        with other.held():
            mine_done.wait(60)  # released in `finally`, however slow the machine

    holder = threading.Thread(target=hold_while_sending)
    # A second SendingLock object on the same file stands in for another process.
    holder.start()
    try:
        wait_for(lambda: other._holders == 1, what="the other process to hold the lock")
        sender = threading.Thread(target=lambda: send_due(hw))
        sender.start()
        walltime.sleep(0.3)
        assert sender.is_alive(), "sending must wait for the other process"
        assert hw.store.nudges.get(claim.id).status == "claimed"
    finally:
        mine_done.set()
        holder.join()
    sender.join(10)
    # Once that process has stopped sending, its unconfirmed claim is settled: not in the
    # DM history, so released (and, outside a nudge window, not resent by this tick).
    assert hw.store.nudges.get(claim.id) is None


# ── Pacing, Retry-After, faults ──────────────────────────────────────────────


def test_dms_go_to_the_user_id_without_conversations_open(fake, hw, clock):
    users = enrol(fake, hw.store, 30, clock.now)
    clock.now = FRIDAY_9
    tick(hw)
    assert fake.calls_to("conversations.open") == []
    assert {c.args["channel"] for c in fake.calls_to("chat.postMessage")} == set(users)


def test_the_workspace_is_paced_to_its_send_rate(fake, hw, clock):
    users = enrol(fake, hw.store, 12, clock.now)
    hw.settings = replace(hw.settings, send_rate=20.0, send_rate_max=20.0)  # a fixed pace
    # The workspace's pacer on a simulated clock: where each post lands in time is then
    # exact, not at the mercy of a loaded machine's scheduling (and costs no real seconds).
    # (Seeded before the fan-out asks Headway for the workspace's pacer.)
    pacer = hw.pacer_for("T0THER")  # Headway paces as configured
    assert (pacer.start_rate, pacer.max_rate) == (20.0, 20.0)
    t = FakeTime(now=100.0)
    hw._pacers[TEAM] = Pacer(hw.settings.send_rate, ceiling=hw.settings.send_rate_max,
                             monotonic=t.monotonic, sleep=t.sleep)
    landed: list[float] = []
    fake.on_arrival("chat.postMessage", lambda _args: landed.append(t.now))
    clock.now = FRIDAY_9
    tick(hw)  # two prompts each: 24 posts
    assert len(landed) == len(fake.calls_to("chat.postMessage")) == 2 * len(users)
    # 20 a second is one every 50 ms: never two in one slot, never a burst.
    assert [b - a for a, b in itertools.pairwise(landed)] == \
        pytest.approx([0.05] * (len(landed) - 1))


def test_retry_after_holds_back_the_whole_workspace_and_nothing_is_lost(fake, hw, clock):
    users = enrol(fake, hw.store, 6, clock.now)
    fake.inject_429("chat.postMessage", retry_after=1, times=1)
    clock.now = FRIDAY_9
    result = tick(hw)
    assert fake.stats.ratelimited == 1
    assert hw.pacer_for(TEAM).rate_limited == 1
    calls = fake.calls_to("chat.postMessage")
    limited = next(i for i, c in enumerate(calls) if c.status == 429)
    # Retry-After: 1 was honoured before the next post reached Slack.
    assert calls[limited + 1].at - calls[limited].at >= 1.0
    assert nudges_received(fake, users) == {u: 2 for u in users}
    assert len(result.nudges.sent) == 12


def _record_backoff(hw) -> list[float]:
    """The production client, with its retry backoff recorded instead of slept through."""
    slept: list[float] = []

    def recording_client(token, api_url, pacer, *, sleep):
        return make_client(token, api_url, pacer, sleep=slept.append)

    hw.client_factory = recording_client
    return slept


def test_server_errors_and_dropped_connections_are_retried(fake, hw, clock):
    users = enrol(fake, hw.store, 4, clock.now)
    slept = _record_backoff(hw)
    fake.fail("chat.postMessage", error="internal_error", status=500, times=1)
    fake.drop("chat.postMessage", times=1)
    clock.now = FRIDAY_9
    tick(hw)
    assert nudges_received(fake, users) == {u: 2 for u in users}
    assert [c.status for c in fake.calls_to("chat.postMessage")][:3] == [500, 0, 200]
    # one wait per retry, each at least slack_sdk's first backoff step (0.5 s + jitter)
    assert len(slept) == 2 and min(slept) >= 0.5, slept


def test_no_answer_at_all_leaves_the_claim_for_recovery_which_finds_it(fake, hw, clock):
    """The connection dies after Slack stored the DM: the DM history settles the claim."""
    users = enrol(fake, hw.store, 2, clock.now)
    slept = _record_backoff(hw)
    fake.delay("chat.postMessage", 0.05)
    fake.drop("chat.postMessage", times=3, when=lambda a: a.get("channel") == users[0])
    clock.now = FRIDAY_9
    result = tick(hw)
    assert any(k.startswith(f"{TEAM}/{users[0]}/") for k in result.nudges.failed)
    # the first try and both retries were dropped, after a growing backoff
    assert slept[:2] >= [0.5, 1.0] and slept[0] < slept[1] + 1.0, slept
    assert nudges_received(fake, [users[1]]) == {users[1]: 2}
    fake.reset_faults()
    clock.advance(minutes=3)
    tick(hw)
    received = nudges_received(fake, users)
    assert received[users[0]] == 2 and received[users[1]] == 2
    assert {n.status for n in hw.store.nudges.of(TEAM, users[0])} == {"sent"}


@pytest.mark.parametrize("error", ["user_not_found", "account_inactive", "cannot_dm_bot"])
def test_a_member_slack_cannot_reach_is_deactivated_once_and_the_fanout_goes_on(
        fake, hw, clock, error):
    users = enrol(fake, hw.store, 5, clock.now)
    gone = users[2]
    fake.fail("chat.postMessage", error=error, times=None,
              when=lambda a: a.get("channel") == gone)
    clock.now = FRIDAY_9
    tick(hw)
    member = hw.store.members.get(TEAM, gone)
    assert not member.active and member.inactive_reason == error
    assert nudges_received(fake, [u for u in users if u != gone]) == {
        u: 2 for u in users if u != gone}
    tries = len([c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == gone])
    assert tries == 1  # the rest of that member's plan was not attempted either
    for _ in range(3):
        clock.advance(minutes=5)
        tick(hw)
    assert len([c for c in fake.calls_to("chat.postMessage")
                if c.args["channel"] == gone]) == tries


def test_a_bot_user_is_deactivated_and_not_retried(fake, hw, clock):
    hw.store.workspaces.ensure(TEAM, clock.now)
    fake.add_user("UBOT", tz="UTC", is_bot=True)
    fake.add_user("UHUMAN", tz="UTC")
    for uid in ("UBOT", "UHUMAN"):
        hw.store.members.upsert(Member(TEAM, uid, tz="UTC", days=(4,), nudge_time=time(9)),
                                clock.now)
    clock.now = FRIDAY_9
    tick(hw)
    bot = hw.store.members.get(TEAM, "UBOT")
    # Slack answers a DM to a bot user with channel_not_found.
    assert not bot.active and bot.inactive_reason == "channel_not_found"
    assert nudges_received(fake, ["UHUMAN"]) == {"UHUMAN": 2}


# ── The pacer itself (pure, on an injected clock) ────────────────────────────


def test_pacer_spaces_calls_evenly_and_never_bursts():
    t = FakeTime(now=100.0)
    pacer = Pacer(10.0, monotonic=t.monotonic, sleep=t.sleep)
    starts = []
    for _ in range(5):
        pacer.wait()
        starts.append(t.now)
    assert starts == pytest.approx([100.0, 100.1, 100.2, 100.3, 100.4])


def _send(pacer: Pacer, n: int, accepted: bool = True) -> None:
    for _ in range(n):
        pacer.wait()
        if accepted:
            pacer.succeeded()


def test_the_pace_rises_while_slack_accepts_and_stops_at_the_ceiling():
    t = FakeTime(now=100.0)
    pacer = Pacer(4.0, ceiling=8.0, monotonic=t.monotonic, sleep=t.sleep)
    _send(pacer, 10)
    assert 4.0 < pacer.rate < 8.0  # rising, gently
    _send(pacer, 200)
    assert pacer.rate == pytest.approx(8.0)  # the operator's maximum holds
    before = t.now
    _send(pacer, 8)
    assert t.now - before == pytest.approx(1.0)  # eight a second, evenly


def test_without_a_maximum_the_pace_is_bounded_only_by_the_hard_ceiling():
    pacer = Pacer(4.0, monotonic=lambda: 0.0, sleep=lambda s: None)
    assert pacer.max_rate == HARD_CEILING > 4.0


def test_after_a_429_the_pacer_waits_retry_after_then_holds_just_under_what_slack_took():
    t = FakeTime(now=100.0)
    pacer = Pacer(4.0, monotonic=t.monotonic, sleep=t.sleep)
    _send(pacer, 150)  # well past Slack's (say) 8 a second, as nothing refused it yet
    assert pacer.rate > 10.0
    # Slack took 8 a second over the last seconds (a sliding window, as Slack counts):
    pacer._accepted.clear()
    pacer._accepted.extend(t.now - 2.0 + i / 8 for i in range(1, 17))
    pacer._sending_since = t.now - 30.0
    at_429 = t.now
    pacer.rate_limited_for(3.0)
    assert pacer.ceiling == pytest.approx(8.0 * 0.95)  # just under the refused rate
    assert pacer.rate < pacer.ceiling  # fell back
    pacer.wait()
    assert t.now >= at_429 + 3.0  # nobody sent before Retry-After was over
    _send(pacer, 300)
    assert pacer.rate == pytest.approx(8.0 * 0.95)  # climbed back, and holds there
    assert pacer.rate_limited == 1


def test_a_429_before_a_second_of_sending_holds_under_the_rate_asked_for():
    t = FakeTime(now=100.0)
    pacer = Pacer(10.0, monotonic=t.monotonic, sleep=t.sleep)
    _send(pacer, 2)
    pacer.rate_limited_for(1.0)
    # Two accepted posts say nothing about Slack's limit yet: the rate asked for does.
    assert pacer.ceiling == pytest.approx(pacer.start_rate * (1 + 2 * 0.05) * 0.95)


def test_a_hold_is_probed_again_after_a_long_spell_without_a_429():
    t = FakeTime(now=100.0)
    pacer = Pacer(4.0, monotonic=t.monotonic, sleep=t.sleep)
    pacer.rate_limited_for(1.0)
    held = pacer.ceiling
    _send(pacer, 50)
    assert pacer.rate <= held
    t.now += 601.0
    _send(pacer, 50)
    assert pacer.rate > held  # probing upwards again


def test_pacer_never_drops_below_a_tenth_of_its_rate():
    pacer = Pacer(10.0, monotonic=lambda: 0.0, sleep=lambda s: None)
    for _ in range(50):
        pacer.rate_limited_for(0.0)
    assert pacer.rate == pytest.approx(1.0)


def test_asked_to_stop_a_fanout_ends_after_the_dm_in_hand_and_leaves_no_claim(fake, hw, clock):
    users = enrol(fake, hw.store, 40, clock.now)
    clock.now = FRIDAY_9
    # The stop request (SIGTERM in `serve`) arrives while the third DM is inside Slack.
    arrivals = itertools.count(1)
    fake.on_arrival("chat.postMessage",
                    lambda _args: next(arrivals) == 3 and hw.stopping.set())
    tick(hw)  # returns early: the stop is seen after the DM in hand, not the whole team
    sent = len(fake.calls_to("chat.postMessage"))
    assert 3 <= sent <= 4, sent  # the third DM, and at most the rest of that member's plan
    statuses = Counter(n.status for u in users for n in hw.store.nudges.of(TEAM, u))
    assert statuses == {"sent": sent}  # nothing claimed and left hanging
    # The next start sends the rest, each once.
    hw.stopping.clear()
    tick(hw)
    assert nudges_received(fake, users) == {u: 2 for u in users}

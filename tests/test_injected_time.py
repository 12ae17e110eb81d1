"""Sending waits on the Headway context's sleep and monotonic clock, never on the real ones
directly: the pacer's spacing, Slack's Retry-After, and the offline demo's simulated week."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, time

import pytest
from conftest import FakeTime

from bot.config import DEFAULT_SEND_RATE
from bot.context import Headway
from bot.core.model import Member
from bot.demo import TEAM_ID, run_demo
from bot.scheduler import tick
from bot.store import Store

FRIDAY_9 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def fake_time(hw: Headway) -> FakeTime:
    t = FakeTime()
    hw.sleep, hw.monotonic = t.sleep, t.monotonic
    # A fixed pace (start 2, maximum 2): here the point is whose clock the waits are on;
    # the pace that rises and falls with Slack has tests of its own (test_fanout_e2e).
    hw.settings = replace(hw.settings, send_rate=2.0, send_rate_max=2.0)
    return t


def _enrol(fake, hw: Headway, users: list[str]) -> None:
    hw.store.workspaces.ensure("T0001", FRIDAY_9, "Acme")
    for uid in users:
        fake.add_user(uid, tz="UTC")
        hw.store.members.upsert(Member("T0001", uid, tz="UTC", days=(4,), nudge_time=time(9)),
                                FRIDAY_9)


def test_a_fanout_is_spaced_on_the_contexts_clock(fake, hw, clock, fake_time):
    _enrol(fake, hw, ["U1", "U2", "U3"])
    clock.now = FRIDAY_9
    sent = tick(hw).nudges.sent
    assert len(sent) == 6 == len(fake.calls_to("chat.postMessage"))
    # Two a second: after the first, each DM waited half a second of the injected time.
    waits = [s for s in fake_time.slept if s > 0]
    assert waits == pytest.approx([0.5] * 5)
    assert fake_time.now == pytest.approx(1002.5)


def test_retry_after_is_waited_out_on_the_contexts_clock_and_the_dm_goes_once(
        fake, hw, clock, fake_time):
    _enrol(fake, hw, ["U1"])
    fake.inject_429("chat.postMessage", retry_after=30, times=1)
    clock.now = FRIDAY_9
    result = tick(hw)
    assert fake.stats.ratelimited == 1  # the fault was met
    assert hw.pacer_for("T0001").rate_limited == 1
    # Thirty seconds of Retry-After passed on the injected clock (a real sleep would have
    # left it untouched and held this test up for half a minute).
    assert sum(fake_time.slept) >= 30
    assert len(result.nudges.sent) == 2
    ok = [c for c in fake.calls_to("chat.postMessage") if c.ok and c.args["channel"] == "U1"]
    assert len(ok) == 2


def test_the_demo_paces_its_dms_on_its_simulated_clock(tmp_path, capsys):
    run_demo(tmp_path / "demo", weeks=1, now=datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    assert "none twice" in capsys.readouterr().out
    store = Store.open(tmp_path / "demo" / "headway.db")
    try:
        nudges = [n for n in store.nudges.of(TEAM_ID) if n.sent_at is not None]
    finally:
        store.close()
    by_user: dict[str, list[datetime]] = defaultdict(list)
    for n in nudges:
        by_user[n.user_id].append(n.sent_at)
    # DMs to one person less than a minute apart went out in the same step of the demo.
    together = [(a, b) for times in by_user.values()
                for a, b in itertools.pairwise(sorted(times)) if (b - a).total_seconds() < 60]
    assert together  # canary: some people get two questions in one step
    spacing = 1 / DEFAULT_SEND_RATE
    for a, b in together:
        # The pacer's wait moved the demo's clock on: the second DM left later.
        assert (b - a).total_seconds() == pytest.approx(spacing, abs=0.01)


def test_the_workspaces_client_paces_its_posts_and_nothing_else(fake, hw, fake_time):
    _enrol(fake, hw, ["U1"])
    client = hw.client_for("T0001")
    for _ in range(3):
        client.users_info(user="U1")
    assert fake_time.slept == []  # reads are not paced
    for _ in range(3):
        client.chat_postMessage(channel="U1", text="hello")
    # Two a second: the second and third post each waited their half-second turn, once.
    assert fake_time.slept == pytest.approx([0.5, 0.5])
    assert len(fake.calls_to("chat.postMessage")) == 3


def test_the_clients_retry_backoff_waits_on_the_contexts_sleep(fake, hw, clock, fake_time):
    _enrol(fake, hw, ["U1"])
    fake.fail("chat.postMessage", error="internal_error", status=500, times=1)
    clock.now = FRIDAY_9
    result = tick(hw)
    assert [c.status for c in fake.calls_to("chat.postMessage")][:2] == [500, 200]
    assert len(result.nudges.sent) == 2
    # slack_sdk's first backoff step (0.5 s + jitter), slept on the injected clock: a real
    # sleep would have left it empty. The retry itself is not paced a second time.
    assert len(fake_time.slept) == 1 and fake_time.slept[0] >= 0.5, fake_time.slept

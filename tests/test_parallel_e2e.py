"""Many workspaces in one process: each sends in its own sender, at its own pace, so one
workspace's silent, refusing or rate-limited Slack slows or stops no other; the
scheduler's lanes (nudges, reminders, digests, sweeps, purges) wait for no fan-out."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES
from conftest import wait_for
from teams_setup import digest_team

from bot.core import messages
from bot.core.model import Member
from bot.nudges import dispatch_due, nudge_now, send_due
from bot.scheduler import LANES, start_scheduler, tick

T1, T2 = "T0001", "T0002"
FRIDAY_9 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def two_workspaces(fake, hw, clock):
    """T1 with five members (UA…), T2 with three (UB…), all due Friday 09:00 UTC; each
    workspace has its own bot token, as after two OAuth installs."""
    fake.add_team(T2, token="xoxb-t2", name="Second workspace")
    hw.token_for = {T1: fake.token, T2: "xoxb-t2"}.get
    clock.now = FRIDAY_9 - timedelta(days=2)
    users = {T1: [f"UA{i}" for i in range(5)], T2: [f"UB{i}" for i in range(3)]}
    for team, ids in users.items():
        hw.store.workspaces.ensure(team, clock.now, team)
        for uid in ids:
            fake.add_user(uid, team_id=team, tz="UTC")
            hw.store.members.upsert(Member(team, uid, tz="UTC", days=(4,), nudge_time=time(9)),
                                    clock.now)
    clock.now = FRIDAY_9
    return users


def received(fake, users: list[str], team: str = T1) -> Counter[str]:
    """Nudge DMs each user's DM holds (read from the DMs, not from the ledger)."""
    got: Counter[str] = Counter()
    for uid in users:
        for message in fake.messages(fake.dm_channel(uid, team)):
            if (message.get("metadata") or {}).get("event_type") == messages.NUDGE_EVENT:
                got[uid] += 1
    return got


class Gate:
    """Holds every chat.postMessage to one workspace's users inside the fake Slack (Slack
    not answering) until the test opens it."""

    def __init__(self, fake, prefix: str) -> None:
        self.open = threading.Event()
        self.held = threading.Event()

        def hold(args) -> None:
            if str(args.get("channel", "")).startswith(prefix):
                self.held.set()
                self.open.wait(30)

        fake.on_arrival("chat.postMessage", hold)


def _t2_whole_while_t1_hangs(fake, two_workspaces, run, per_member: int) -> None:
    """`run()` in a thread while T1's first DM has no answer from Slack: every DM of T2
    (`per_member` each) goes out meanwhile, T1's none; once Slack answers, all of T1's."""
    gate = Gate(fake, "UA")
    sending = threading.Thread(target=run)
    sending.start()
    try:
        gate.held.wait(15)
        assert gate.held.is_set(), "T1's first DM must be in Slack's hands"
        wait_for(lambda: received(fake, two_workspaces[T2], T2)
                 == dict.fromkeys(two_workspaces[T2], per_member), what="T2's whole fan-out")
        assert received(fake, two_workspaces[T1]) == {}
    finally:
        gate.open.set()
        sending.join(30)
    assert received(fake, two_workspaces[T1]) == dict.fromkeys(two_workspaces[T1], per_member)


def test_while_one_workspaces_slack_does_not_answer_another_gets_its_whole_fanout(
        fake, hw, two_workspaces):
    _t2_whole_while_t1_hangs(fake, two_workspaces, lambda: send_due(hw), 2)


def test_a_workspace_waiting_out_retry_after_holds_up_no_other(fake, hw, two_workspaces):
    long_wait = threading.Event()
    waiting = threading.Event()

    def sleep(seconds: float) -> None:
        # Pacing costs nothing here; the 30 s Retry-After blocks until the test allows it.
        if seconds >= 10:
            waiting.set()
            long_wait.wait(30)

    hw.sleep = sleep
    fake.inject_429("chat.postMessage", retry_after=30, times=1, team_id=T1)
    sending = threading.Thread(target=send_due, args=(hw,))
    sending.start()
    try:
        waiting.wait(15)
        assert waiting.is_set(), "T1 must be waiting out its Retry-After"
        wait_for(lambda: received(fake, two_workspaces[T2], T2)
                 == dict.fromkeys(two_workspaces[T2], 2), what="T2's whole fan-out")
        assert received(fake, two_workspaces[T1]) == {}  # T1 holds back, all of it
    finally:
        long_wait.set()
        sending.join(30)
    assert received(fake, two_workspaces[T1]) == dict.fromkeys(two_workspaces[T1], 2)
    assert (hw.pacer_for(T1).rate_limited, hw.pacer_for(T2).rate_limited) == (1, 0)
    assert fake.stats.ratelimited == 1


def test_a_workspace_whose_slack_refuses_every_dm_stops_no_other_and_is_tried_again(
        fake, hw, clock, two_workspaces):
    fake.fail("chat.postMessage", error="internal_error", status=500, times=None, team_id=T1)
    hw.client_factory = _no_backoff(hw.client_factory)
    result = tick(hw)
    assert received(fake, two_workspaces[T2], T2) == dict.fromkeys(two_workspaces[T2], 2)
    assert received(fake, two_workspaces[T1]) == {}
    assert len(result.nudges.failed) == 10  # both prompts of each of T1's five members
    assert all(k.startswith(T1) for k in result.nudges.failed)
    fake.reset_faults()
    clock.advance(minutes=1)
    tick(hw)  # the refused members are looked at again at the next tick
    assert received(fake, two_workspaces[T1]) == dict.fromkeys(two_workspaces[T1], 2)
    assert received(fake, two_workspaces[T2], T2) == dict.fromkeys(two_workspaces[T2], 2)


def _no_backoff(factory):
    def make(token, api_url, pacer, *, sleep):
        return factory(token, api_url, pacer, sleep=lambda _s: None)
    return make


def test_nudge_now_sends_each_workspace_in_its_own_sender(fake, hw, two_workspaces):
    results = []
    _t2_whole_while_t1_hangs(fake, two_workspaces, lambda: results.append(nudge_now(hw)), 1)
    assert len(results[0].sent) == 8


# ── the lanes: nothing waits behind a fan-out ────────────────────────────────


def test_during_a_fanout_that_hangs_the_other_lanes_and_workspaces_go_on(
        fake, hw, clock, two_workspaces):
    """T1's fan-out hangs in Slack. Meanwhile T2's digest posts, its snoozed reminder
    comes back, its member due a minute later is nudged, and no tick of any lane is
    skipped; once Slack answers, T1's fan-out completes, each DM once."""
    digest_team(hw, T2, "C0DIGEST2", tz="UTC", digest_day=4, digest_time=time(9))
    snoozed = hw.store.nudges.claim(T2, "UB0", "problem", "2026-W46", FRIDAY_9 - timedelta(days=7))
    hw.store.nudges.mark_sent(snoozed.id, fake.dm_channel("UB0", T2), "1.0",
                              FRIDAY_9 - timedelta(days=7))
    hw.store.nudges.snooze(snoozed.id, FRIDAY_9)
    fake.add_user("UBLATE", team_id=T2, tz="UTC")
    hw.store.members.upsert(Member(T2, "UBLATE", tz="UTC", days=(4,), nudge_time=time(9, 1)),
                            clock.now)
    gate = Gate(fake, "UA")
    skipped: list[str] = []
    ran: Counter[str] = Counter()
    runs = threading.Condition()

    def count(event) -> None:
        with runs:
            ran[event.job_id] += 1
            runs.notify_all()

    scheduler, lock = start_scheduler(hw)
    scheduler.add_listener(lambda e: skipped.append(e.job_id), EVENT_JOB_MAX_INSTANCES)
    # A run counts once it is over: forcing the next run of a job still running would be
    # the test skipping it, not the scheduler.
    scheduler.add_listener(count, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def every_lane_runs_again() -> None:
        with runs:
            before = dict(ran)
        for lane in LANES:
            scheduler.modify_job(lane.name, next_run_time=datetime.now(UTC))
        with runs:
            assert runs.wait_for(lambda: all(ran[lane.name] > before.get(lane.name, 0)
                                             for lane in LANES), 30), "a lane's job did not run"

    try:
        gate.held.wait(15)
        assert gate.held.is_set(), "T1's fan-out must be under way"
        fake.wait_for_call("chat.postMessage", lambda c: c.args["channel"] == "C0DIGEST2",
                           what="T2's digest")
        fake.wait_for_call("chat.postMessage", lambda c: c.args["channel"] == "UB0"
                           and c.args.get("metadata") is None, what="T2's snooze reminder")
        clock.now = FRIDAY_9 + timedelta(minutes=1)
        every_lane_runs_again()
        fake.wait_for_call("chat.postMessage", lambda c: c.args["channel"] == "UBLATE",
                           what="the member due a minute later")
        every_lane_runs_again()  # and again, while T1 still hangs
        assert received(fake, two_workspaces[T1]) == {}  # all the while, T1 still hangs
        assert skipped == []
    finally:
        gate.open.set()
        assert hw.settle(), "the fan-out did not finish"
        scheduler.shutdown(wait=True)
        lock.release()
    assert received(fake, two_workspaces[T1]) == dict.fromkeys(two_workspaces[T1], 2)
    assert len([c for c in fake.calls_to("chat.postMessage")
                if c.args["channel"] == "C0DIGEST2"]) == 1


def test_a_tick_that_comes_while_a_workspace_still_sends_queues_no_second_fanout(
        fake, hw, two_workspaces):
    gate = Gate(fake, "UA")
    sending = threading.Thread(target=send_due, args=(hw,))
    sending.start()
    try:
        gate.held.wait(15)
        futures = [dispatch_due(hw) for _ in range(3)]
        # T1's sender is busy: each tick's T1 work is the one task already waiting.
        t1 = {id(f) for batch in futures for f in batch[:1]}
        assert len(t1) == 1
    finally:
        gate.open.set()
        sending.join(30)
        hw.settle()
    assert received(fake, two_workspaces[T1]) == dict.fromkeys(two_workspaces[T1], 2)

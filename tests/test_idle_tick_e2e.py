"""An idle tick reads no member: each member's next-due time says when the scheduler looks
at them, kept up to date by every change their next nudge depends on (their settings
through Slack, a holiday, the workspace's zone, a claim released); sweeps spread across
the day; the sender pool's rules."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from conftest import answer_to, wait_for

from bot.core.model import Member
from bot.core.schedule import SWEEP_GAP, next_sweep, sweep_second
from bot.scheduler import dispatch_reminders, purge, sweep_time_zones, tick, wait_all
from bot.senders import Senders
from bot.store import Store

TEAM = "T0001"
FRIDAY = datetime(2026, 11, 20, tzinfo=UTC)


def dms(fake, user: str) -> list:
    return [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == user]


def enrol(fake, hw, clock, user: str = "U1", at: time = time(15)) -> None:
    hw.store.workspaces.ensure(TEAM, clock.now, "Acme")
    fake.add_user(user, tz="UTC")
    hw.store.members.upsert(Member(TEAM, user, tz="UTC", days=(4,), nudge_time=at), clock.now)


def next_due(hw, user: str = "U1") -> str | None:
    row = next(hw.store.db.query("SELECT next_due_at FROM members WHERE user_id = ?", [user]))
    return row["next_due_at"]


def test_after_a_tick_a_member_is_next_looked_at_at_their_next_nudge(fake, hw, clock):
    clock.now = FRIDAY.replace(hour=8)
    enrol(fake, hw, clock)
    assert next_due(hw) == ""  # just joined: looked at at the next tick
    tick(hw)
    assert next_due(hw) == "2026-11-20T15:00:00.000000+00:00"
    clock.now = FRIDAY.replace(hour=15)
    tick(hw)
    assert len(dms(fake, "U1")) == 2
    assert next_due(hw) == "2026-11-27T15:00:00.000000+00:00"  # a week on


@pytest.mark.parametrize("command, expect_at", [
    ("time 09:05", datetime(2026, 11, 20, 9, 5, tzinfo=UTC)),  # earlier than 15:00
    ("resume", datetime(2026, 11, 20, 15, 0, tzinfo=UTC)),  # a pause ended
])
def test_a_change_through_slack_is_seen_at_the_next_tick(slack, fake, hw, clock, settle,
                                                          command, expect_at):
    clock.now = FRIDAY.replace(hour=8)
    enrol(fake, hw, clock)
    if command == "resume":
        hw.store.members.update(TEAM, "U1", clock.now, paused_until=date(2026, 12, 31))
    tick(hw)
    assert next_due(hw) != ""  # settled: the scheduler would not look at them before then
    clock.now = FRIDAY.replace(hour=9)
    assert slack.command(command, user="U1").status == 200
    settle()
    assert next_due(hw) == ""  # the change has them looked at at the next tick
    tick(hw)
    clock.now = expect_at
    tick(hw)
    assert len(dms(fake, "U1")) == 2, f"nudged at {expect_at} after `{command}`"


def test_a_holiday_removed_brings_back_the_nudge_it_had_cancelled(slack, fake, hw, clock,
                                                                  settle):
    clock.now = FRIDAY.replace(hour=8)
    enrol(fake, hw, clock)
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    answer_to(fake, slack.command("holidays add 2026-11-20", user="UADMIN"))
    settle()
    tick(hw)
    assert next_due(hw) == "2026-11-27T15:00:00.000000+00:00"  # Friday is a day off
    answer_to(fake, slack.command("holidays remove 2026-11-20", user="UADMIN"))
    settle()
    assert next_due(hw) == ""
    clock.now = FRIDAY.replace(hour=15)
    tick(hw)
    assert len(dms(fake, "U1")) == 2


def test_the_workspaces_zone_moves_the_nudges_of_members_without_one(fake, hw, clock):
    clock.now = FRIDAY.replace(hour=1)
    enrol(fake, hw, clock)
    tick(hw)
    hw.store.workspaces.update(TEAM, tz="Asia/Tokyo")
    assert next_due(hw) == ""


def test_a_settings_change_made_while_the_sender_works_out_the_next_time_is_not_lost(
        fake, hw, clock):
    clock.now = FRIDAY.replace(hour=8)
    enrol(fake, hw, clock)
    [due] = hw.store.members.due(TEAM, clock.now)
    hw.store.members.update(TEAM, "U1", clock.now, nudge_time=time(9))  # meanwhile
    assert not hw.store.members.set_next_due(TEAM, "U1", FRIDAY.replace(hour=15), due.rev)
    assert next_due(hw) == ""


def test_a_deactivated_member_is_never_looked_at(fake, hw, clock):
    clock.now = FRIDAY.replace(hour=8)
    enrol(fake, hw, clock)
    hw.store.members.deactivate(TEAM, "U1", "account_inactive", clock.now)
    assert next_due(hw) is None
    assert hw.store.members.due_workspaces(FRIDAY + timedelta(days=30)) == []


def test_downtime_past_the_grace_window_is_still_recorded_as_missed(fake, hw, clock):
    clock.now = FRIDAY.replace(hour=8)
    enrol(fake, hw, clock)
    tick(hw)
    clock.now = FRIDAY + timedelta(days=8, hours=1)  # down from Friday 08:00 to Saturday
    hw.store.members.update(TEAM, "U1", clock.now, anonymous=True)  # a change meanwhile
    tick(hw)
    missed = hw.store.nudges.missed(TEAM, "U1")
    assert [m["period"] for m in missed] == ["2026-W47", "2026-W48"]
    assert dms(fake, "U1") == []


# ── how much an idle tick costs ──────────────────────────────────────────────


def _statements(hw, run) -> list[str]:
    """The SQL the calling thread's connection runs during `run()`."""
    seen: list[str] = []
    hw.store.db.conn.set_trace_callback(seen.append)
    try:
        run()
    finally:
        hw.store.db.conn.set_trace_callback(None)
    return seen


def _seed(store: Store, workspaces: int, now: datetime) -> None:
    with store.atomic():
        for w in range(workspaces):
            team = f"TW{w:04d}"
            store.workspaces.ensure(team, now)
            store.scheduler.set_tz_refreshed_at(team, now)
            for u in range(5):
                store.members.upsert(Member(team, f"U{u}", days=(4,), nudge_time=time(15)), now)
                store.db.execute("UPDATE members SET next_due_at = ? WHERE workspace_id = ?",
                                 ["2026-11-20T15:00:00.000000+00:00", team])


@pytest.mark.parametrize("lane", ["nudges", "reminders", "sweeps", "purges"])
def test_an_idle_tick_runs_the_same_statements_for_3_workspaces_as_for_30(hw, clock, lane):
    from bot.nudges import dispatch_due

    clock.now = FRIDAY.replace(hour=8)
    runs = {"nudges": lambda: dispatch_due(hw), "reminders": lambda: dispatch_reminders(hw),
            "sweeps": lambda: wait_all(sweep_time_zones(hw)), "purges": lambda: purge(hw)}
    _seed(hw.store, 3, clock.now)
    few = _statements(hw, runs[lane])
    _seed(hw.store, 30, clock.now)
    many = _statements(hw, runs[lane])
    assert few and len(many) == len(few), (few, many)
    assert hw.senders.busy == 0  # and nothing was handed to any sender


def _seed_teams(store: Store, workspaces: int, now: datetime) -> None:
    """Each workspace of `_seed` with a team posting its digest Mondays at 09:00 and a
    rollup channel, and last week's digest and rollup posted (not marked)."""
    with store.atomic():
        for w in range(workspaces):
            workspace = f"TW{w:04d}"
            if store.teams.of(workspace):
                continue
            team = store.teams.create(workspace, "Team", now, digest_channel=f"C{w:04d}")
            store.workspaces.update(workspace, rollup_channel=f"CL{w:04d}")
            for ledger, channel, team_id in ((store.digests, f"C{w:04d}", team.id),
                                             (store.rollups, f"CL{w:04d}", None)):
                claim = ledger.claim(workspace, channel, "2026-W46", now, team_id=team_id)
                ledger.mark_posted(claim.id, "1.0", [], now)


@pytest.mark.parametrize("lane", ["digests", "rollups", "gentle reminders"])
def test_an_idle_digest_rollup_or_reminder_lane_runs_the_same_statements_for_3_teams_as_30(
        hw, clock, lane):
    from bot.reminders import send_reminders
    from bot.scheduler import post_digests, post_rollups

    clock.now = FRIDAY.replace(hour=8)
    run = {"digests": lambda: post_digests(hw), "rollups": lambda: post_rollups(hw),
           "gentle reminders": lambda: send_reminders(hw, [])}[lane]
    _seed(hw.store, 3, clock.now)
    _seed_teams(hw.store, 3, clock.now)
    run()  # new teams are looked at once: their next digest and rollup are stored
    few = _statements(hw, run)
    _seed(hw.store, 30, clock.now)
    _seed_teams(hw.store, 30, clock.now)
    run()
    many = _statements(hw, run)
    assert few and len(many) == len(few), (few, many)
    if lane == "digests":  # canary: every team was really scheduled for Monday 09:00
        due = {r["next_digest_at"] for r in hw.store.db.query("SELECT next_digest_at FROM teams")}
        assert due == {"2026-11-23T09:00:00.000000+00:00"}


def test_a_digest_is_looked_at_again_when_its_schedule_changes_and_after_it_is_posted(
        fake, hw, clock):
    from bot.scheduler import post_digests

    clock.now = FRIDAY.replace(hour=8)  # Friday 2026-W47
    hw.store.workspaces.ensure("T0001", clock.now)
    team = hw.store.teams.create("T0001", "Team", clock.now, digest_channel="C0DIGEST")
    assert post_digests(hw) == (0, 0)
    assert hw.store.teams.digest_due(clock.now) == []  # next: Monday 09:00
    hw.store.teams.update("T0001", team.id, digest_day=4, digest_time=time(8, 30))
    assert [t.id for t, _ in hw.store.teams.digest_due(clock.now)] == [team.id]
    clock.now = FRIDAY.replace(hour=8, minute=30)
    assert post_digests(hw) == (1, 0)  # Friday 08:30: due, posted
    [due_next] = {r["next_digest_at"]
                  for r in hw.store.db.query("SELECT next_digest_at FROM teams")}
    assert due_next == "2026-11-27T08:30:00.000000+00:00"  # a week on, not before


def test_a_digest_slack_refuses_stays_due_until_it_is_posted(fake, hw, clock):
    from bot.scheduler import post_digests

    clock.now = FRIDAY.replace(hour=9)
    hw.store.workspaces.ensure("T0001", clock.now)
    team = hw.store.teams.create("T0001", "Team", clock.now, digest_channel="C0DIGEST")
    hw.store.teams.update("T0001", team.id, digest_day=4, digest_time=time(9))
    fake.fail("chat.postMessage", "not_in_channel", times=1)
    assert post_digests(hw) == (0, 0)
    assert [t.id for t, _ in hw.store.teams.digest_due(clock.now)] == [team.id]
    clock.now += timedelta(minutes=2)  # past the first backoff (1 minute)
    assert post_digests(hw) == (1, 0)
    assert hw.store.teams.digest_due(clock.now) == []


# ── time-zone sweeps, spread across the day ──────────────────────────────────


def test_sweeps_fall_at_each_workspaces_own_time_of_day_a_day_apart():
    seconds = {sweep_second(f"T{i:05d}") for i in range(1000)}
    assert len(seconds) > 950  # a thousand workspaces, nearly as many times of day
    after = datetime(2026, 11, 20, 23, 59, tzinfo=UTC)
    first = next_sweep("T00042", after)
    second = next_sweep("T00042", first)
    assert first - after >= SWEEP_GAP and second - first == timedelta(days=1)
    assert (first.hour * 3600 + first.minute * 60 + first.second) == sweep_second("T00042")


def test_a_workspaces_sweep_runs_once_then_not_before_its_own_time(fake, hw, clock):
    clock.now = FRIDAY.replace(hour=8)
    enrol(fake, hw, clock)
    tick(hw)
    assert len(fake.calls_to("users.list")) == 1  # the first sweep is due at once
    due = next_sweep(TEAM, clock.now)
    clock.now = due - timedelta(minutes=1)
    tick(hw)
    assert len(fake.calls_to("users.list")) == 1
    clock.now = due
    tick(hw)
    assert len(fake.calls_to("users.list")) == 2


def test_a_sweep_slack_refuses_is_tried_again_at_the_next_tick(fake, hw, clock):
    clock.now = FRIDAY.replace(hour=8)
    enrol(fake, hw, clock)
    fake.fail("users.list", "ratelimited", times=1)
    tick(hw)
    clock.advance(minutes=1)
    tick(hw)
    assert [c.error for c in fake.calls_to("users.list")] == ["ratelimited", None]


# ── the sender pool ──────────────────────────────────────────────────────────


def test_one_keys_tasks_run_one_at_a_time_in_order_while_other_keys_run_alongside():
    pool = Senders(4, idle_seconds=0.2)
    release = threading.Event()
    order: list[str] = []
    running = threading.Event()

    def slow() -> None:
        running.set()
        release.wait(10)
        order.append("a1")

    first = pool.submit("A", "one", slow)
    running.wait(10)
    second = pool.submit("A", "two", lambda: order.append("a2"))
    other = pool.submit("B", "one", lambda: order.append("b1"))
    other.result(10)  # B ran while A's first task still held its key
    assert order == ["b1"] and not second.done()
    release.set()
    first.result(10)
    second.result(10)
    assert order == ["b1", "a1", "a2"]
    pool.shutdown()
    assert pool.threads == 0


def test_a_task_like_one_still_waiting_is_not_queued_twice():
    pool = Senders(1, idle_seconds=0.2)
    release = threading.Event()
    pool.submit("A", "busy", lambda: release.wait(10))
    waiting = [pool.submit("A", "nudges", lambda: 1) for _ in range(3)]
    assert waiting[0] is waiting[1] is waiting[2]
    release.set()
    assert waiting[0].result(10) == 1
    pool.shutdown()


def test_no_more_keys_run_at_once_than_the_bound_and_the_rest_wait_their_turn():
    pool = Senders(2, idle_seconds=0.2)
    release = threading.Event()
    inside = []
    lock = threading.Lock()

    def task() -> None:
        with lock:
            inside.append(threading.current_thread().name)
        release.wait(10)

    futures = [pool.submit(f"K{i}", "t", task) for i in range(5)]
    wait_for(lambda: len(inside) == 2, what="two keys running")
    assert pool.threads == 2 and len(inside) == 2
    release.set()
    for f in futures:
        f.result(10)
    assert len(inside) == 5
    pool.shutdown()


def test_a_failing_task_is_logged_as_a_unit_and_the_key_goes_on():
    pool = Senders(1, idle_seconds=0.2)
    broken = pool.submit("A", "broken", lambda: 1 / 0)
    after = pool.submit("A", "after", lambda: "ok")
    assert after.result(10) == "ok"
    assert isinstance(broken.exception(10), ZeroDivisionError)
    pool.shutdown()


def test_a_sender_thread_that_ends_lets_go_of_its_database_connection(hw):
    pool = Senders(1, idle_seconds=0.05, on_exit=hw.store.close_thread)
    used = pool.submit("A", "read", lambda: (hw.store.workspaces.all(),
                                             hw.store.db.conn)[1]).result(10)
    assert any(c is used for c in hw.store._all)
    wait_for(lambda: pool.threads == 0, what="the idle thread to end")
    assert not any(c is used for c in hw.store._all)  # closed and forgotten by the store


def test_the_upgrade_keeps_what_downtime_missed_from_the_last_tick_on(tmp_path):
    """m009: an active member is next looked at from their workspace's last tick (so what
    fell due while Headway was down is still recorded as missed), an inactive one never;
    each workspace's first time-zone sweep is due at once."""
    import sqlite3

    from sqlite_utils import Database

    from bot.store.migrations import migrations

    path = tmp_path / "h.db"
    db = Database(sqlite3.connect(path))
    migrations.apply(db, stop_before="m012_next_due")
    for team in ("T1", "T2"):
        db.execute("INSERT INTO workspaces (workspace_id, created_at) VALUES (?, '2026-11-01')",
                   [team])
        for user, active in (("U1", 1), ("U2", 0)):
            db.execute("INSERT INTO members (workspace_id, user_id, active, joined_at, "
                       "updated_at) VALUES (?, ?, ?, '2026-11-01', '2026-11-01')",
                       [team, user, active])
    db.execute("INSERT INTO scheduler_state (workspace_id, last_tick_at) VALUES "
               "('T1', '2026-11-20T10:00:00+01:00')")
    db.conn.commit()
    db.conn.close()
    store = Store.open(path)
    try:
        rows = {(r["workspace_id"], r["user_id"]): r["next_due_at"]
                for r in store.db.query("SELECT * FROM members")}
        assert rows == {("T1", "U1"): "2026-11-20T09:00:00.000000+00:00", ("T1", "U2"): None,
                        ("T2", "U1"): "", ("T2", "U2"): None}
        assert sorted(store.scheduler.sweeps_due(FRIDAY)) == ["T1", "T2"]
        [due] = store.members.due("T1", FRIDAY.replace(hour=12))
        assert due.since == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    finally:
        store.close()

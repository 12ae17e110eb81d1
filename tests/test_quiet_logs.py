"""At INFO the log says what happened (started, nudges sent, digests posted, problems),
not that a minute passed: no APScheduler line per tick, no Bolt warning on every start."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler
from conftest import LogRecords, recording_logs, wait_for

from bot.app import build_app
from bot.core.model import Member
from bot.logsetup import QUIET_AT_INFO, configure_logging
from bot.scheduler import LANES, start_scheduler

ROOT = Path(__file__).resolve().parents[1]
FRIDAY_9 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# What each minute used to add at INFO, and what Bolt said on every start.
NOISE = ("Running job", "executed successfully", "token` will be unused", "will be ignored",
         "Added job", "Scheduler started")


def at_info(logs: LogRecords) -> list[tuple[str, str, str]]:
    return [(r.name, r.levelname, r.getMessage()) for r in logs.records
            if r.levelno >= logging.INFO]


@pytest.fixture
def info_logs() -> Iterator[LogRecords]:
    """The CLI's logging setup at INFO, its records captured."""
    root = logging.getLogger()
    saved = (root.level, {name: logging.getLogger(name).level for name in QUIET_AT_INFO})
    configure_logging(verbose=False)
    root.setLevel(logging.INFO)  # basicConfig leaves a root that pytest gave handlers alone
    with recording_logs() as capture:
        yield capture
    root.setLevel(saved[0])
    for name, level in saved[1].items():
        logging.getLogger(name).setLevel(level)


def test_a_start_and_five_ticks_at_info_log_the_start_and_the_nudges_only(
        env, fake, hw, clock, info_logs, monkeypatch):
    # `env` puts SLACK_BOT_TOKEN in the environment, where Bolt looks for it by itself.
    assert os.environ["SLACK_BOT_TOKEN"] == fake.token
    ran = threading.Semaphore(0)

    class Observed(BackgroundScheduler):
        """The real scheduler, telling the test when each lane's job has run; listening
        from the start, so the tick `serve` runs as it starts is seen too."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.add_listener(lambda _event: ran.release(),
                              EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    monkeypatch.setattr("bot.scheduler.BackgroundScheduler", Observed)
    build_app(hw)
    scheduler, lock = start_scheduler(hw)
    assert isinstance(scheduler, Observed)

    def one_tick(at: datetime | None = None) -> None:
        if at is not None:
            clock.now = at
            for lane in LANES:  # run each lane's job now
                scheduler.modify_job(lane.name, next_run_time=datetime.now(UTC))
        for _lane in LANES:
            assert ran.acquire(timeout=30), "a lane's job did not run"
        # Each job handed its run to the lane's thread, which handed work to the senders.
        assert hw.settle(), "the lanes did not finish"

    try:
        one_tick()  # the tick `serve` runs at start: nothing to do yet
        hw.store.workspaces.ensure("T0001", FRIDAY_9.replace(hour=8), "Acme")
        fake.add_user("U1", tz="UTC")
        hw.store.members.upsert(Member("T0001", "U1", tz="UTC", days=(4,), nudge_time=time(9)),
                                FRIDAY_9.replace(hour=8))
        one_tick(FRIDAY_9.replace(hour=8))  # nothing due
        one_tick(FRIDAY_9)  # U1's two nudges
        one_tick(FRIDAY_9.replace(minute=1))  # sent already: nothing
        one_tick(FRIDAY_9.replace(minute=2))
    finally:
        scheduler.shutdown(wait=True)
        lock.release()

    assert len(wait_for(lambda: [c for c in fake.calls_to("chat.postMessage")
                                 if c.args.get("channel") == "U1"], what="U1's nudges")) == 2
    logged = at_info(info_logs)
    assert [(name, level) for name, level, _ in logged] == [
        ("bot.scheduler", "INFO"),  # started
        ("bot.nudges", "INFO"),  # the one tick that did something, for its workspace
    ], logged
    assert logged[0][2].startswith("scheduler started")
    # The count of nudges sent, however the line is worded.
    assert re.search(r"\bnudges\b", logged[1][2]) and re.search(r"\bsent 2\b|\b2 sent\b",
                                                               logged[1][2]), logged[1][2]
    # APScheduler ran five ticks of each lane (one_tick waited for each); at INFO it said
    # nothing.
    assert [r for r in info_logs.records if r.name.startswith("apscheduler")] == []
    assert not [m for _, _, m in logged if any(n in m for n in NOISE)]


def test_verbose_brings_the_per_tick_lines_back(info_logs):
    configure_logging(verbose=True)
    assert logging.getLogger("apscheduler.executors.default").isEnabledFor(logging.INFO)
    configure_logging(verbose=False)
    assert not logging.getLogger("apscheduler.executors.default").isEnabledFor(logging.INFO)
    assert logging.getLogger("apscheduler").isEnabledFor(logging.WARNING)  # problems show


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_real_serve_start_logs_that_it_started_and_what_it_sent(env, fake, hw, tmp_path):
    """`headway serve` as a platform runs it: its whole log at INFO, start to SIGTERM."""
    now = datetime.now(UTC)
    hw.store.workspaces.ensure("T0001", now, "Acme")
    fake.add_user("U1", tz="UTC")
    # Due right now, on its only day: the tick `serve` runs at start sends both questions.
    hw.store.members.upsert(Member("T0001", "U1", tz="UTC", days=(now.weekday(),),
                                   nudge_time=time(now.hour, now.minute)), now)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"], cwd=tmp_path,
        env={**os.environ, **env, "PORT": str(_port()), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        # The tick's own report, which comes after both DMs reached Slack.
        wait_for(lambda: [line for line in lines if "sent 2" in line], timeout=30,
                 what="the tick's report")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        reader.join(timeout=10)
    out = "".join(lines)
    assert len([c for c in fake.calls_to("chat.postMessage")
                if c.args.get("channel") == "U1"]) == 2
    lines = [line for line in out.splitlines() if line.strip()]
    assert any("listening on port" in line for line in lines), out
    assert any("scheduler started" in line for line in lines), out
    assert any("nudges" in line and "sent 2" in line for line in lines), out
    assert not [line for line in lines if any(n in line for n in NOISE)], out
    assert all(" INFO " in line for line in lines), out  # no warning on a normal start

"""Fixtures: a real SQLite file, the fake Slack Web API, the real Bolt app over HTTP.

Slack's Web API spec and the labelled commits live in the data folder beside the repository
(`../shared`; `HEADWAY_SHARED_DIR` names another place). Without it the fake cannot check
calls against the spec: on a developer's machine the run says so in one line at the end;
under `CI=true` the run stops before any test, since a green CI run must mean "checked".
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import slackspec
from fakeslack import FakeSlack
from slackdriver import SIGNING_SECRET, SlackDriver

from bot.app import build_app
from bot.config import Settings
from bot.context import Headway
from bot.core.prompts import load_packs
from bot.http import SlackHTTPServer
from bot.store import Store

SHARED = slackspec.SHARED_DIR
# What the suite reads from the shared folder; CI fails without any of them.
SHARED_FILES = (slackspec.DEFAULT_SPEC_PATH, SHARED / "data" / "levin-commits.tsv")


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def pytest_configure(config: pytest.Config) -> None:
    missing = [str(path) for path in SHARED_FILES if not path.is_file()]
    if missing and _on_ci():
        raise pytest.UsageError(
            f"CI=true but the shared data folder is incomplete (missing {', '.join(missing)}): "
            f"the fake Slack would skip every Web API spec check. Check out the shared folder "
            f"beside the repository as ../shared, or set HEADWAY_SHARED_DIR to it.")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # Under pytest-xdist the fakes run in the workers, so this (controller) process may
    # count none of them: the missing spec file itself is what decides.
    started = FakeSlack.started_without_spec
    if started or (not slackspec.DEFAULT_SPEC_PATH.is_file()
                   and terminalreporter.stats.get("passed")):
        where = f" for {started} fake Slack server(s)" if started else ""
        terminalreporter.write_line(
            f"WARNING: Web API spec checks were OFF{where}: "
            f"{slackspec.spec_missing_message()} (put the shared folder at ../shared or set "
            f"HEADWAY_SHARED_DIR).", yellow=True, bold=True)


@dataclass
class Clock:
    """An injected clock the tests move by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class FakeTime:
    """An injected monotonic clock and sleep (`Headway.monotonic`, `Headway.sleep`, a
    `Pacer`'s): time only moves when someone sleeps on it, and every sleep is recorded."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Bolt answers Slack first and finishes the work after: poll for its effects.

    The predicate must name the very effect the test checks (this reply, the update of that
    message), not "something new arrived". The timeout only matters when a test fails, so
    it is generous: a loaded machine must not turn a pass into a failure.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class LogRecords(logging.Handler):
    """Every record at ``level`` or above that reaches the root logger, kept raw: a test
    can search any attribute of a record, not only the formatted line."""

    def __init__(self, level: int = logging.DEBUG) -> None:
        super().__init__(level=level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        """The messages so far, forgotten once returned (each example judged on its own)."""
        taken, self.records = self.records, []
        return [r.getMessage() for r in taken]


@contextmanager
def recording_logs(level: int = logging.DEBUG) -> Iterator[LogRecords]:
    """A `LogRecords` on the root logger for the length of the block."""
    handler = LogRecords(level)
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)


def answer_to(fake: FakeSlack, resp: Any) -> str:
    """A slash command's answer: inside the ack, or (for the commands that call Slack
    first) the first post to that very command's response_url."""
    assert resp.status == 200, resp.body[:300]
    if resp.body.strip() and resp.json().get("text"):
        return resp.json()["text"]
    return fake.wait_for_response(resp.response_url).args["text"]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server
        server.assert_clean()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "headway.db"


@pytest.fixture
def settings(fake: FakeSlack, db_path: Path) -> Settings:
    return Settings(bot_token=fake.token, signing_secret=SIGNING_SECRET, app_token=None,
                    client_id=None, client_secret=None, api_url=fake.api_url,
                    db_path=db_path, port=0,
                    # Pacing has tests of its own; elsewhere it would only slow the suite.
                    send_rate=1000.0)


@pytest.fixture
def hw(settings: Settings, clock: Clock) -> Iterator[Headway]:
    store = Store.open(settings.db_path)
    hw = Headway(settings=settings, store=store, packs=load_packs(), clock=clock)
    yield hw
    hw.close()  # the sender threads end (and close their connections) before the store
    store.close()


class Listeners(Executor):
    """Bolt's listener executor, counting the listeners still running.

    Bolt answers Slack as soon as a listener acks and runs the rest of it on this executor,
    so after a request returns its work is either finished or counted here: `settle()`
    waits for exactly the work of the requests sent so far, however slow the machine.
    """

    def __init__(self, inner: Executor) -> None:
        self._inner = inner
        self._running = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._running += 1
        try:
            future = self._inner.submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future[Any] | None) -> None:
        with self._idle:
            self._running -= 1
            self._idle.notify_all()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait, cancel_futures=cancel_futures)

    def settle(self, timeout: float = 15.0) -> None:
        """Return once every listener started so far has finished."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._running == 0, timeout):
                raise AssertionError(f"{self._running} listener(s) still running after "
                                     f"{timeout} s")


def track_listeners(app: Any) -> Listeners:
    """Swap a counting executor into a built Bolt app (its public listener_runner)."""
    runner = app.listener_runner
    listeners = Listeners(runner.listener_executor)
    runner.listener_executor = listeners
    runner.lazy_listener_runner.executor = listeners
    return listeners


@pytest.fixture
def server(hw: Headway) -> Iterator[SlackHTTPServer]:
    app = build_app(hw)
    track_listeners(app)
    srv = SlackHTTPServer(("127.0.0.1", 0), app, lambda: True)
    # A 10 ms poll: shutdown() waits for one, and every end-to-end test stops a server.
    serving = threading.Thread(target=srv.serve_forever, args=(0.01,), daemon=True)
    serving.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    serving.join()


@pytest.fixture
def slack(server: SlackHTTPServer, fake: FakeSlack) -> SlackDriver:
    return SlackDriver(server.url, fake)


@pytest.fixture
def settle(server: SlackHTTPServer) -> Callable[[], None]:
    """Wait until every listener the requests sent so far started has finished."""
    return server.app.listener_runner.listener_executor.settle


@pytest.fixture
def env(fake: FakeSlack, db_path: Path, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> dict[str, str]:
    """The environment the `headway` CLI sees, pointing at the fake and the test database."""
    values = {"SLACK_BOT_TOKEN": fake.token, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
              "SLACK_API_URL": fake.api_url, "HEADWAY_DB": str(db_path)}
    for key in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "PORT"):
        monkeypatch.delenv(key, raising=False)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    return values

"""Fixtures: a real SQLite file, the fake Slack Web API, the real Bolt app over HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fakeslack import FakeSlack
from slackdriver import SIGNING_SECRET, SlackDriver

from bot.app import build_app
from bot.config import Settings
from bot.context import Headway
from bot.core.prompts import load_packs
from bot.http import SlackHTTPServer
from bot.store import Store

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@dataclass
class Clock:
    """An injected clock the tests move by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
    """Bolt answers Slack first and finishes the work after: poll for its effects."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


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
    yield Headway(settings=settings, store=store, packs=load_packs(), clock=clock)
    store.close()


@pytest.fixture
def server(hw: Headway) -> Iterator[SlackHTTPServer]:
    app = build_app(hw)
    srv = SlackHTTPServer(("127.0.0.1", 0), app, lambda: True)
    srv.start_background()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def slack(server: SlackHTTPServer, fake: FakeSlack) -> SlackDriver:
    return SlackDriver(server.url, fake)


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

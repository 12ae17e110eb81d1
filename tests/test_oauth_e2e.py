"""Many workspaces: OAuth install, each workspace's own token (refreshed when it rotates),
isolation through the real endpoints, and uninstall with its retention clock."""

from __future__ import annotations

import re
import time as walltime
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import Clock, answer_to, wait_for
from fakeslack import FakeSlack
from slackdriver import SIGNING_SECRET, SlackDriver
from teams_setup import digest_channel

from bot.app import build_app
from bot.config import Settings
from bot.context import Headway
from bot.core.model import Member
from bot.core.prompts import load_packs
from bot.http import SlackHTTPServer
from bot.oauth import bot_scopes, oauth_headway
from bot.scheduler import tick
from bot.store import Store

CLIENT_ID, CLIENT_SECRET = "1111.2222", "oauth-client-secret"
TEAMS = {"T0A": "xoxb-team-a", "T0B": "xoxb-team-b"}


@pytest.fixture
def ohw(fake: FakeSlack, db_path, clock: Clock) -> Iterator[Headway]:
    fake.set_oauth_client(CLIENT_ID, CLIENT_SECRET)
    settings = Settings(bot_token=None, signing_secret=SIGNING_SECRET, app_token=None,
                        client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                        api_url=fake.api_url, db_path=db_path, port=0, send_rate=1000.0)
    store = Store.open(db_path)
    hw = oauth_headway(settings, store, load_packs(), clock=clock)
    yield hw
    hw.close()
    store.close()


@pytest.fixture
def oserver(ohw: Headway) -> Iterator[SlackHTTPServer]:
    srv = SlackHTTPServer(("127.0.0.1", 0), build_app(ohw), lambda: True)
    srv.start_background()
    yield srv
    srv.shutdown()
    srv.server_close()


def install(driver: SlackDriver, fake: FakeSlack, team_id: str, token: str,
            **extra) -> None:
    """Walk Slack's OAuth flow the way a browser does: install page, then the redirect."""
    page = driver.raw("GET", "/slack/install")
    assert page.status == 200
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.body)
    assert link, page.body[:300]
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"][0].split(",") == bot_scopes()
    cookie = next(v for k, v in page.headers.items() if k.lower() == "set-cookie").split(";")[0]
    code = f"code-{team_id}"
    fake.add_oauth_code(code, {
        "access_token": token, "token_type": "bot", "scope": ",".join(bot_scopes()),
        "bot_user_id": f"UBOT{team_id}", "app_id": "A0HEADWAY",
        "team": {"id": team_id, "name": f"Team {team_id}"}, "enterprise": None,
        "is_enterprise_install": False, "authed_user": {"id": "UINSTALLER"}, **extra})
    done = driver.raw("GET", f"/slack/oauth_redirect?code={code}&state={query['state'][0]}",
                      headers={"Cookie": cookie})
    assert done.status == 200, done.body[:300]


def test_install_through_oauth_then_the_workspace_is_served_with_its_own_token(
        oserver, ohw, fake):
    driver = SlackDriver(oserver.url, fake, team_id="T0A")
    install(driver, fake, "T0A", TEAMS["T0A"])
    assert ohw.installations.token_for("T0A") == TEAMS["T0A"]
    assert ohw.store.workspaces.get("T0A").name == "Team T0A"
    fake.add_user("U1", team_id="T0A", tz="Europe/Berlin")
    assert driver.command("join", user="U1", team_id="T0A").status == 200
    wait_for(lambda: ohw.store.members.get("T0A", "U1"), what="the member to join")
    assert {c.token for c in fake.calls_to("users.info")} == {TEAMS["T0A"]}


def test_a_forged_or_replayed_state_installs_nothing(oserver, ohw, fake):
    driver = SlackDriver(oserver.url, fake)
    fake.add_oauth_code("code-x", {"access_token": "xoxb-x", "team": {"id": "T0X"}})
    forged = driver.raw("GET", "/slack/oauth_redirect?code=code-x&state=not-a-state")
    assert forged.status in (400, 401, 403)
    assert ohw.installations.token_for("T0X") is None
    assert fake.calls_to("oauth.v2.access") == []


def test_two_workspaces_in_one_process_never_see_each_other(oserver, ohw, fake, clock):
    drivers = {}
    for team_id, token in TEAMS.items():
        fake.add_team(team_id, token="xoxb-placeholder-" + team_id.lower())
        drivers[team_id] = SlackDriver(oserver.url, fake, team_id=team_id)
        install(drivers[team_id], fake, team_id, token)
        fake.add_user("U1", team_id=team_id, tz="UTC", is_admin=True)  # same id, two people
        fake.add_user("U2", team_id=team_id, tz="UTC")
    words = {"T0A": "Shipped the ALPHA billing dashboard", "T0B": "Prototyped BETA search"}
    clock.now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # they join in W47, answer in W47
    for team_id, driver in drivers.items():
        for user in ("U1", "U2"):
            driver.command("join", user=user, team_id=team_id)
        wait_for(lambda t=team_id: ohw.store.members.count(t) == 2, what="joins")
    clock.now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    for team_id in TEAMS:
        for user in ("U1", "U2"):
            ohw.store.members.update(team_id, user, clock.now, days=(4,), nudge_time=time(15))
    tick(ohw)
    for team_id, token in TEAMS.items():
        dms = [c for c in fake.calls_to("chat.postMessage") if c.team_id == team_id]
        assert dms and {c.token for c in dms} == {token}
    for team_id, driver in drivers.items():
        driver.dm(words[team_id], user="U1", team_id=team_id)
        wait_for(lambda t=team_id: ohw.store.replies.count(t, "2026-W47") == 1,
                 what="the reply")
    other = {"T0A": "T0B", "T0B": "T0A"}
    for team_id, driver in drivers.items():
        history = driver.command("history", user="U1", team_id=team_id).json()["text"]
        assert words[team_id] in history and words[other[team_id]] not in history
        driver.command("digest here", user="U1", channel=f"C{team_id}", team_id=team_id)
        wait_for(lambda t=team_id: digest_channel(ohw, t), what="digest here")
        driver.event({"type": "app_home_opened", "user": "U1", "tab": "home"},
                     team_id=team_id)
    clock.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    tick(ohw)
    for team_id in TEAMS:
        posts = [c for c in fake.calls_to("chat.postMessage")
                 if c.args.get("channel") == f"C{team_id}"]
        assert len(posts) == 1
        blocks = str(posts[0].args["blocks"])
        assert words[team_id] in blocks and words[other[team_id]] not in blocks
        assert {c.token for c in posts} == {TEAMS[team_id]}
        # the workspace's one App Home publish (nothing else publishes it in this test)
        home = fake.wait_for_call("views.publish", lambda c, t=team_id: c.team_id == t,
                                  what=f"App Home in {team_id}")
        assert home.ok and words[other[team_id]] not in str(home.args["view"])
    # Labels and corrections stay home too.
    for team_id in TEAMS:
        assert all(w not in str(ohw.store.replies.corrections(team_id)) for w in words.values())


def test_a_rotating_token_is_refreshed_before_a_scheduled_job_uses_it(oserver, ohw, fake,
                                                                      clock):
    driver = SlackDriver(oserver.url, fake, team_id="T0A")
    install(driver, fake, "T0A", "xoxe.xoxb-old", refresh_token="xoxe-1-refresh",
            expires_in=300)  # expires in 5 minutes
    fake.add_refresh_token("xoxe-1-refresh", {
        "access_token": "xoxe.xoxb-new", "token_type": "bot", "refresh_token": "xoxe-1-next",
        "expires_in": 43200, "team": {"id": "T0A", "name": "Team T0A"},
        "bot_user_id": "UBOTT0A", "app_id": "A0HEADWAY", "scope": ",".join(bot_scopes())})
    fake.add_user("U1", team_id="T0A", tz="UTC")
    # Slack's expires_in became an absolute expiry at install time: tick at that time
    # (the injected clock judges "expiring", not the wall clock), with U1 due right then.
    clock.now = datetime.now(UTC).replace(second=0, microsecond=0)
    ohw.store.members.upsert(Member("T0A", "U1", tz="UTC", days=(clock.now.weekday(),),
                                    nudge_time=clock.now.time()), clock.now)
    tick(ohw)
    refreshes = [c for c in fake.calls_to("oauth.v2.access")
                 if c.args.get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1
    dms = [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "U1"]
    assert dms and {c.token for c in dms} == {"xoxe.xoxb-new"}
    assert ohw.installations.token_for("T0A") == "xoxe.xoxb-new"  # saved, not refreshed again
    # Judged on the injected clock: moved 11 h on, the new token (12 h) is due again.
    clock.now += timedelta(hours=11, minutes=55)
    fake.add_refresh_token("xoxe-1-next", {
        "access_token": "xoxe.xoxb-newer", "token_type": "bot", "refresh_token": "xoxe-1-3",
        "expires_in": 43200, "team": {"id": "T0A", "name": "Team T0A"},
        "bot_user_id": "UBOTT0A", "app_id": "A0HEADWAY", "scope": ",".join(bot_scopes())})
    assert ohw.installations.token_for("T0A") == "xoxe.xoxb-newer"
    assert len([c for c in fake.calls_to("oauth.v2.access")
                if c.args.get("grant_type") == "refresh_token"]) == 2


def test_a_workspaces_requests_pay_one_auth_test_then_the_authorize_cache_answers(
        oserver, ohw, fake):
    driver = SlackDriver(oserver.url, fake, team_id="T0A")
    fake.add_team("T0A", token="xoxb-placeholder-t0a")
    install(driver, fake, "T0A", TEAMS["T0A"])
    fake.add_user("U1", team_id="T0A", tz="UTC")
    before = len([c for c in fake.calls_to("auth.test") if c.token == TEAMS["T0A"]])
    for _ in range(3):
        assert "join" in answer_to(fake, driver.command("help", user="U1", team_id="T0A"))
    checks = [c for c in fake.calls_to("auth.test") if c.token == TEAMS["T0A"]]
    assert len(checks) - before <= 1  # Bolt's cache: not one auth.test before every ack
    cache = ohw.installations._authorize.authorize_result_cache
    assert any(r.team_id == "T0A" for r in cache.values())
    driver.event({"type": "app_uninstalled"}, team_id="T0A")
    wait_for(lambda: not any(r.team_id == "T0A" for r in cache.values()),
             what="the uninstalled workspace's authorizations to go")


def test_uninstall_stops_everything_and_the_data_goes_after_the_retention_period(
        oserver, ohw, fake, clock):
    clock.now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    drivers = {}
    for team_id, token in TEAMS.items():
        fake.add_team(team_id, token="xoxb-placeholder-" + team_id.lower())
        drivers[team_id] = SlackDriver(oserver.url, fake, team_id=team_id)
        install(drivers[team_id], fake, team_id, token)
        fake.add_user("U1", team_id=team_id, tz="UTC")
        ohw.store.members.upsert(Member(team_id, "U1", tz="UTC", days=(4,),
                                        nudge_time=time(15)), clock.now)
    ohw.client_for("T0A")  # the workspace's client and pacer, as a fan-out leaves them
    assert "T0A" in ohw._clients and "T0A" in ohw._pacers
    assert drivers["T0A"].event({"type": "app_uninstalled"}, team_id="T0A").status == 200
    wait_for(lambda: ohw.store.workspaces.get("T0A").uninstalled_at is not None,
             what="the uninstall to be recorded")
    assert ohw.installations.token_for("T0A") is None
    # Its client and pacer are dropped with its tokens (a reinstall makes new ones).
    wait_for(lambda: "T0A" not in ohw._clients and "T0A" not in ohw._pacers,
             what="T0A's client and pacer to go")
    clock.now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    tick(ohw)
    sent_to = {c.team_id for c in fake.calls_to("chat.postMessage")}
    assert sent_to == {"T0B"}
    # tokens_revoked for T0B's bot token does the same, a day later.
    clock.now += timedelta(days=1)
    drivers["T0B"].event({"type": "tokens_revoked", "tokens": {"bot": ["UBOTT0B"]}},
                         team_id="T0B")
    wait_for(lambda: ohw.store.workspaces.get("T0B").uninstalled_at is not None,
             what="the revocation to be recorded")
    # 29 days on, the data is still there (a reinstall would pick up where it left off);
    # past the 30-day retention it is gone, every table.
    uninstalled = ohw.store.workspaces.get("T0A").uninstalled_at
    clock.now = uninstalled + timedelta(days=29)
    assert tick(ohw).workspaces_purged == 0
    assert ohw.store.members.get("T0A", "U1") is not None
    clock.now = uninstalled + timedelta(days=30, minutes=1)
    result = tick(ohw)
    assert result.workspaces_purged >= 1
    # Headway's tables say workspace_id; slack_sdk's OAuth tables keep Slack's team_id.
    leftovers = {t: n for t in ohw.store.db.table_names()
                 for column in ("workspace_id", "team_id")
                 if column in ohw.store.db[t].columns_dict
                 and (n := ohw.store.db.execute(
                     f"SELECT count(*) FROM [{t}] WHERE {column} = 'T0A'").fetchone()[0])}
    assert leftovers == {}


def test_reinstalling_stops_the_retention_clock(oserver, ohw, fake, clock):
    driver = SlackDriver(oserver.url, fake, team_id="T0A")
    fake.add_team("T0A", token="xoxb-placeholder-t0a")
    install(driver, fake, "T0A", TEAMS["T0A"])
    driver.event({"type": "app_uninstalled"}, team_id="T0A")
    wait_for(lambda: ohw.store.workspaces.get("T0A").uninstalled_at is not None, what="uninstall")
    walltime.sleep(0.01)
    install(driver, fake, "T0A", "xoxb-team-a-again")
    assert ohw.store.workspaces.get("T0A").uninstalled_at is None
    assert ohw.installations.token_for("T0A") == "xoxb-team-a-again"

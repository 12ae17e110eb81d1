"""One bad record harms no one: an unknown time zone, a refused digest post, a failing unit of
work, a deleted account, a channel that can never get a digest — each driven through the
signed Slack endpoints, the `headway` CLI and the real scheduler tick."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, time, timedelta

import pytest
from conftest import wait_for
from slack_sdk import WebClient
from teams_setup import digest_channel, digest_team

from bot import digests, logsafety
from bot.cli import main
from bot.core.channels import judge_digest_channel
from bot.core.model import Member, Reply
from bot.core.schedule import due_nudge
from bot.core.zones import resolve_tz, with_known_zone, zone
from bot.scheduler import tick

T1, T2 = "T0001", "T0002"
# A zone no tzdata has: stands for one newer than this machine's (Slack sends those).
MARS = "Mars/Olympus_Mons"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def dms(fake, user: str) -> list:
    return [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == user]


def posts_to(fake, channel: str) -> list:
    return [c for c in fake.calls_to("chat.postMessage")
            if c.args.get("channel") == channel and "thread_ts" not in c.args and c.ok]


def store_zone_as_is(db_path, team_id: str, user_id: str, tz: str) -> None:
    """Write a zone straight into the file, as a row stored before zones were checked."""
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            conn.execute("UPDATE members SET tz = ? WHERE workspace_id = ? AND user_id = ?",
                         [tz, team_id, user_id])
    finally:
        conn.close()


def slack_says_mars(fake, *user_ids: str) -> None:
    """From now on users.info and users.list give these users the zone MARS.

    The user objects are the fake's own answers (shaped on Slack's users.info / users.list
    examples), fetched once and then served with `tz` changed — the fake refuses to seed a
    zone it cannot load itself.
    """
    client = WebClient(token=fake.token, base_url=fake.api_url)
    listed = client.users_list()["members"]
    for user in listed:
        if user["id"] in user_ids:
            user.update(tz=MARS, tz_label="Olympus Mons Time", tz_offset=0)
    by_id = {u["id"]: u for u in listed}
    fake.on("users.info", lambda args: {"ok": True, "user": by_id[args["user"]]}
            if args.get("user") in by_id else {"ok": False, "error": "user_not_found"})
    fake.on("users.list", lambda args: {"ok": True, "members": listed, "cache_ts": 0,
                                        "response_metadata": {"next_cursor": ""}})


@pytest.fixture
def warnings_caught(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


# ── the pure part ────────────────────────────────────────────────────────────


def test_an_unknown_zone_is_read_as_the_workspaces_then_utc():
    assert resolve_tz(MARS, "Asia/Kolkata") == "Asia/Kolkata"
    assert resolve_tz(MARS, "Nowhere/Else", None) == "UTC"
    assert resolve_tz("", None) == "UTC"
    assert resolve_tz("europe/berlin", "Asia/Kolkata") == "Europe/Berlin"  # known: kept
    assert resolve_tz("localtime", "Asia/Kolkata") == "Asia/Kolkata"  # the host's: never
    assert str(zone(MARS, "Asia/Kolkata")) == "Asia/Kolkata"
    member = Member(T1, "UMARS", tz=MARS, days=(4,), nudge_time=time(9))
    assert with_known_zone(member, "Asia/Kolkata").tz == "Asia/Kolkata"
    known = Member(T1, "U1", tz="Europe/Berlin")
    assert with_known_zone(known, "Asia/Kolkata") is known
    # Friday 09:00 in Kolkata is 03:30 UTC: the fallback zone decides when it is due.
    due = due_nudge(with_known_zone(member, "Asia/Kolkata"), utc(2026, 11, 20, 3, 30),
                    timedelta(hours=1))
    assert due is not None and due.period == "2026-W47"


@pytest.mark.parametrize(("channel", "action"), [
    # Shapes: Slack's conversation object (conversations.info / conversations.list in
    # python-slack-sdk's tests/data/web_response_conversations_list.json): is_im, is_mpim,
    # is_private, is_group, is_member, is_archived.
    ({"id": "D1", "is_im": True, "is_private": True, "user": "U1"}, "refuse"),
    ({"id": "C2", "is_mpim": True, "is_group": True, "is_private": True,
      "is_member": True, "name": "mpdm-ada--bob--headway-1"}, "refuse"),
    ({"id": "G3", "is_group": True, "is_private": True, "is_member": False}, "refuse"),
    ({"id": "C4", "is_channel": True, "is_private": True, "is_member": True}, "use"),
    ({"id": "C5", "is_channel": True, "is_private": False, "is_member": False}, "join"),
    ({"id": "C6", "is_channel": True, "is_private": False, "is_member": True}, "use"),
    ({"id": "C7", "is_channel": True, "is_archived": True, "is_member": True}, "refuse"),
])
def test_only_a_channel_headway_is_in_or_can_join_gets_the_digest(channel, action):
    assert judge_digest_channel(channel).action == action


# ── an unknown zone ──────────────────────────────────────────────────────────


@pytest.fixture
def mars_row(fake, hw, clock, db_path):
    """U0 and UZ in UTC and UMARS between them, whose stored row says MARS; the workspace's
    zone is Asia/Kolkata (UTC+05:30); everyone is asked Fridays at 09:00 local."""
    clock.now = utc(2026, 11, 18, 12, 0)  # Wednesday of 2026-W47
    hw.store.workspaces.ensure(T1, clock.now, "Acme")
    hw.store.workspaces.update(T1, tz="Asia/Kolkata")
    for uid in ("U0", "UMARS", "UZ"):
        fake.add_user(uid, tz="UTC")
        hw.store.members.upsert(Member(T1, uid, tz="UTC", days=(4,), nudge_time=time(9)),
                               clock.now)
    digest_team(hw, T1, "C0DIGEST", tz="Asia/Kolkata", digest_day=4, digest_time=time(9))
    store_zone_as_is(db_path, T1, "UMARS", MARS)
    assert hw.store.members.get(T1, "UMARS").tz == MARS  # the bad row really is there


def test_a_member_stored_in_an_unknown_zone_holds_up_no_one_in_nudge_now(
    mars_row, fake, hw, env, capsys
):
    assert main(["nudge", "--now"]) == 0
    assert [len(dms(fake, u)) for u in ("U0", "UMARS", "UZ")] == [1, 1, 1]
    assert "sent 3" in capsys.readouterr().out


def test_a_member_stored_in_an_unknown_zone_is_nudged_in_the_workspaces_zone_by_the_tick(
    mars_row, fake, hw, clock
):
    clock.now = utc(2026, 11, 20, 3, 30)  # Friday 09:00 in Kolkata
    # the daily sweep is not due: the row stays
    hw.store.scheduler.set_tz_refreshed_at(T1, clock.now)
    result = tick(hw)
    assert result.failed == [] and result.nudges.failed == []
    assert len(dms(fake, "UMARS")) == 2  # the plan: a rotating question and the work one
    assert dms(fake, "U0") == [] and dms(fake, "UZ") == []
    assert result.digests_posted == 1 and len(posts_to(fake, "C0DIGEST")) == 1  # went on

    clock.now = utc(2026, 11, 20, 9, 0)  # Friday 09:00 UTC: the others' turn
    tick(hw)
    assert [len(dms(fake, u)) for u in ("U0", "UMARS", "UZ")] == [2, 2, 2]
    assert hw.store.members.get(T1, "UMARS").tz == MARS  # read around, not rewritten


def test_a_zone_this_machine_does_not_know_enters_as_the_workspaces_zone(
    slack, fake, hw, clock, warnings_caught
):
    fake.add_user("UADMIN", tz="Asia/Kolkata", is_admin=True)
    for uid in ("UMARS", "UTEAM", "UMOVER"):
        fake.add_user(uid, tz="Europe/Berlin")
    slack.command("digest here", user="UADMIN", channel="C0DIGEST")
    wait_for(lambda: hw.store.workspaces.get(T1) and digest_channel(hw, T1),
             what="digest channel")
    assert hw.store.workspaces.get(T1).tz == "Asia/Kolkata"
    slack.command("join", user="UMOVER")  # joins while Slack still says Berlin
    wait_for(lambda: hw.store.members.get(T1, "UMOVER"), what="UMOVER enrolled")
    slack_says_mars(fake, "UMARS", "UTEAM", "UMOVER")

    # join: Slack's users.info answers MARS.
    slack.command("join", user="UMARS")
    answer = wait_for(lambda: [c for c in fake.calls_to("response_url")
                               if "Headway will DM you" in c.args.get("text", "")
                               and "Asia/Kolkata" in c.args["text"]], what="join answer")
    assert len(answer) == 1
    assert hw.store.members.get(T1, "UMARS").tz == "Asia/Kolkata"
    # team add: the same, for someone an admin enrols.
    slack.command("team add <@UTEAM|tea>", user="UADMIN")
    wait_for(lambda: hw.store.members.get(T1, "UTEAM"), what="UTEAM enrolled")
    assert hw.store.members.get(T1, "UTEAM").tz == "Asia/Kolkata"
    # user_change (shape: Slack's user_change event, an event whose `user` is a users.info
    # object): a member whose zone is known keeps it rather than take the workspace's.
    mover = WebClient(token=fake.token, base_url=fake.api_url).users_info(user="UMOVER")
    assert slack.event({"type": "user_change", "user": dict(mover["user"])}).status == 200
    wait_for(lambda: [r for r in warnings_caught.records
                      if r.name == "bot.members" and "UMOVER" in r.getMessage()],
             what="the user_change warning")
    assert hw.store.members.get(T1, "UMOVER").tz == "Europe/Berlin"

    warned = [r for r in warnings_caught.records
              if r.name == "bot.members" and r.levelno == logging.WARNING]
    assert {u for r in warned for u in ("UMARS", "UTEAM", "UMOVER") if u in r.getMessage()} \
        == {"UMARS", "UTEAM", "UMOVER"}
    assert all(T1 in r.getMessage() for r in warned)  # ids: who and where


def test_the_daily_sweep_rewrites_a_stored_unknown_zone_to_the_workspaces(
    mars_row, fake, hw, clock
):
    slack_says_mars(fake, "UMARS")
    tick(hw)  # the sweep is due at the first tick
    assert fake.calls_to("users.list")
    assert hw.store.members.get(T1, "UMARS").tz == "Asia/Kolkata"
    assert hw.store.members.get(T1, "U0").tz == "UTC"


# ── each unit of scheduled work fails alone ──────────────────────────────────


@pytest.fixture
def two_workspaces(fake, hw, clock):
    """Two workspaces whose members are due, and whose digests are due, on the same tick:
    Friday 20 Nov 2026 09:00 UTC."""
    fake.add_team(T2, token="xoxb-t2", name="Second workspace")
    hw.token_for = {T1: fake.token, T2: "xoxb-t2"}.get
    clock.now = utc(2026, 11, 18, 12, 0)
    for team, channel, users in ((T1, "C0DIGEST1", ("U1", "UBAD", "U3")),
                                 (T2, "C0DIGEST2", ("U4", "U5"))):
        hw.store.workspaces.ensure(team, clock.now, team)
        hw.store.workspaces.update(team, tz="UTC", retention_months=12)
        for uid in users:
            fake.add_user(uid, team_id=team, tz="UTC")
            hw.store.members.upsert(Member(team, uid, tz="UTC", days=(4,),
                                          nudge_time=time(9)), clock.now)
        digest_team(hw, team, channel, tz="UTC", digest_day=4, digest_time=time(9))
    clock.now = utc(2026, 11, 20, 9, 0)


def test_a_digest_slack_refuses_is_tried_again_at_the_next_tick_while_the_rest_goes_on(
    two_workspaces, fake, hw, clock, warnings_caught
):
    fake.fail("chat.postMessage", "restricted_action",
              when=lambda args: args.get("channel") == "C0DIGEST1")
    result = tick(hw)
    assert [c.error for c in fake.calls_to("chat.postMessage")
            if c.args.get("channel") == "C0DIGEST1"] == ["restricted_action"]
    assert posts_to(fake, "C0DIGEST1") == []
    assert len(posts_to(fake, "C0DIGEST2")) == 1 and result.digests_posted == 1
    assert all(len(dms(fake, u)) == 2 for u in ("U1", "UBAD", "U3", "U4", "U5"))
    assert any(r.levelno == logging.WARNING and T1 in r.getMessage()
               and "restricted_action" in r.getMessage() for r in warnings_caught.records)

    clock.advance(minutes=1)
    again = tick(hw)
    assert again.digests_posted == 1 and len(posts_to(fake, "C0DIGEST1")) == 1
    assert len(posts_to(fake, "C0DIGEST2")) == 1  # not posted twice
    assert all(len(dms(fake, u)) == 2 for u in ("U1", "UBAD", "U3", "U4", "U5"))


def test_a_unit_that_raises_is_logged_by_its_ids_and_retried_while_the_rest_goes_on(
    two_workspaces, fake, hw, clock, monkeypatch, warnings_caught
):
    """Failures no handler expects (a locked database, a bug on one odd row): one member's
    nudge, one workspace's digest, one workspace's retention purge."""
    secret = "Narwhal-Kyoto-3380"  # stands for data the failing code quoted
    broken = {"nudge": True, "digest": True, "purge": True}
    history, build, purge = (hw.store.nudges.prompt_history, digests.build,
                             hw.store.replies.purge_before)

    def prompt_history(team_id, user_id, *a, **k):
        if user_id == "UBAD" and broken["nudge"]:
            raise sqlite3.OperationalError("database is locked")
        return history(team_id, user_id, *a, **k)

    def build_digest(hw_, team, period):
        if team.workspace_id == T1 and broken["digest"]:
            raise ValueError(f"odd row {secret}")
        return build(hw_, team, period)

    def purge_replies_before(team_id, cutoff):
        if team_id == T1 and broken["purge"]:
            raise KeyError(secret)
        return purge(team_id, cutoff)

    for team in (T1, T2):  # a reply past `retention 12`: each workspace has one to purge
        hw.store.replies.add(Reply(team, "U1" if team == T1 else "U4", "moved-forward",
                                   "work", "2025-W40", "Tidied the backlog"), source="dm",
                             now=clock.now - timedelta(days=400))
    logsafety.install()  # as `serve` and the CLI do: tracebacks are redacted
    monkeypatch.setattr(hw.store.nudges, "prompt_history", prompt_history)
    monkeypatch.setattr(digests, "build", build_digest)
    monkeypatch.setattr(hw.store.replies, "purge_before", purge_replies_before)

    result = tick(hw)
    assert sorted(result.failed) == [f"digest of team:{T1}/{hw.store.teams.of(T1)[0].id}",
                                     f"retention purge of workspace:{T1}"]
    assert result.nudges.failed == [f"nudge:{T1}/UBAD"]
    assert dms(fake, "UBAD") == []
    assert all(len(dms(fake, u)) == 2 for u in ("U1", "U3", "U4", "U5"))  # after UBAD too
    assert posts_to(fake, "C0DIGEST1") == [] and len(posts_to(fake, "C0DIGEST2")) == 1
    errors = [r.getMessage() for r in warnings_caught.records if r.levelno >= logging.ERROR]
    assert len(errors) == 3 and all(T1 in line for line in errors)
    assert any("UBAD" in line and "OperationalError" in line for line in errors)
    logged = "\n".join(f"{r.getMessage()}\n{r.exc_text or ''}"
                       for r in warnings_caught.records)
    assert "Traceback" in logged  # at DEBUG, for --verbose
    assert "OperationalError: database is locked" in logged  # SQLite's words are kept…
    assert "ValueError (message not logged)" in logged  # …an error that quotes data is not
    assert secret not in logged

    for key in broken:
        broken[key] = False
    clock.advance(minutes=1)
    again = tick(hw)
    assert again.failed == [] and again.nudges.failed == []
    assert again.replies_purged == 1  # T1's, once its purge no longer fails
    assert len(dms(fake, "UBAD")) == 2 and len(posts_to(fake, "C0DIGEST1")) == 1
    assert all(len(dms(fake, u)) == 2 for u in ("U1", "U3", "U4", "U5"))


def test_a_digest_claim_left_by_a_post_that_never_answered_is_retried_by_the_tick(
    two_workspaces, fake, hw, clock
):
    """No answer from Slack (connection lost after the retries): the claim stays, since
    the post may have landed; the tick takes it over once it is stale, not never."""
    period = "2026-W47"
    hw.store.digests.claim(T1, "C0DIGEST1", period, clock.now)  # a run that got no answer
    tick(hw)
    assert posts_to(fake, "C0DIGEST1") == [] and len(posts_to(fake, "C0DIGEST2")) == 1
    clock.advance(minutes=11)  # older than policies.STALE_CLAIM
    assert tick(hw).digests_posted == 1
    assert len(posts_to(fake, "C0DIGEST1")) == 1


# ── a deleted account ────────────────────────────────────────────────────────


def test_a_user_change_saying_deleted_deactivates_the_member_at_once(slack, fake, hw, clock,
                                                                     env):
    for uid in ("U1", "UGONE"):
        fake.add_user(uid, tz="UTC")
        slack.command("join", user=uid)
    wait_for(lambda: hw.store.members.get(T1, "UGONE") and hw.store.members.get(T1, "U1"),
             what="both enrolled")
    # Shape: Slack's user_change event; a deleted account's user object has deleted: true.
    gone = {"id": "UGONE", "team_id": T1, "name": "ugone", "deleted": True,
            "profile": {"display_name": "ugone"}, "is_bot": False, "updated": 1}
    assert slack.event({"type": "user_change", "user": gone}).status == 200
    wait_for(lambda: not hw.store.members.get(T1, "UGONE").active, what="deactivated")
    member = hw.store.members.get(T1, "UGONE")
    assert member.inactive_reason == "account_inactive"
    assert hw.store.members.get(T1, "U1").active
    assert main(["nudge", "--now"]) == 0
    assert dms(fake, "UGONE") == [] and len(dms(fake, "U1")) == 1


# ── where the digest can go ──────────────────────────────────────────────────


@pytest.fixture
def admin(fake, hw, clock):
    fake.add_user("UADMIN", tz="Europe/Berlin", is_admin=True)
    hw.store.workspaces.ensure(T1, clock.now)
    return "UADMIN"


def _digest_here(slack, fake, channel: str) -> str:
    before = len(fake.calls_to("response_url"))
    slack.command("digest here", user="UADMIN", channel=channel)
    return wait_for(lambda: (c := fake.calls_to("response_url")) and len(c) > before
                    and c[-1].args["text"], what=f"digest here in {channel}")


def test_digest_here_is_refused_in_a_dm_with_a_message_that_says_where_to_run_it(
    admin, slack, fake, hw
):
    text = _digest_here(slack, fake, fake.dm_channel("UADMIN"))
    assert "direct message can't receive" in text and "channel that should get it" in text
    assert digest_channel(hw, T1) is None


def test_digest_here_is_refused_in_a_group_dm(admin, slack, fake, hw):
    # Shape: a conversations.info answer for a group DM — Slack's conversation object
    # with is_mpim (and, for group DMs, is_group/is_private) set; the fake does not model
    # group DMs, so it answers this one channel the way Slack does.
    mpim = {"id": "C0MPIM", "name": "mpdm-uadmin--ada--headway-1", "is_channel": False,
            "is_group": True, "is_im": False, "is_mpim": True, "is_private": True,
            "is_archived": False, "is_member": True, "created": 1700000000}
    fake.on("conversations.info", lambda args: {"ok": True, "channel": mpim}
            if args.get("channel") == "C0MPIM" else {"ok": False, "error": "channel_not_found"})
    text = _digest_here(slack, fake, "C0MPIM")
    assert "group DM can't receive" in text and "/invite @Headway" in text
    assert digest_channel(hw, T1) is None


def test_digest_here_in_a_private_channel_without_headway_asks_for_the_invite_first(
    admin, slack, fake, hw
):
    fake.add_channel("G0SECRET", is_private=True, bot_is_member=False, members=["UADMIN"])
    text = _digest_here(slack, fake, "G0SECRET")
    assert "`/invite @Headway`" in text and "private channel" in text
    assert digest_channel(hw, T1) is None
    assert fake.calls_to("conversations.join") == []  # a private channel needs an invite

    fake.add_channel("G0SECRET", is_private=True, members=["UADMIN"])  # invited now
    text = _digest_here(slack, fake, "G0SECRET")
    assert "s weekly digest, " in text
    assert digest_channel(hw, T1) == "G0SECRET"


def test_digest_here_where_slack_hides_the_conversation_from_headway_says_what_to_do(
    admin, slack, fake, hw
):
    # Real Slack answers channel_not_found for a private channel, or someone else's DM or
    # group DM, that the bot is not in (the fake would show any unseeded id as public).
    fake.on("conversations.info", lambda args: {"ok": False, "error": "channel_not_found"})
    text = _digest_here(slack, fake, "G0UNSEEN")
    assert "can't see this conversation" in text and "/invite @Headway" in text
    assert "DM or group DM can't receive" in text
    assert digest_channel(hw, T1) is None


def test_digest_here_in_a_public_channel_headway_is_not_in_joins_it(admin, slack, fake, hw):
    fake.add_channel("C0OPEN", bot_is_member=False, members=["UADMIN"])

    def join(args):
        # conversations.join as Slack answers it (docs' "Typical success response"): the
        # conversation, now with the bot in it.
        fake.add_channel(args["channel"], members=["UADMIN"])
        return {"ok": True, "channel": {"id": args["channel"], "is_channel": True,
                                        "is_member": True, "is_private": False}}

    fake.on("conversations.join", join)
    text = _digest_here(slack, fake, "C0OPEN")
    assert "s weekly digest, " in text and "joined the channel" in text
    assert [c.args["channel"] for c in fake.calls_to("conversations.join")] == ["C0OPEN"]
    assert digest_channel(hw, T1) == "C0OPEN"
    assert hw.store.workspaces.get(T1).tz == "Europe/Berlin"


def test_digest_here_says_what_to_do_when_headway_cannot_join_a_public_channel(
    admin, slack, fake, hw
):
    fake.add_channel("C0OPEN", bot_is_member=False, members=["UADMIN"])
    fake.on("conversations.join", lambda args: {"ok": False, "error": "missing_scope",
                                                "needed": "channels:join"})
    text = _digest_here(slack, fake, "C0OPEN")
    assert "couldn't join this channel" in text and "/invite @Headway" in text
    assert digest_channel(hw, T1) is None


def test_a_refused_digest_backs_off_warns_once_and_posts_when_slack_accepts(
    two_workspaces, fake, hw, clock, warnings_caught
):
    """Slack refusing one channel's digest (bot removed, channel archived) is asked again
    after 1, 2, 4… minutes, not every tick, with one warning for the streak."""
    fake.fail("chat.postMessage", "not_in_channel", times=None,
              when=lambda args: args.get("channel") == "C0DIGEST1")

    def refusals() -> int:
        return len([c for c in fake.calls_to("chat.postMessage")
                    if c.args.get("channel") == "C0DIGEST1"])

    start = clock.now
    asked_at = []
    for minute in range(16):
        clock.now = start + timedelta(minutes=minute)
        before = refusals()
        tick(hw)
        if refusals() > before:
            asked_at.append(minute)
    assert asked_at == [0, 1, 3, 7, 15]  # waits of 1, 2, 4 and 8 minutes
    assert len(posts_to(fake, "C0DIGEST2")) == 1  # the other workspace was not held up
    warned = [r for r in warnings_caught.records if r.levelno == logging.WARNING
              and T1 in r.getMessage() and "not_in_channel" in r.getMessage()]
    assert len(warned) == 1

    fake.reset_faults()
    clock.now = start + timedelta(minutes=31)  # 15 + 16: the next try
    tick(hw)
    assert len(posts_to(fake, "C0DIGEST1")) == 1
    assert hw.digest_refusals == {}  # a success ends the streak

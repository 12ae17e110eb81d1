"""The gentle reminder and who has not answered, end to end: members join, answer, skip,
snooze and set quiet hours through signed Slack requests; the scheduler's real tick runs
at injected times; the fake Slack checks every call. A lead asks `/headway team status`
and opens App Home; a plain member sees nobody's status."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from conftest import answer_to, wait_for
from teams_setup import digest_team

from bot.cli import main
from bot.context import Headway
from bot.core import messages
from bot.core.messages.ids import REMINDER_EVENT
from bot.scheduler import tick

WS = "T0001"
DIGEST = "C0DIGEST"
W47 = "2026-W47"
PEOPLE = ("UANS", "USILENT", "USKIP", "UANON", "UPAUSE")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def flat(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def reminders_in_dms(fake, users=PEOPLE) -> dict[str, int]:
    """Gentle reminders each member's DM holds, read from the DMs themselves."""
    return dict(fake.dms_with_event(users, REMINDER_EVENT))


def work_nudge(hw: Headway, user: str):
    work = hw.pack_for(hw.store.workspaces.get(WS), user).work_prompt.id
    [nudge] = [n for n in hw.store.nudges.of(WS, user) if n.prompt_id == work]
    return nudge


def message_of(fake, channel: str, ts: str) -> dict[str, Any]:
    [msg] = [m for m in fake.messages(channel) if m["ts"] == ts]
    return msg


def open_home(slack, fake, user: str) -> dict[str, Any]:
    """`user` opens Headway's Home tab; the view published for them. The event's shape is
    bolt-python's tests/scenario_tests/test_events_org_apps.py (`app_home_opened`), in the
    envelope SlackDriver.event wraps it in."""
    slack.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                 "event_ts": "1606810927.510671"})
    return fake.wait_for_call("views.publish", lambda c: c.args["user_id"] == user,
                              what=f"{user}'s Home").args["view"]


def ticks(hw: Headway, clock, until: datetime, step: timedelta) -> None:
    while clock.now < until:
        clock.now = min(clock.now + step, until)
        tick(hw)


def dm_times(fake, hw: Headway, clock, user: str, until: datetime, step: timedelta
             ) -> list[tuple[datetime, dict[str, Any]]]:
    """Tick every `step` until `until`; each DM to `user` with the injected instant of the
    tick that sent it."""
    out = []
    while clock.now < until:
        clock.now = min(clock.now + step, until)
        seen = len(fake.calls_to("chat.postMessage"))
        tick(hw)
        out += [(clock.now, c.args) for c in fake.calls_to("chat.postMessage")[seen:]
                if c.args.get("channel") == user]
    return out


@pytest.fixture
def week(slack, fake, hw, clock, settle):
    """Five members join by `/headway join` on Monday 16 Nov 2026 (UTC, asked Fridays at
    15:00); the team's digest posts Mondays 09:00 UTC in #digest. UPAUSE pauses for a
    week. Friday's tick asks the others; UANS answers by DM, USKIP taps Skip this week,
    UANON answers anonymously; USILENT does not answer."""
    clock.now = utc(2026, 11, 16, 10)
    for user in PEOPLE:
        fake.add_user(user, tz="UTC", name=user.lower())
        assert "You're in" in answer_to(fake, slack.command("join", user=user))
    digest_team(hw, WS, DIGEST, tz="UTC", digest_day=0, digest_time=time(9))
    assert "anonymous" in answer_to(fake, slack.command("anonymous on", user="UANON")).lower()
    assert "23 Nov 2026" in answer_to(fake, slack.command("pause 1", user="UPAUSE"))
    clock.now = utc(2026, 11, 20, 15)
    tick(hw)
    for user in PEOPLE[:-1]:
        assert work_nudge(hw, user).status == "sent"  # canary: everyone was asked
    assert hw.store.nudges.of(WS, "UPAUSE") == []
    slack.dm("Shipped the partner portal", user="UANS")
    slack.dm("Rotated the on-call certificates", user="UANON")
    skip = work_nudge(hw, "USKIP")
    slack.click(messages.SKIP, str(skip.id), user="USKIP", channel=skip.channel,
                message_ts=skip.ts, message=message_of(fake, skip.channel, skip.ts))
    wait_for(lambda: hw.store.nudges.is_skipped(WS, "USKIP", W47), what="the skip")
    wait_for(lambda: work_nudge(hw, "UANS").status == "answered"
             and work_nudge(hw, "UANON").status == "answered", what="the two answers")
    settle()
    return hw


# ── the reminder ─────────────────────────────────────────────────────────────


def test_one_reminder_goes_to_the_one_member_who_has_not_answered_and_to_nobody_else(
        week, slack, fake, hw, clock, settle):
    ticks(hw, clock, utc(2026, 11, 22, 8, 59), timedelta(minutes=30))
    assert reminders_in_dms(fake) == {}  # not before 24 h ahead of Monday 09:00
    clock.now = utc(2026, 11, 22, 9)
    tick(hw)
    assert reminders_in_dms(fake) == {"USILENT": 1}
    [sent] = [c for c in fake.calls_to("chat.postMessage")
              if (c.args.get("metadata") or {}).get("event_type") == REMINDER_EVENT]
    nudge = work_nudge(hw, "USILENT")
    assert "Monday at 09:00" in sent.args["text"]
    answer = [e for b in sent.args["blocks"] if b["type"] == "actions" for e in b["elements"]
              if e["action_id"] == messages.ANSWER]
    assert [e["value"] for e in answer] == [str(nudge.id)]

    # more ticks, and a restart (another process: a new run id on the same database)
    ticks(hw, clock, utc(2026, 11, 22, 15), timedelta(minutes=7))
    again = Headway(settings=hw.settings, store=hw.store, packs=hw.packs, clock=clock)
    tick(again)
    assert reminders_in_dms(fake) == {"USILENT": 1}
    [row] = hw.store.reminders.of(WS)
    assert (row.user_id, row.period, row.status, row.nudge_id) == ("USILENT", W47, "sent",
                                                                    nudge.id)

    # its Answer button answers the week's question
    slack.click(messages.ANSWER, str(nudge.id), user="USILENT", channel=sent.response["channel"],
                message_ts=sent.response["ts"])
    fake.wait_for_call("views.open", lambda c: c.args["view"].get("private_metadata")
                       == str(nudge.id), what="the answer form from the reminder")
    slack.submit_view(messages.ANSWER_VIEW, {messages.ANSWER_BLOCK: {messages.ANSWER_INPUT: {
        "type": "plain_text_input", "value": "Closed the quarter's books"}}},
        private_metadata=str(nudge.id), user="USILENT")
    wait_for(lambda: work_nudge(hw, "USILENT").status == "answered", what="the answer")
    settle()

    # the digest counts; the channel never names who had not answered
    clock.now = utc(2026, 11, 23, 9)
    assert tick(hw).digests_posted == 1
    [post] = [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == DIGEST
              and "thread_ts" not in c.args]
    assert "Closed the quarter" in flat(post.args["blocks"])
    assert reminders_in_dms(fake) == {"USILENT": 1}


def test_quiet_hours_move_the_reminder_to_their_end_before_the_digest(
        week, slack, fake, hw, clock):
    assert "08:00" in slack.command("quiet 08:00-11:00", user="USILENT").json()["text"]
    got = dm_times(fake, hw, clock, "USILENT", utc(2026, 11, 23, 9, 30), timedelta(minutes=15))
    reminded = [at for at, args in got
                if (args.get("metadata") or {}).get("event_type") == REMINDER_EVENT]
    assert reminded == [utc(2026, 11, 22, 11)]


def test_a_reminder_that_quiet_hours_push_past_the_digest_is_not_sent(
        week, slack, fake, hw, clock, settle):
    fake.add_user("ULEAD", tz="UTC")
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    assert "now lead" in answer_to(fake, slack.command("team lead <@ULEAD|lead>",
                                                       user="UADMIN"))
    said = answer_to(fake, slack.command("reminder 2", user="ULEAD"))
    assert "2 hours before its digest" in said
    assert "22:00" in slack.command("quiet 22:00-09:00", user="USILENT").json()["text"]
    ticks(hw, clock, utc(2026, 11, 23, 9, 30), timedelta(minutes=15))
    assert fake.calls_to("chat.postMessage")[-1].args["channel"] == DIGEST  # canary: it ran
    assert reminders_in_dms(fake) == {}
    assert hw.store.reminders.of(WS) == []


def test_no_reminder_on_a_holiday_and_none_after_the_digest(week, slack, fake, hw, clock):
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    answer_to(fake, slack.command("holidays add 2026-11-22", user="UADMIN"))
    # Sunday is a holiday: the reminder moves to Monday at 15:00, after the digest
    ticks(hw, clock, utc(2026, 11, 23, 18), timedelta(minutes=20))
    assert hw.store.digests.get(WS, DIGEST, W47) is not None  # canary: the digest went
    assert reminders_in_dms(fake) == {}


def test_no_reminder_once_the_weeks_digest_was_posted_even_before_its_time(
        week, slack, fake, hw, clock, env):
    clock.now = utc(2026, 11, 21, 12)  # Saturday: someone posts the week's digest by hand
    assert main(["digest", "--post", "--week", W47]) == 0
    assert hw.store.digests.get(WS, DIGEST, W47).status == "posted"
    ticks(hw, clock, utc(2026, 11, 23, 12), timedelta(minutes=20))
    assert reminders_in_dms(fake) == {}


def test_a_team_with_reminders_off_sends_none_and_a_member_cannot_change_it(
        week, slack, fake, hw, clock):
    refused = answer_to(fake, slack.command("reminder off", user="USILENT"))
    assert "Only the leads of" in refused
    assert hw.store.teams.of(WS)[0].reminder_hours == 24
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    assert "no more reminders" in answer_to(fake, slack.command("reminder off",
                                                                user="UADMIN"))
    assert hw.store.teams.of(WS)[0].reminder_hours is None
    ticks(hw, clock, utc(2026, 11, 23, 10), timedelta(minutes=20))
    assert reminders_in_dms(fake) == {}
    bad = slack.command("reminder 200", user="UADMIN").json()["text"]
    assert "from 1 to 96" in bad


def test_a_snoozed_question_and_the_reminder_never_come_within_the_same_hour(
        week, slack, fake, hw, clock, settle):
    clock.now = utc(2026, 11, 22, 8, 30)  # Sunday: snoozed until 10:30
    nudge = work_nudge(hw, "USILENT")
    slack.click(messages.SNOOZE, str(nudge.id), user="USILENT", channel=nudge.channel,
                message_ts=nudge.ts, message=message_of(fake, nudge.channel, nudge.ts))
    wait_for(lambda: hw.store.nudges.get(nudge.id).snoozed_until is not None, what="snooze")
    settle()
    got = dm_times(fake, hw, clock, "USILENT", utc(2026, 11, 22, 14), timedelta(minutes=5))
    snoozed = [at for at, args in got if args.get("text", "").startswith("Reminder:")]
    gentle = [at for at, args in got
              if (args.get("metadata") or {}).get("event_type") == REMINDER_EVENT]
    assert snoozed == [utc(2026, 11, 22, 10, 30)]  # the member's own snooze, on time
    assert gentle == [utc(2026, 11, 22, 11, 30)]  # held while it was pending, then an hour


def test_a_reminder_claimed_by_a_process_that_died_is_settled_from_the_dm_history(
        week, fake, hw, clock):
    """Crash after the post reached Slack: found by its metadata, marked sent, not sent
    again. Crash before: the claim is released and the reminder goes once."""
    from bot.core.messages.reminder import reminder_message

    clock.now = utc(2026, 11, 22, 9)
    nudge = work_nudge(hw, "USILENT")
    claim = hw.store.reminders.claim(WS, "USILENT", W47, nudge.id, clock.now,
                                     claimed_by="dead-run")
    msg = reminder_message(hw.pack_for(None).work_prompt, W47, nudge.id, claim.id, WS,
                           "USILENT", utc(2026, 11, 23, 9), "UTC")
    hw.client_for(WS).chat_postMessage(channel="USILENT", text=msg.text, blocks=msg.blocks,
                                       metadata=msg.metadata)
    clock.advance(minutes=1)
    tick(hw)
    assert reminders_in_dms(fake) == {"USILENT": 1}
    assert hw.store.reminders.get(claim.id).status == "sent"

    # the other case, the member's next week
    clock.now = utc(2026, 11, 27, 15)
    tick(hw)  # W48's questions
    [w48] = [n for n in hw.store.nudges.of(WS, "USILENT", period="2026-W48")
             if n.prompt_id == nudge.prompt_id]
    lost = hw.store.reminders.claim(WS, "USILENT", "2026-W48", w48.id, utc(2026, 11, 29, 9),
                                    claimed_by="dead-run")
    clock.now = utc(2026, 11, 29, 9, 1)
    tick(hw)
    [row] = [r for r in hw.store.reminders.of(WS, "USILENT") if r.period == "2026-W48"]
    assert lost.claimed_by == "dead-run" and row.claimed_by == hw.run_id  # released, re-claimed
    assert row.status == "sent"
    assert reminders_in_dms(fake, ["USILENT"]) == {"USILENT": 2}  # sent once, at that tick
    clock.advance(minutes=1)
    tick(hw)
    assert reminders_in_dms(fake, ["USILENT"]) == {"USILENT": 2}


# ── who has not answered, for leads ──────────────────────────────────────────


def test_a_lead_sees_who_has_not_answered_and_a_plain_member_sees_nobodys_status(
        week, slack, fake, hw, clock, settle):
    fake.add_user("ULEAD", tz="UTC")
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    answer_to(fake, slack.command("team lead <@ULEAD|lead>", user="UADMIN"))
    hw.store.members.update(WS, "USILENT", clock.now, name="silent")
    clock.now = utc(2026, 11, 21, 10)  # Saturday: the next digest reviews W47

    status = answer_to(fake, slack.command("team status", user="ULEAD"))
    assert f"week {W47}" in status and "*2 of 5 members* answered" in status
    assert "Not answered yet: <@USILENT>" in status
    assert "Skipped this week: <@USKIP>" in status and "Paused: <@UPAUSE>" in status
    assert "UANS" not in status and "UANON" not in status  # answered, or anonymous: unnamed
    assert "never named" in status

    refused = answer_to(fake, slack.command("team status", user="USILENT"))
    assert "Only the leads of" in refused and "USKIP" not in refused

    text = flat(open_home(slack, fake, "ULEAD"))
    assert "Teams you lead" in text and "2 of 5 members" in text
    assert "<@USILENT>" in text and "<@USKIP>" in text
    assert "UANS" not in text and "UANON" not in text

    own = open_home(slack, fake, "USILENT")
    assert "Your recent answers" in flat(own)  # canary: the member's own Home
    assert "Teams you lead" not in flat(own)
    for other in ("UANS", "USKIP", "UANON"):
        assert other not in flat(own)


def test_team_status_names_the_team_and_refuses_a_lead_of_another_team(
        week, slack, fake, hw, clock):
    fake.add_user("ULEAD", tz="UTC")
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    other = hw.store.teams.create(WS, "Sales", clock.now, digest_channel="C0SALES")
    hw.store.teams.add_lead(WS, other.id, "ULEAD", "UADMIN", clock.now)
    [first] = [t for t in hw.store.teams.of(WS) if t.id != other.id]
    mine = answer_to(fake, slack.command("team status Sales", user="ULEAD"))
    assert "*Sales: who has answered" in mine and "0 of 0 members" in mine
    theirs = answer_to(fake, slack.command(f"team status {first.name}", user="ULEAD"))
    assert "Only the leads of" in theirs and "USILENT" not in theirs
    admin = answer_to(fake, slack.command(f"team status for {first.name}", user="UADMIN"))
    assert "Not answered yet: <@USILENT>" in admin

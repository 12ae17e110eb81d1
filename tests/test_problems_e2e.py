"""Tracked problems end to end, driven the way Slack drives them: signed requests in
(slackdriver.py), Web API calls out to the fake Slack, the scheduler's tick at injected
times, a real SQLite file.

- A firefight reported three weeks running shows in the digest as recurring with Track it;
  pressed, it is tracked (a second press says so); the weeks it costs grow as it comes
  back; `/headway problems` marks it fixed and hands it over; when it comes back, the next
  digest reopens it and calls it out. Updating a digest never counts a week twice.
- Untrack is for the team's leads and admins: a member's click is refused.
- "Did we move on it?" about a tracked agenda problem: the answer is recorded on the
  problem, and its owner sees it in App Home.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from conftest import answer_to, wait_for
from slackdriver import SlackDriver, message_changed
from teams_setup import digest_team

from bot.core.messages.ids import (
    FOLLOW_UP_ACTIONS,
    PROBLEM_BLOCK,
    PROBLEM_OWNER,
    PROBLEM_STATUS,
    PROBLEM_TRACK,
    PROBLEM_UNTRACK,
)
from bot.core.messages.problems import TRACK_REFUSED, UNTRACK_REFUSED
from bot.core.model import Member, PromptPack
from bot.core.problems import TrackedProblem, track_value
from bot.replies import record_answer
from bot.scheduler import tick

TEAM, DIGEST = "T0001", "C0DIGEST"
# Slack-shaped user ids: an owner must look like one (`bot.core.problems`).
ADA, BO, CY = "U0ADA1", "U0BO22", "U0CY33"
PEOPLE = {ADA: "Ada", BO: "Bo", CY: "Cy"}  # Cy leads the team
FIREFIGHT = "Restarted the billing export job again"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def wednesday(week: int) -> datetime:
    """Noon on the Wednesday of ISO week `week` of 2026 (all in Q2: W14–W26)."""
    return datetime.combine(date.fromisocalendar(2026, week, 3), time(12), UTC)


def monday_after(week: int, hour: int = 9, minute: int = 0) -> datetime:
    """The Monday that reviews ISO week `week`: its digest is due at 09:00."""
    return datetime.combine(date.fromisocalendar(2026, week + 1, 1), time(hour, minute), UTC)


def flat(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


@pytest.fixture
def team(fake, hw, clock):
    """Ada, Bo and Cy (the lead) in UTC; the digest goes to #digest on Mondays at 09:00."""
    clock.now = utc(2026, 4, 6, 8, 0)  # Monday of 2026-W15
    hw.store.workspaces.ensure(TEAM, clock.now, "Acme")
    for uid, name in PEOPLE.items():
        fake.add_user(uid, tz="UTC", name=name)
        hw.store.members.upsert(Member(TEAM, uid, tz="UTC", days=(4,), nudge_time=time(15),
                                       name=name), clock.now)
    made = digest_team(hw, TEAM, DIGEST, tz="UTC", digest_day=0, digest_time=time(9))
    hw.store.teams.add_lead(TEAM, made.id, CY, "UADMIN", clock.now)
    return made


def report(slack: SlackDriver, hw, clock, settle, week: int, user: str,
           text: str) -> dict[str, Any]:
    """`user` answers week `week`'s work question with a DM (no question is open, so it is
    taken as the work answer), on its Wednesday; the message event, for an edit later."""
    clock.now = wednesday(week)
    period = f"2026-W{week}"
    before = len(hw.store.replies.of(TEAM, user_id=user, period=period))
    event = slack.dm_event(text, user)
    slack.event(event)
    wait_for(lambda: len(hw.store.replies.of(TEAM, user_id=user, period=period)) > before,
             what=f"{user}'s answer for {period}")
    settle()  # its listener is done (the confirmation is out) before the clock moves on
    return event


def post_digest_of(fake, hw, clock, week: int) -> tuple[str, list[dict[str, Any]]]:
    """Monday 09:00: the tick posts week `week`'s digest; its ts and blocks."""
    clock.now = monday_after(week)
    assert tick(hw).digests_posted == 1
    [post] = [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == DIGEST
              and "thread_ts" not in c.args and f"2026-W{week}" in c.args["text"]]
    return post.response["ts"], post.args["blocks"]


def updated_digest(fake, hw, clock, ts: str) -> list[dict[str, Any]]:
    """Tick past the 15-minute batching of late changes; the update of that digest."""
    before = [c for c in fake.calls_to("chat.update") if c.args["ts"] == ts]
    clock.advance(minutes=16)
    assert tick(hw).digests_updated == 1
    after = [c for c in fake.calls_to("chat.update") if c.args["ts"] == ts]
    assert len(after) == len(before) + 1
    return after[-1].args["blocks"]


def track_button(blocks: list[dict[str, Any]], containing: str) -> dict[str, Any] | None:
    """The Track it button beside the entry whose text has `containing`."""
    return next((b["accessory"] for b in blocks if b.get("accessory", {}).get("action_id")
                 == PROBLEM_TRACK and containing in b["text"]["text"]), None)


def message_of(fake, channel: str, ts: str) -> dict[str, Any]:
    [msg] = [m for m in fake.messages(channel) if m["ts"] == ts]
    return msg


def the_problem(hw, team) -> TrackedProblem:
    [problem] = hw.store.problems.of_team(TEAM, team.id)
    return problem


def problems_list(slack: SlackDriver, fake, user: str) -> list[dict[str, Any]]:
    """`/headway problems` run in the digest channel: the list's blocks."""
    resp = slack.command("problems", user=user, channel=DIGEST)
    assert resp.status == 200
    return fake.wait_for_response(resp.response_url).args["blocks"]


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The list's buttons and selects by action id (one problem listed)."""
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def section_text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")


# ── the life of a tracked firefight ─────────────────────────────────────────


def test_a_firefight_tracked_from_the_digest_is_counted_fixed_and_reopened_when_it_returns(
        slack, fake, hw, clock, team, settle):
    # Three weeks of the same firefight (in other words each time), beside other work.
    for week, text, other in [(15, FIREFIGHT, "Answered support tickets"),
                              (16, FIREFIGHT, "Renewed the office lease"),
                              (17, "restarted the billing export job", "Answered support tickets")]:
        report(slack, hw, clock, settle, week, ADA, f"- {text}\n- Shipped the refunds flow")
        report(slack, hw, clock, settle, week, BO, f"- {other}")
    ts17, blocks = post_digest_of(fake, hw, clock, 17)
    text17 = flat(blocks)
    assert "Recurring firefights" in text17 and "3 of the last 4 weeks" in text17
    button = track_button(blocks, "billing export")
    assert button is not None and button["text"]["text"] == "Track it"
    assert track_button(blocks, "support tickets") is None  # 2 weeks of 4: not recurring
    assert "Tracked problems" not in text17

    # Ada presses Track it: tracked, owned by her, started this week.
    clock.now = monday_after(17, 9, 30)
    digest = message_of(fake, DIGEST, ts17)
    pressed = slack.click(PROBLEM_TRACK, button["value"], user=ADA, channel=DIGEST,
                          message_ts=ts17, message=digest)
    said = fake.wait_for_response(pressed.response_url).args
    assert said["response_type"] == "ephemeral" and said.get("replace_original") is False
    assert "Tracked for *Team*" in said["text"] and "You own it" in said["text"]
    problem = the_problem(hw, team)
    assert (problem.kind, problem.owner, problem.status, problem.started, problem.weeks) == (
        "firefight", ADA, "open", "2026-W17", ("2026-W17",))
    # The texts it was recognised by are what later weeks are matched against.
    assert FIREFIGHT in problem.references and "restarted the billing export job" in \
        problem.references

    # A second press (a double click, or Bo pressing it too) tracks nothing new.
    for user in (ADA, BO):
        again = slack.click(PROBLEM_TRACK, button["value"], user=user, channel=DIGEST,
                            message_ts=ts17, message=digest)
        assert "already tracked" in fake.wait_for_response(again.response_url).args["text"]
    assert len(hw.store.problems.of_team(TEAM, team.id)) == 1

    # The posted digest follows: the button gives way to the problem, listed as open.
    update = updated_digest(fake, hw, clock, ts17)
    assert track_button(update, "billing export") is None
    shown = section_text(update)
    assert "tracked, open, owner Ada" in shown
    assert "*:pushpin: Tracked problems*" in shown
    assert "1 week of firefighting this quarter" in shown

    # It comes back two more weeks: counted each time, the cost grows.
    sent = report(slack, hw, clock, settle, 18, ADA, "- Billing export job restarted again")
    ts18, blocks = post_digest_of(fake, hw, clock, 18)
    assert "2 weeks of firefighting this quarter" in section_text(blocks)
    # Ada edits her W18 answer in Slack: the digest is rebuilt and the week recounted —
    # counted once, not twice.
    clock.now = monday_after(18, 10)
    edited = "- Billing export job restarted again\n- Wrote the onboarding guide"
    slack.event(message_changed(sent, edited))
    wait_for(lambda: any(r.text == edited for r in hw.store.replies.of(TEAM, user_id=ADA)),
             what="the edit")
    settle()
    update = updated_digest(fake, hw, clock, ts18)
    assert "onboarding guide" in flat(update)
    assert "2 weeks of firefighting this quarter" in section_text(update)
    assert the_problem(hw, team).weeks == ("2026-W17", "2026-W18")

    report(slack, hw, clock, settle, 19, ADA, "- Restarted the billing export job again (twice)")
    _, blocks = post_digest_of(fake, hw, clock, 19)
    assert "3 weeks of firefighting this quarter" in section_text(blocks)
    assert the_problem(hw, team).weeks == ("2026-W17", "2026-W18", "2026-W19")

    # Tuesday of W20: Bo opens the list, takes the problem over and marks it fixed.
    clock.now = utc(2026, 5, 12, 11, 0)
    listed = problems_list(slack, fake, BO)
    assert "3 weeks this quarter, 3 since tracked" in section_text(listed)
    found = buttons(listed)
    assert PROBLEM_UNTRACK not in found, "a member is not offered Untrack"
    pid = the_problem(hw, team).id
    picked = slack.select_user(PROBLEM_OWNER, f"{PROBLEM_BLOCK}{pid}", BO, user=BO,
                               channel=DIGEST, message_ts="1.0")
    redrawn = fake.wait_for_response(picked.response_url).args
    assert redrawn["replace_original"] is True and f"owner <@{BO}>" in section_text(
        redrawn["blocks"])
    fixed = found[f"{PROBLEM_STATUS}_fixed"]
    assert fixed["value"] == f"{pid}:fixed" and fixed["text"]["text"] == "Mark fixed"
    for _ in range(2):  # a double click: the same outcome
        clicked = slack.click(fixed["action_id"], fixed["value"], user=BO, channel=DIGEST,
                              message_ts="1.0", ephemeral=True)
        shown = section_text(fake.wait_for_response(clicked.response_url).args["blocks"])
        assert ":white_check_mark: *fixed*" in shown and "fixed in 2026-W20" in shown
    problem = the_problem(hw, team)
    assert (problem.status, problem.fixed_at, problem.owner) == ("fixed", "2026-W20", BO)

    # W20 has no firefight: the digest says it was fixed this week, and what it cost.
    report(slack, hw, clock, settle, 20, ADA, "- Shipped the billing export retry logic")
    _, blocks = post_digest_of(fake, hw, clock, 20)
    shown = section_text(blocks)
    assert "*Fixed this week*" in shown and "cost 3 weeks of firefighting" in shown
    assert "owner Bo" in shown and "Back again" not in shown

    # W21: it is back. The digest reopens it and calls it out.
    report(slack, hw, clock, settle, 21, ADA, "- Billing export job hung, restarted it again")
    _, blocks = post_digest_of(fake, hw, clock, 21)
    shown = section_text(blocks)
    assert "*Back again* — marked fixed, and its firefight came back" in shown
    assert "fixed in 2026-W20, back this week" in shown
    assert "4 weeks of firefighting this quarter" in shown
    problem = the_problem(hw, team)
    assert (problem.status, problem.reopened_at) == ("open", "2026-W21")
    assert problem.weeks == ("2026-W17", "2026-W18", "2026-W19", "2026-W21")


# ── who may untrack ─────────────────────────────────────────────────────────


def test_untrack_is_refused_to_a_member_and_done_for_the_lead(slack, fake, hw, clock, team):
    clock.now = utc(2026, 4, 14, 11, 0)  # 2026-W16
    stored = hw.store.problems.add(
        TEAM, team.id, TrackedProblem(title=FIREFIGHT, kind="firefight", owner=ADA,
                                      started="2026-W15", references=(FIREFIGHT,),
                                      weeks=("2026-W15",)),
        source_period="2026-W15", source_key="0123456789ab", tracked_by=ADA, now=clock.now)
    assert stored is not None and stored.id is not None

    # Bo is a member: his list has no Untrack, and a click made anyway is refused.
    assert PROBLEM_UNTRACK not in buttons(problems_list(slack, fake, BO))
    refused = slack.click(PROBLEM_UNTRACK, str(stored.id), user=BO, channel=DIGEST,
                          message_ts="1.0", ephemeral=True)
    said = fake.wait_for_response(refused.response_url).args
    assert said["text"] == UNTRACK_REFUSED and said.get("replace_original") is False
    assert hw.store.problems.get(TEAM, stored.id) is not None

    # Cy leads the team: his list offers Untrack, and it works.
    untrack = buttons(problems_list(slack, fake, CY))[PROBLEM_UNTRACK]
    assert untrack["value"] == str(stored.id) and "confirm" in untrack
    done = slack.click(PROBLEM_UNTRACK, untrack["value"], user=CY, channel=DIGEST,
                       message_ts="1.0", ephemeral=True)
    after = fake.wait_for_response(done.response_url).args
    assert after["replace_original"] is True
    assert "tracks no problems yet" in section_text(after["blocks"])
    assert hw.store.problems.of_team(TEAM, team.id) == []
    # A double click finds it gone, and says so without touching the list.
    again = slack.click(PROBLEM_UNTRACK, untrack["value"], user=CY, channel=DIGEST,
                        message_ts="1.0", ephemeral=True)
    said = fake.wait_for_response(again.response_url).args
    assert "no longer tracked" in said["text"] and said["replace_original"] is False


def test_someone_outside_the_team_cannot_track_its_firefight(slack, fake, hw, clock, team):
    clock.now = utc(2026, 4, 13, 9, 30)
    fake.add_user("U0OUT44", tz="UTC", name="Outsider")
    value = track_value(team.id, "2026-W15", "firefight", FIREFIGHT)
    pressed = slack.click(PROBLEM_TRACK, value, user="U0OUT44", channel=DIGEST,
                          message_ts="1.0")
    said = fake.wait_for_response(pressed.response_url).args
    assert said["text"] == TRACK_REFUSED and said["response_type"] == "ephemeral"
    assert hw.store.problems.of_team(TEAM, team.id) == []
    # A value that names no team of this workspace, is not a Track it value at all, or names
    # an entry the week's digest does not have (its answer was edited since, say).
    for bad, says in [(track_value(999, "2026-W15", "firefight", FIREFIGHT), "no longer exists"),
                      ("1:2026-W15:firefight:<!channel>", "is not a Track it button's value"),
                      (track_value(team.id, "2026-W15", "firefight", FIREFIGHT),
                       "no longer in the 2026-W15 digest")]:
        pressed = slack.click(PROBLEM_TRACK, bad, user=ADA, channel=DIGEST, message_ts="1.0")
        text = fake.wait_for_response(pressed.response_url).args["text"]
        assert says in text and "<!channel>" not in text


def test_a_workspace_admin_who_is_not_in_the_team_may_untrack(slack, fake, hw, clock, team):
    clock.now = utc(2026, 4, 14, 11, 0)
    fake.add_user("U0ADMIN9", tz="UTC", name="Owner", is_admin=True)
    stored = hw.store.problems.add(
        TEAM, team.id, TrackedProblem(title=FIREFIGHT, kind="firefight", owner=ADA,
                                      started="2026-W15", references=(FIREFIGHT,)),
        source_period="2026-W15", source_key="0123456789ab", tracked_by=ADA, now=clock.now)
    done = slack.click(PROBLEM_UNTRACK, str(stored.id), user="U0ADMIN9", channel=DIGEST,
                       message_ts="1.0", ephemeral=True)
    assert "tracks no problems yet" in section_text(
        fake.wait_for_response(done.response_url).args["blocks"])
    assert fake.calls_to("users.info")[-1].args["user"] == "U0ADMIN9"  # Slack was asked


# ── "did we move on it?" ────────────────────────────────────────────────────


def test_the_follow_up_answer_is_recorded_on_the_tracked_problem_and_shown_to_its_owner(
        slack, fake, hw, clock, team, settle):
    default = hw.pack_for(None)
    hw.packs["agenda"] = PromptPack("agenda", "work + the problem question", tuple(
        p for p in default.prompts if p.id in (default.work_prompt.id, "problem")))
    hw.store.teams.update(TEAM, team.id, pack="agenda")

    def problem_nudge(user: str, period: str):
        return next(n for n in hw.store.nudges.of(TEAM, user)
                    if n.prompt_id == "problem" and n.period == period)

    # W15, Friday 15:00: everyone is asked; Ada and Cy name the same problem.
    clock.now = utc(2026, 4, 10, 15, 0)
    tick(hw)
    for user, text in [(ADA, "The billing export keeps hanging overnight"),
                       (CY, "billing export hanging again")]:
        record_answer(hw, TEAM, user, text, source="modal",
                      nudge_id=problem_nudge(user, "2026-W15").id)
    ts15, blocks = post_digest_of(fake, hw, clock, 15)
    assert "Problems we should be fixing" in flat(blocks)
    button = track_button(blocks, "billing export")
    clock.now = monday_after(15, 9, 30)
    pressed = slack.click(PROBLEM_TRACK, button["value"], user=ADA, channel=DIGEST,
                          message_ts=ts15, message=message_of(fake, DIGEST, ts15))
    assert "You own it" in answer_to(fake, pressed)
    problem = the_problem(hw, team)
    assert (problem.kind, problem.owner) == ("problem", ADA)

    # W16, Friday: the follow-up about it comes as its own DM with answer buttons, before
    # the question; the question itself no longer repeats the line.
    clock.now = utc(2026, 4, 17, 15, 0)
    tick(hw)
    nudge = problem_nudge(BO, "2026-W16")
    follow_up = fake.wait_for_call(
        "chat.postMessage", lambda c: c.args["channel"] == BO
        and f"follow_up:{nudge.id}" in flat(c.args.get("blocks")), what="Bo's follow-up")
    assert "Last week the team named" in flat(follow_up.args["blocks"])
    question = next(c for c in fake.calls_to("chat.postMessage")
                    if (c.args.get("metadata") or {}).get("event_payload", {})
                    .get("nudge_id") == nudge.id)
    assert "Last week the team named" not in flat(question.args["blocks"])
    assert follow_up.at < question.at

    # Bo answers "partly" (twice: a double click); the DM marks his answer.
    channel, ts = follow_up.response["channel"], follow_up.response["ts"]
    partly = FOLLOW_UP_ACTIONS["partly"]
    for _ in range(2):
        slack.click(partly, f"{nudge.id}:{problem.id}", user=BO, channel=channel,
                    message_ts=ts, message=message_of(fake, channel, ts))
        settle()
    redraw = fake.wait_for_call("chat.update", lambda c: c.args["ts"] == ts
                                and "Recorded: *partly*" in flat(c.args["blocks"]),
                                what="the follow-up redrawn")
    [chosen] = [e["text"]["text"] for b in redraw.args["blocks"] if b["type"] == "actions"
                for e in b["elements"] if e.get("style") == "primary"]
    assert chosen == "Partly"
    answers = the_problem(hw, team).follow_ups
    assert [(f.period, f.answer) for f in answers] == [("2026-W16", "partly")]
    # Someone else's click on Bo's follow-up records nothing.
    slack.click(FOLLOW_UP_ACTIONS["no"], f"{nudge.id}:{problem.id}", user=CY,
                channel=channel, message_ts=ts, message=message_of(fake, channel, ts))
    settle()
    assert [f.answer for f in the_problem(hw, team).follow_ups] == ["partly"]

    # Ada owns it: her App Home shows the problem and the team's answer.
    slack.event({"type": "app_home_opened", "user": ADA, "channel": "D1", "tab": "home"})
    home = fake.wait_for_call("views.publish", lambda c: c.args["user_id"] == ADA
                              and "Problems you own" in flat(c.args["view"]),
                              what="Ada's App Home").args["view"]
    assert "did we move on it? *partly* (2026-W16)" in flat(home)
    assert "The billing export keeps hanging overnight" in flat(home)
    # Bo owns nothing: his Home has no such section.
    slack.event({"type": "app_home_opened", "user": BO, "channel": "D2", "tab": "home"})
    settle()
    bo = [c for c in fake.calls_to("views.publish") if c.args["user_id"] == BO][-1]
    assert "Problems you own" not in flat(bo.args["view"])

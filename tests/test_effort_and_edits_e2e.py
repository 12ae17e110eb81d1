"""The effort behind the share and edits from Headway, driven the way Slack drives them:
signed requests in (slackdriver.py), Web API calls out to the fake Slack, the scheduler's
tick at injected times.

- The effort question under the weekly work question: tapped in the nudge (open or
  answered), changed by tapping again, the same tap twice harmless; the digest shows the
  time-weighted share once enough answered, and follows a change; App Home shows the
  member's own answers.
- An answer given in the form, edited from App Home and from `/headway history`: the form
  opens filled in, lines left alone keep their labels and the member's fix, the
  confirmation DM is updated in place, and the posted digest follows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

import pytest
from conftest import wait_for
from slackdriver import SlackDriver
from teams_setup import digest_team

from bot.core import messages
from bot.core.edits import fingerprint
from bot.core.messages import edit as edit_messages
from bot.core.model import Member, Nudge, Reply
from bot.scheduler import tick

TEAM, DIGEST = "T0001", "C0DIGEST"
USERS = ("U1", "U2", "U3", "U4")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def team(fake, hw, clock) -> None:
    """Four members in UTC, each with this week's (2026-W47) questions in their DMs; the
    digest goes to #digest on Mondays at 09:00."""
    clock.now = utc(2026, 11, 20, 15, 0)  # Friday 15:00, their nudge time
    hw.store.workspaces.ensure(TEAM, clock.now, "Acme")
    for uid in USERS:
        fake.add_user(uid, tz="UTC", name=f"Member {uid}")
        hw.store.members.upsert(Member(TEAM, uid, tz="UTC", days=(4,), nudge_time=time(15),
                                       name=f"Member {uid}"), clock.now)
    digest_team(hw, TEAM, DIGEST, tz="UTC", digest_day=0, digest_time=time(9))
    tick(hw)
    assert all(work_nudge(hw, uid).ts for uid in USERS)  # canary: the nudges are out


def work_nudge(hw, user: str) -> Nudge:
    pack = hw.pack_for(hw.store.workspaces.get(TEAM))
    [nudge] = [n for n in hw.store.nudges.of(TEAM, user) if pack.get(n.prompt_id).kind == "work"]
    return nudge


def message_of(fake, channel: str, ts: str) -> dict[str, Any]:
    """A message as it stands in Slack now (what Slack sends along with a click on it)."""
    [msg] = [m for m in fake.messages(channel) if m["ts"] == ts]
    return msg


def flat(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def redraw(fake, channel: str, ts: str, containing: str, times: int = 1):
    """The `times`-th chat.update of that very message showing `containing`."""
    def found():
        calls = [c for c in fake.calls_to("chat.update")
                 if (c.args.get("channel"), c.args.get("ts")) == (channel, ts)
                 and containing in flat(c.args.get("blocks"))]
        return calls[times - 1] if len(calls) >= times else None
    return wait_for(found, what=f"the redraw of {channel}/{ts} with {containing!r}")


def tap_effort(slack: SlackDriver, fake, hw, user: str, choice: str):
    nudge = work_nudge(hw, user)
    return slack.click(messages.EFFORT_ACTIONS[choice], str(nudge.id), user=user,
                       channel=nudge.channel, message_ts=nudge.ts,
                       message=message_of(fake, nudge.channel, nudge.ts))


def answer_in_thread(slack: SlackDriver, fake, hw, user: str, text: str) -> None:
    """A DM reply in the work question's thread (so it answers that question), confirmed."""
    nudge = work_nudge(hw, user)
    slack.event(slack.dm_event(text, user, thread_ts=nudge.ts))
    redraw(fake, nudge.channel, nudge.ts, "answered — thanks!")


def answer_in_form(slack: SlackDriver, fake, hw, user: str, text: str) -> Reply:
    """The work question answered with its Answer button and form; returns the reply once
    its confirmation DM is out."""
    nudge = work_nudge(hw, user)
    slack.click(messages.ANSWER, str(nudge.id), user=user, channel=nudge.channel,
                message_ts=nudge.ts)
    fake.wait_for_call("views.open", lambda c: c.args["view"].get("private_metadata")
                       == str(nudge.id), what="the answer form")
    slack.submit_view(messages.ANSWER_VIEW, typed(text), private_metadata=str(nudge.id),
                      user=user)
    redraw(fake, nudge.channel, nudge.ts, "answered — thanks!")
    [reply] = [r for r in hw.store.replies.of(TEAM, user_id=user) if r.text == text]
    return reply


def typed(text: str) -> dict[str, Any]:
    """The form's state.values as Slack sends them (the shape of SlackDriver.submit_view)."""
    return {messages.ANSWER_BLOCK: {messages.ANSWER_INPUT: {"type": "plain_text_input",
                                                             "value": text}}}


def posted_digest(fake):
    """The digest's main message as posted (its thread replies left aside)."""
    [main] = [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == DIGEST
              and "thread_ts" not in c.args]
    return main


def digest_updates(fake, ts: str) -> list[Any]:
    return [c for c in fake.calls_to("chat.update") if c.args["ts"] == ts]


def next_update(fake, hw, clock, ts: str) -> str:
    """Tick past the digest's batching window (15 minutes) and return the update it made."""
    before = len(digest_updates(fake, ts))
    clock.advance(minutes=16)
    assert tick(hw).digests_updated == 1
    calls = digest_updates(fake, ts)
    assert len(calls) == before + 1
    return flat(calls[-1].args["blocks"])


def open_home(slack, fake, user: str, containing: str):
    slack.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    return fake.wait_for_call("views.publish", lambda c: c.args.get("user_id") == user
                              and containing in flat(c.args["view"]),
                              what=f"{user}'s App Home with {containing!r}").args["view"]


def edit_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b["accessory"] for b in blocks
            if b.get("accessory", {}).get("action_id") == messages.EDIT_ANSWER]


def edit_form(fake, reply_id: int) -> dict[str, Any]:
    """The edit form opened for that reply."""
    return fake.wait_for_call(
        "views.open", lambda c: c.args["view"].get("callback_id") == messages.EDIT_VIEW
        and f'"reply":{reply_id},' in c.args["view"]["private_metadata"],
        what=f"the edit form of reply {reply_id}").args["view"]


def notice(fake, text: str) -> dict[str, Any]:
    """The modal saying why an answer cannot be edited."""
    return fake.wait_for_call("views.open", lambda c: text in flat(c.args["view"]),
                              what=f"the notice {text!r}").args["view"]


# ── the effort behind the share ──────────────────────────────────────────────


def test_the_effort_question_is_answered_in_the_nudge_and_shown_in_the_digest_and_home(
        slack, fake, hw, clock, team, settle):
    u1 = work_nudge(hw, "U1")
    # Tapped on the open question: it stays open, the answer is marked.
    tap_effort(slack, fake, hw, "U1", "half")
    shown = redraw(fake, u1.channel, u1.ts, "You said *about half*").args["blocks"]
    assert [e["text"]["text"] for b in shown if b["type"] == "actions"
            for e in b["elements"] if e.get("style") == "primary"] == ["Answer", "Half"]
    answer_in_thread(slack, fake, hw, "U1", "- Shipped the refunds flow\n"
                                            "- Restarted the export job again")
    # Answered: the question closes, the effort answer stays shown.
    assert "about half" in flat(message_of(fake, u1.channel, u1.ts)["blocks"])

    answer_in_thread(slack, fake, hw, "U2", "- Answered support tickets all week")
    answer_in_thread(slack, fake, hw, "U3", "- Launched the partner portal")
    u2 = work_nudge(hw, "U2")
    tap_effort(slack, fake, hw, "U2", "three_quarters")  # on the answered question
    closed = redraw(fake, u2.channel, u2.ts, "about three quarters").args["blocks"]
    assert "answered — thanks!" in flat(closed)

    # Monday: 3 of 4 replied, 2 said how much went to lights-on: not enough to show.
    clock.now = utc(2026, 11, 23, 9, 0)
    assert tick(hw).digests_posted == 1
    first = posted_digest(fake)
    main_ts = first.response["ts"]
    assert "3 of 4" in flat(first.args["blocks"])
    assert "Time on keeping the lights on" not in flat(first.args["blocks"])

    # U3 answers too: the posted digest follows. (0.5 + 0.75 + 0.25) / 3 = 50%.
    clock.now = utc(2026, 11, 23, 10, 0)
    tap_effort(slack, fake, hw, "U3", "quarter")
    wait_for(lambda: hw.store.efforts.get(TEAM, "U3", "2026-W47") == "quarter", what="U3's")
    assert "~50% of the week, by 3 members' own estimate" in next_update(fake, hw, clock,
                                                                         main_ts)

    # U1 taps another answer: changed in place; (0.9 + 0.75 + 0.25) / 3 = 63%.
    tap_effort(slack, fake, hw, "U1", "nearly_all")
    redraw(fake, u1.channel, u1.ts, "You said *nearly all of it*")
    assert "~63% of the week" in next_update(fake, hw, clock, main_ts)

    # The same tap again (a double click, a redelivery): handled, nothing changes.
    tap_effort(slack, fake, hw, "U1", "nearly_all")
    redraw(fake, u1.channel, u1.ts, "You said *nearly all of it*", times=2)  # canary
    settle()
    assert [a.choice for a in hw.store.efforts.of_period(TEAM, "2026-W47")] == [
        "nearly_all", "three_quarters", "quarter"]
    clock.advance(minutes=16)
    assert tick(hw).digests_updated == 0, "nothing the digest shows changed"

    # Someone else's button: nothing stored for either of them.
    slack.click(messages.EFFORT_ACTIONS["none"], str(work_nudge(hw, "U4").id), user="U2",
                channel=u2.channel, message_ts=u2.ts, message=message_of(fake, u2.channel, u2.ts))
    settle()
    assert hw.store.efforts.get(TEAM, "U4", "2026-W47") is None
    assert hw.store.efforts.get(TEAM, "U2", "2026-W47") == "three_quarters"

    home = open_home(slack, fake, "U1", "lights-on time")
    assert "`2026-W47` " in flat(home) and "lights-on time: nearly all of it" in flat(home)


def test_a_tap_on_a_question_more_than_four_weeks_old_changes_nothing(slack, fake, hw, clock,
                                                                      team):
    clock.now = utc(2026, 12, 28, 10, 0)  # 2026-W53: W47 is six weeks back
    resp = tap_effort(slack, fake, hw, "U1", "half")
    said = fake.wait_for_response(resp.response_url)
    assert "more than 4 weeks ago" in said.args["text"]
    assert hw.store.efforts.get(TEAM, "U1", "2026-W47") is None


# ── edits from Headway ───────────────────────────────────────────────────────

FORM_ANSWER = ("- Shipped the refunds flow\n- Restarted the export job again\n"
               "- Reviewed the R&D <budget> notes")


def test_an_edit_from_app_home_keeps_the_fix_updates_the_confirmation_and_the_digest(
        slack, fake, hw, clock, team, settle):
    reply = answer_in_form(slack, fake, hw, "U1", FORM_ANSWER)
    answer_in_thread(slack, fake, hw, "U2", "- Launched the partner portal")
    # U1 fixes a label on the confirmation DM: the edit must keep it.
    restarted = next(i for i in reply.items if i.text == "Restarted the export job again")
    fixed_to = "progress" if restarted.label != "progress" else "ktlo"
    confirmation = fake.wait_for_call(
        "chat.postMessage", lambda c: "Stored your answer" in c.args.get("text", "")
        and "refunds" in flat(c.args["blocks"]), what="U1's confirmation").response
    slack.click(f"{messages.FLIP}_{fixed_to}", f"{restarted.id}:{fixed_to}", user="U1",
                channel=confirmation["channel"], message_ts=confirmation["ts"])
    wait_for(lambda: hw.store.replies.get_item(TEAM, restarted.id)[0].label_source == "user",
             what="U1's fix")

    clock.now = utc(2026, 11, 23, 9, 0)
    assert tick(hw).digests_posted == 1
    main_ts = posted_digest(fake).response["ts"]

    # Tuesday, from App Home: U1's form answer has an Edit button; U2's DM answer has none.
    clock.now = utc(2026, 11, 24, 10, 0)
    home = open_home(slack, fake, "U1", "Edit")
    [button] = edit_buttons(home["blocks"])
    assert button["value"] == str(reply.id)
    assert not edit_buttons(open_home(slack, fake, "U2", "edit that message in Slack")["blocks"])

    slack.click(messages.EDIT_ANSWER, button["value"], user="U1",
                view={"id": "VHOME", "type": "home", "team_id": TEAM})
    form = edit_form(fake, reply.id)
    [box] = [b for b in form["blocks"] if b["type"] == "input"]
    assert box["element"]["initial_value"] == FORM_ANSWER, "as typed: R&D <budget>, unescaped"

    edited = ("- Restarted the export job again\n- Reviewed the R&D <budget> notes\n"
              "- Automated the export job restarts")
    ok = slack.submit_view(messages.EDIT_VIEW, typed(edited), user="U1",
                           private_metadata=form["private_metadata"])
    assert ok.status == 200 and not ok.body.strip(), "acked, no errors"
    updated = redraw(fake, confirmation["channel"], confirmation["ts"],
                     "Updated your answer after your edit")
    assert "Automated the export job restarts" in flat(updated.args["blocks"])
    assert "refunds" not in flat(updated.args["blocks"])

    now = hw.store.replies.get(TEAM, reply.id)
    assert now.text == edited
    kept = next(i for i in now.items if i.text == "Restarted the export job again")
    assert (kept.id, kept.label, kept.label_source) == (restarted.id, fixed_to, "user")
    fake.wait_for_call("views.publish", lambda c: c.args.get("user_id") == "U1"
                       and "Automated the export job restarts" in flat(c.args["view"]),
                       what="App Home republished with the edit")
    settle()
    assert len([c for c in fake.calls_to("chat.postMessage")
                if "your answer" in c.args.get("text", "")
                and c.args["channel"] in (confirmation["channel"], "U1")]) == 1, \
        "the confirmation was updated, not sent again"

    shown = next_update(fake, hw, clock, main_ts)
    assert "Automated the export job restarts" in shown
    assert "Shipped the refunds flow" not in shown
    assert "1 corrected by members" in shown, "the fix survived the edit"


def test_an_edit_from_history_redraws_it_and_refuses_a_stale_form_and_others_answers(
        slack, fake, hw, clock, team, settle):
    reply = answer_in_form(slack, fake, hw, "U1", "- Wrote the migration plan")
    answer_in_thread(slack, fake, hw, "U2", "- Launched the partner portal")
    [u2_reply] = hw.store.replies.of(TEAM, user_id="U2")
    old = hw.store.replies.add(Reply(TEAM, "U1", "moved-forward", "work", "2026-W41",
                                     "Old news"), source="modal", now=clock.now)

    history = slack.command("history", user="U1").json()
    assert "Wrote the migration plan" in history["text"]
    [button] = edit_buttons(history["blocks"])
    assert button["value"] == str(reply.id), "the six-week-old answer has no Edit button"
    u2_history = slack.command("history", user="U2").json()
    assert not edit_buttons(u2_history["blocks"])
    assert edit_messages.IN_MESSAGE_NOTE in flat(u2_history["blocks"])

    click = slack.click(messages.EDIT_ANSWER, button["value"], user="U1", channel="C1",
                        message_ts="1700000000.000100", ephemeral=True)
    form = edit_form(fake, reply.id)
    done = slack.submit_view(messages.EDIT_VIEW, typed("- Wrote and shared the migration plan"),
                             user="U1", private_metadata=form["private_metadata"])
    assert done.status == 200
    redrawn = fake.wait_for_response(click.response_url).args
    assert redrawn["replace_original"] is True
    assert "Wrote and shared the migration plan" in redrawn["text"]
    assert hw.store.replies.get(TEAM, reply.id).text == "- Wrote and shared the migration plan"

    # The same form submitted again: the answer changed since it opened — refused, shown why.
    stale = slack.submit_view(messages.EDIT_VIEW, typed("- Something else"), user="U1",
                              private_metadata=form["private_metadata"])
    assert stale.json() == {"response_action": "errors",
                            "errors": {messages.ANSWER_BLOCK: edit_messages.CHANGED_MEANWHILE}}
    # Someone else's answer, and a DM answer, whatever the form says.
    for user, target in (("U2", reply), ("U2", u2_reply)):
        forged = edit_messages.EditForm(target.id, fingerprint(target.text), "home").encode()
        refused = slack.submit_view(messages.EDIT_VIEW, typed("- Mine now"), user=user,
                                    private_metadata=forged)
        assert refused.json()["response_action"] == "errors"
    settle()
    assert hw.store.replies.get(TEAM, reply.id).text == "- Wrote and shared the migration plan"
    assert hw.store.replies.get(TEAM, u2_reply.id).text == "- Launched the partner portal"

    # Edit buttons pressed where there should be none: the form says why instead.
    slack.click(messages.EDIT_ANSWER, str(old.id), user="U1", channel="C1",
                message_ts="1700000000.000100", ephemeral=True)
    notice(fake, "during their week and the 4 weeks after")
    slack.click(messages.EDIT_ANSWER, str(u2_reply.id), user="U2", channel="C1",
                message_ts="1700000000.000200", ephemeral=True)
    notice(fake, "edit (or delete) that message in Slack")
    slack.click(messages.EDIT_ANSWER, str(reply.id), user="U2", channel="C1",
                message_ts="1700000000.000300", ephemeral=True)
    notice(fake, "Only the person who wrote an answer can edit it")
    assert not [c for c in fake.calls_to("views.open")
                if c.args["view"].get("callback_id") == messages.EDIT_VIEW
                and f'"reply":{reply.id},' not in c.args["view"]["private_metadata"]]

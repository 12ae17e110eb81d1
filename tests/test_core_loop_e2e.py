"""The core loop, driven the way Slack drives it: signed requests in, Web API calls out.

Enrol with `/headway join`, get nudged by `headway nudge --now`, reply by DM, name a digest
channel with `/headway digest here`, post with `headway digest --post`.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
from conftest import answer_to, wait_for
from teams_setup import digest_channel

from bot.cli import main
from bot.core import messages


def _join(slack, fake, user: str = "U1") -> str:
    return answer_to(fake, slack.command("join", user=user))


def _dms(fake, user: str = "U1"):
    return [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == user]


def _confirmation(fake, text: str):
    """The confirmation DM of the answer `text` (each item is listed in it)."""
    return fake.wait_for_call(
        "chat.postMessage", lambda c: "Stored your answer" in c.args.get("text", "")
        and text in json.dumps(c.args.get("blocks")), what=f"the confirmation of {text!r}")


def nudge_blocks(fake, nudge) -> list:
    """The blocks of the nudge DM as first posted."""
    sent = fake.wait_for_call("chat.postMessage", lambda c: c.response and
                              c.response.get("ts") == nudge.ts, what="the nudge")
    return sent.args["blocks"]


def _redraw_of(fake, channel: str, ts: str):
    """The chat.update of that very message (a click's redraw, a nudge closed)."""
    return fake.wait_for_call("chat.update", lambda c: (c.args.get("channel"),
                                                        c.args.get("ts")) == (channel, ts),
                              what=f"the redraw of {channel}/{ts}")


# ── signatures ───────────────────────────────────────────────────────────────


def test_signed_help_gets_200_and_the_usage(slack):
    resp = slack.command("help")
    assert resp.status == 200
    text = resp.json()["text"]
    assert "/headway join" in text and "/headway digest here" in text
    assert resp.json().get("response_type", "ephemeral") == "ephemeral"


def test_forged_signature_is_rejected_with_401(slack, hw):
    resp = slack.command("join", signature="v0=" + "0" * 64)
    assert resp.status == 401
    assert hw.store.members.get("T0001", "U1") is None


def test_six_minute_old_signature_is_rejected_with_401(slack, hw):
    resp = slack.command("join", timestamp=int(time.time()) - 6 * 60)
    assert resp.status == 401
    assert hw.store.members.get("T0001", "U1") is None


def test_a_command_whose_form_mentions_payload_is_still_answered(slack, fake):
    """Found by the property tests: Bolt takes any form body containing the word "payload"
    for an interactivity payload and, with no `payload=` field, drops it (404). A member
    typing it, or any command from a channel called #payload-…, went unanswered."""
    typed = slack.command("payload")
    assert typed.status == 200 and "I don't know `payload`" in typed.json()["text"]
    # The same command body Slack sends (as in SlackDriver.command), from #payload-team.
    form = {"token": "legacy-verification-token", "team_id": "T0001", "team_domain": "acme",
            "channel_id": "C1", "channel_name": "payload-team", "user_id": "U1",
            "user_name": "u1", "command": "/headway", "text": "help", "api_app_id": "A0HEADWAY",
            "response_url": fake.new_response_url(), "trigger_id": "1.trigger"}
    helped = slack.post(urlencode(form), "application/x-www-form-urlencoded")
    assert helped.status == 200 and "/headway join" in helped.json()["text"]


def test_unknown_subcommand_gets_a_specific_message_and_the_usage(slack):
    body = slack.command("frobnicate now").json()["text"]
    assert "I don't know `frobnicate`" in body
    assert "Usage: `/headway" in body


def test_malformed_arguments_say_what_is_wrong(slack):
    assert "25:00" in slack.command("time 25:00").json()["text"] or "hour" in \
        slack.command("time 25:00").json()["text"]
    assert "not a number of weeks" in slack.command("pause forever").json()["text"]


# ── the acceptance path ──────────────────────────────────────────────────────


def test_join_then_nudge_now_sends_exactly_one_dm_and_a_second_run_none(
    slack, fake, hw, env, capsys
):
    fake.add_user("U1", tz="Europe/Berlin", name="ada")
    reply = _join(slack, fake)
    assert "You're in" in reply and "Europe/Berlin" in reply
    member = hw.store.members.get("T0001", "U1")
    assert member is not None and member.tz == "Europe/Berlin" and member.name

    assert main(["nudge", "--now"]) == 0
    dms = _dms(fake)
    assert len(dms) == 1
    dm = dms[0].args
    assert dm["metadata"]["event_type"] == messages.NUDGE_EVENT
    actions = [[e["action_id"] for e in b["elements"]] for b in dm["blocks"]
               if b["type"] == "actions"]
    # the question's buttons, then the optional effort question under the work question
    assert actions == [[messages.ANSWER, messages.SKIP, messages.SNOOZE],
                       list(messages.EFFORT_ACTIONS.values())]

    assert main(["nudge", "--now"]) == 0
    assert len(_dms(fake)) == 1, "the ledger must stop a second nudge for the same period"
    out = capsys.readouterr().out
    assert "sent 1" in out and "already sent 1" in out


def test_a_dm_reply_is_stored_labelled_and_confirmed(slack, fake, hw, env):
    fake.add_user("U1", tz="America/New_York")
    _join(slack, fake)
    assert main(["nudge", "--now"]) == 0
    [nudge] = hw.store.nudges.of("T0001", "U1")

    resp = slack.dm("- Shipped the new onboarding flow to all customers\n"
                    "- Restarted the billing export job again after it hung")
    assert resp.status == 200
    confirm = _confirmation(fake, "Restarted the billing export job again after it hung")
    replies = hw.store.replies.of("T0001", user_id="U1")
    assert len(replies) == 1
    items = replies[0].items
    assert [i.text for i in items] == [
        "Shipped the new onboarding flow to all customers",
        "Restarted the billing export job again after it hung",
    ]
    assert all(i.label in ("progress", "ktlo") for i in items)
    rows = [b for b in confirm.args["blocks"]
            if b["type"] == "actions" and b["block_id"].startswith("item:")]
    assert len(rows) == 2  # one row of label buttons per item
    assert all(len(r["elements"]) == 2 for r in rows)  # the other two labels
    assert hw.store.nudges.get(nudge.id).status == "answered"
    # the nudge message loses its buttons once answered
    closed = _redraw_of(fake, nudge.channel, nudge.ts)
    def question_buttons(blocks):
        return [b for b in blocks if b["type"] == "actions" and b["block_id"].startswith("nudge:")]
    assert closed.ok and not question_buttons(closed.args["blocks"])
    assert question_buttons(nudge_blocks(fake, nudge)), \
        "canary: the nudge as first sent had buttons"


def test_digest_here_then_digest_post_puts_the_reply_in_that_channel(slack, fake, hw, env,
                                                                     capsys):
    fake.add_user("U1", tz="Europe/Berlin")
    fake.add_user("UADMIN", tz="Europe/London", is_admin=True)
    _join(slack, fake)
    assert main(["nudge", "--now"]) == 0
    slack.dm("Shipped the self-serve analytics pilot")
    wait_for(lambda: hw.store.replies.of("T0001"), what="reply stored")

    answer = answer_to(fake, slack.command("digest here", user="UADMIN", channel="C0DIGEST"))
    assert "This channel now gets *acme*'s weekly digest" in answer
    assert digest_channel(hw, "T0001") == "C0DIGEST"

    assert main(["digest", "--post"]) == 0
    posts = [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C0DIGEST"]
    assert len(posts) == 1
    assert "Shipped the self-serve analytics pilot" in json.dumps(posts[0].args["blocks"])
    assert "posted" in capsys.readouterr().out

    # Posting again for the same week updates the message instead of posting twice.
    assert main(["digest", "--post"]) == 0
    assert len([c for c in fake.calls_to("chat.postMessage")
                if c.args["channel"] == "C0DIGEST"]) == 1
    assert any(c.args["channel"] == "C0DIGEST" for c in fake.calls_to("chat.update"))


def test_non_admin_cannot_choose_the_digest_channel(slack, fake, hw):
    fake.add_user("U2", tz="UTC")
    assert "Only workspace admins" in answer_to(
        fake, slack.command("digest here", user="U2", channel="C0DIGEST"))
    assert digest_channel(hw, "T0001") is None


def test_channel_broadcast_in_a_reply_never_reaches_slack_unescaped(slack, fake, hw, env):
    fake.add_user("U1", tz="UTC")
    fake.add_user("UADMIN", tz="UTC", is_owner=True)
    _join(slack, fake)
    assert main(["nudge", "--now"]) == 0
    slack.dm("<!channel> shipped the <@U2> thing; <!subteam^S1|@ops> fixed the outage again")
    _confirmation(fake, "fixed the outage again")
    assert "weekly digest" in answer_to(
        fake, slack.command("digest here", user="UADMIN", channel="C0DIGEST"))
    assert main(["digest", "--post"]) == 0

    everything = json.dumps([c.args for c in fake.calls])
    for live in ("<!channel>", "<@U2>", "<!subteam^S1"):
        assert live not in everything
    digest = [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C0DIGEST"]
    # Shown as people read them in Slack, as plain text, and one item: no split at ";".
    assert ("@channel shipped the @someone thing; @ops fixed the outage again"
            in json.dumps(digest[0].args["blocks"]))
    # stored exactly as written
    assert hw.store.replies.of("T0001")[0].text.startswith("<!channel> shipped")


# ── buttons, the modal and App Home ──────────────────────────────────────────


@pytest.fixture
def nudged(slack, fake, hw, env):
    fake.add_user("U1", tz="Asia/Kolkata")
    _join(slack, fake)
    assert main(["nudge", "--now"]) == 0
    nudge = hw.store.nudges.of("T0001", "U1")[0]
    return nudge


def test_answer_button_opens_the_modal_and_submitting_it_stores_the_answer(
    slack, fake, hw, nudged
):
    resp = slack.click(messages.ANSWER, str(nudged.id), user="U1",
                       channel=nudged.channel, message_ts=nudged.ts)
    assert resp.status == 200
    opened = fake.wait_for_call("views.open", what="views.open")  # the only one there is
    assert opened.args["view"]["private_metadata"] == str(nudged.id)

    empty = slack.submit_view(messages.ANSWER_VIEW, {messages.ANSWER_BLOCK: {
        messages.ANSWER_INPUT: {"type": "plain_text_input", "value": "   "}}},
        private_metadata=str(nudged.id))
    assert empty.json()["response_action"] == "errors"

    ok = slack.submit_view(messages.ANSWER_VIEW, {messages.ANSWER_BLOCK: {
        messages.ANSWER_INPUT: {"type": "plain_text_input",
                                "value": "Automated the invoice reminders"}}},
        private_metadata=str(nudged.id))
    assert ok.status == 200
    replies = wait_for(lambda: hw.store.replies.of("T0001"), what="modal reply stored")
    assert replies[0].text == "Automated the invoice reminders"
    assert hw.store.nudges.get(nudged.id).status == "answered"


def test_skip_this_week_closes_the_nudge_and_stops_further_nudges(slack, fake, hw, nudged):
    slack.click(messages.SKIP, str(nudged.id), user="U1", channel=nudged.channel,
                message_ts=nudged.ts)
    update = _redraw_of(fake, nudged.channel, nudged.ts)
    assert "skipped" in json.dumps(update.args["blocks"])
    assert hw.store.nudges.is_skipped("T0001", "U1", nudged.period)


def test_someone_else_cannot_press_my_buttons(slack, fake, hw, nudged, settle):
    fake.add_user("U2", tz="UTC")
    slack.click(messages.SKIP, str(nudged.id), user="U2", channel=nudged.channel,
                message_ts=nudged.ts)
    settle()  # the click's listener has finished: whatever it would do, it has done
    assert not fake.calls_to("chat.update")
    assert not hw.store.nudges.is_skipped("T0001", "U1", nudged.period)


def test_one_click_fixes_a_label_and_the_correction_is_remembered(slack, fake, hw, nudged):
    slack.dm("Weekly status meeting with finance")
    wait_for(lambda: hw.store.replies.of("T0001"), what="reply")
    item = hw.store.replies.of("T0001")[0].items[0]
    other = "progress" if item.label == "ktlo" else "ktlo"
    confirm = _confirmation(fake, "Weekly status meeting with finance")
    channel, ts = confirm.response["channel"], confirm.response["ts"]
    slack.click(messages.FLIP, f"{item.id}:{other}", user="U1", channel=channel,
                message_ts=ts)
    assert "you set" in json.dumps(_redraw_of(fake, channel, ts).args["blocks"])
    fixed = hw.store.replies.of("T0001")[0].items[0]
    assert fixed.label == other and fixed.label_source == "user"
    assert hw.store.replies.corrections("T0001") == [("Weekly status meeting with finance", other)]


def test_app_home_shows_recent_answers_and_settings(slack, fake, hw, nudged, settle):
    slack.dm("Launched the partner portal")
    wait_for(lambda: hw.store.replies.of("T0001"), what="reply")
    settle()
    before = len(fake.calls_to("views.publish"))
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    settle()  # the event's listener is done: the publish it made is the one after `before`
    [published] = fake.calls_to("views.publish")[before:]
    assert published.ok and published.args["user_id"] == "U1"
    flat = json.dumps(published.args["view"])
    assert "Launched the partner portal" in flat
    assert "Asia/Kolkata" in flat


def test_a_dm_from_someone_not_enrolled_is_not_stored(slack, fake, hw):
    fake.add_user("U7", tz="UTC")
    slack.dm("hello?", user="U7")
    note = fake.wait_for_call("chat.postMessage", lambda c: c.args.get("channel") in (
        "U7", fake.dm_channel("U7")), what="the note to U7")
    assert "/headway join" in note.args["text"]
    assert hw.store.replies.of("T0001") == []


# ── the rest of the slash command ────────────────────────────────────────────


def test_team_add_a_channel_uses_paginated_lists_not_one_lookup_per_person(slack, fake, hw):
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    people = [f"U{n:03d}" for n in range(250)]
    for uid in people:
        fake.add_user(uid, tz="Europe/Paris")
    fake.add_user("UBOT2", tz="UTC", is_bot=True)
    fake.add_channel("CENG", name="eng", members=[*people, "UBOT2"])
    answer = answer_to(fake, slack.command("team add <#CENG|eng> <@U001|u001>", user="UADMIN"))
    # skipped: the other bot, and Headway itself (a member of the channel)
    assert answer.startswith("Added 250 members to *acme*.") and "Skipped 2" in answer
    assert len(hw.store.members.of("T0001")) == 250
    assert hw.store.members.get("T0001", "U042").tz == "Europe/Paris"
    assert len(fake.calls_to("users.info")) == 1  # only the admin check
    assert len(fake.calls_to("users.list")) >= 2  # paginated


def test_member_settings_commands(slack, fake, hw, clock):
    fake.add_user("U1", tz="America/Chicago")
    _join(slack, fake)
    assert "not paused" in slack.command("resume", user="U1").json()["text"]
    assert "Paused for 2 weeks" in slack.command("pause 2", user="U1").json()["text"]
    assert hw.store.members.get("T0001", "U1").paused_until is not None
    assert "Welcome back" in slack.command("resume", user="U1").json()["text"]
    text = slack.command("time 8:45am mon,thu", user="U1").json()["text"]
    assert "Mon, Thu at 08:45" in text and "America/Chicago" in text
    assert "Skipping week" in slack.command("skip", user="U1").json()["text"]
    assert "already skipping" in slack.command("skip", user="U1").json()["text"]
    assert "Anonymous on" in slack.command("anonymous on", user="U1").json()["text"]
    assert hw.store.members.get("T0001", "U1").anonymous
    assert "No answers yet" in slack.command("history", user="U1").json()["text"]
    assert "progress share" in slack.command("stats", user="U1").json()["text"]
    assert "no more questions" in slack.command("leave", user="U1").json()["text"]
    assert "not in Headway yet" in slack.command("skip", user="U1").json()["text"]


def test_digest_preview_is_ephemeral_blocks(slack, fake, hw):
    fake.add_user("U1", tz="UTC")
    _join(slack, fake)
    body = slack.command("digest preview", user="U1").json()
    assert body["response_type"] == "ephemeral"
    assert body["blocks"][0]["type"] == "header"
    assert "Preview" in json.dumps(body["blocks"][-1])


def test_forget_me_asks_first_then_deletes(slack, fake, hw, nudged):
    slack.dm("Shipped the thing")
    wait_for(lambda: hw.store.replies.of("T0001"), what="reply")
    ask = fake.wait_for_response(slack.command("forget me", user="U1").response_url)
    assert ask.args["blocks"][1]["elements"][0]["action_id"] == "forget_confirm"
    slack.click("forget_confirm", "yes", user="U1", channel="D1", message_ts="1.0")
    wait_for(lambda: hw.store.members.get("T0001", "U1") is None, what="member forgotten")
    assert hw.store.replies.of("T0001") == [] and hw.store.nudges.of("T0001", "U1") == []


def test_export_sends_my_data_as_json_and_csv_files_in_my_dm(slack, fake, hw, nudged):
    slack.dm("- Shipped the <b>importer</b>\n- Fixed the outage again")
    wait_for(lambda: hw.store.replies.of("T0001"), what="reply")
    answer = answer_to(fake, slack.command("export", user="U1"))
    assert "JSON and CSV" in answer
    [done] = fake.calls_to("files.completeUploadExternal")
    assert done.args["channel_id"] == fake.dm_channel("U1")
    contents = {f["title"]: fake.file_content(f["id"]).decode() for f in done.args["files"]}
    exported = json.loads(contents["Headway export (JSON)"])
    assert exported["member"]["user_id"] == "U1"
    assert [i["text"] for i in exported["replies"][0]["items"]] == [
        "Shipped the <b>importer</b>", "Fixed the outage again"]
    assert "Fixed the outage again" in contents["Headway export (CSV)"]


def test_a_click_on_a_message_that_is_gone_still_counts_and_logs_no_error(
    slack, fake, hw, nudged, caplog
):
    # Found by the property tests: the skip is stored, then redrawing the clicked message
    # fails (deleted, or a forged container) — that must not turn into a listener error.
    resp = slack.click(messages.SKIP, str(nudged.id), user="U1", channel="DGONE",
                       message_ts="9.9")
    assert resp.status == 200
    wait_for(lambda: hw.store.nudges.is_skipped("T0001", "U1", nudged.period), what="the skip")
    assert _redraw_of(fake, "DGONE", "9.9").error  # Slack refused it: the message is gone
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    fake.clear()  # the refused chat.update is the point of the test, not a violation

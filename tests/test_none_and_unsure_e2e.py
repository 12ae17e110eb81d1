"""Lines with no work in them, and items Headway is unsure about, through Slack's wire format.

A member DMs their answer (a signed event), Headway confirms it by DM, the digest goes to
the channel (`headway digest --post`), App Home and `/headway stats` show the member's
share. A line with no work signal ("Out sick Thursday and Friday") is stored and shown to
its author as not counted, and left out of every share; an item under the confidence
threshold asks its question, and the member's answer (a signed click) is a correction.
"""

from __future__ import annotations

import json

import pytest
from conftest import answer_to, wait_for

from bot.cli import main
from bot.core import messages
from bot.core.classify import classify
from bot.core.labelling import UNSURE

TEAM, DIGEST = "T0001", "C0DIGEST"
WORK, AWAY = "Shipped the refunds flow", "Out sick Thursday and Friday"
# A line the classifier cannot call: it guesses lights-on and is not sure.
VAGUE = "Turn off all warnings"


@pytest.fixture
def nudged(slack, fake, hw, env):
    """U1 enrolled and nudged for this week; UADMIN can name the digest channel."""
    fake.add_user("U1", tz="UTC")
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    assert "You're in" in answer_to(fake, slack.command("join", user="U1"))
    assert main(["nudge", "--now"]) == 0
    assert "weekly digest" in answer_to(
        fake, slack.command("digest here", user="UADMIN", channel=DIGEST))


def _confirmation(fake, text: str):
    """The confirmation DM that lists `text` (each test answers once)."""
    return fake.wait_for_call(
        "chat.postMessage", lambda c: "Stored your answer" in c.args.get("text", "")
        and text in json.dumps(c.args.get("blocks")), what=f"the confirmation of {text!r}")


def _items(hw):
    return [i for r in hw.store.replies.of(TEAM, user_id="U1") for i in r.items]


def _row(blocks, item_id: int) -> dict:
    """The item's row of label buttons."""
    return next(b for b in blocks if b.get("block_id") == f"item:{item_id}")


def _section_of(blocks, text: str) -> str:
    return next(b["text"]["text"] for b in blocks
                if b["type"] == "section" and text in b["text"]["text"])


def _digest_blocks(fake) -> str:
    """The digest as the channel shows it now: the post, or its latest update."""
    posts = [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == DIGEST]
    assert len(posts) == 1, "one digest message per week, updated in place"
    ts = posts[0].response["ts"]
    updates = [c for c in fake.calls_to("chat.update")
               if c.args["channel"] == DIGEST and c.args["ts"] == ts]
    return json.dumps((updates[-1] if updates else posts[0]).args["blocks"])


def _redraw(fake, confirm, what: str):
    channel, ts = confirm.response["channel"], confirm.response["ts"]
    return fake.wait_for_call(
        "chat.update", lambda c: (c.args.get("channel"), c.args.get("ts")) == (channel, ts)
        and what in json.dumps(c.args.get("blocks")), what=f"the confirmation redrawn ({what})")


# ── none ─────────────────────────────────────────────────────────────────────


def test_a_line_with_no_work_is_kept_shown_as_not_counted_and_left_out_of_every_share(
        slack, fake, hw, nudged):
    slack.dm(f"- {WORK}\n- {AWAY}")
    confirm = _confirmation(fake, AWAY)
    shipped, away = _items(hw)
    assert (shipped.label, away.label) == ("progress", "none")
    assert away.text == AWAY and away.label_source == "auto"  # kept, as written

    blocks = confirm.args["blocks"]
    line = _section_of(blocks, AWAY)
    assert "not counted" in line and "“Out sick”" in line  # the member's own words
    # correctable like any label: the buttons offer the other two
    assert [e["value"] for e in _row(blocks, away.id)["elements"]] == [
        f"{away.id}:progress", f"{away.id}:ktlo"]
    assert [e["value"] for e in _row(blocks, shipped.id)["elements"]] == [
        f"{shipped.id}:ktlo", f"{shipped.id}:none"]
    assert "left out of every progress share" in json.dumps(blocks)

    assert main(["digest", "--post"]) == 0
    digest = _digest_blocks(fake)
    assert WORK in digest  # canary: this is the digest with U1's answer in it
    assert "Out sick" not in digest  # the channel never sees it
    # 1 progress, 0 lights-on: 100%, not the 50% it would be if the line counted
    assert "*1* progress, *0* keeping-the-lights-on items" in digest and "100%" in digest
    assert "1 line with no work in it not counted" in digest

    stats = slack.command("stats", user="U1").json()["text"]
    assert "100% progress (1 of 1 items)" in stats
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    home = fake.wait_for_call("views.publish", lambda c: c.args.get("user_id") == "U1"
                              and AWAY in json.dumps(c.args["view"]), what="App Home")
    flat = json.dumps(home.args["view"])
    assert "100%" in flat and "not counted" in flat


def test_fixing_a_none_line_to_lights_on_counts_it_in_the_share_from_then_on(
        slack, fake, hw, nudged):
    slack.dm(f"- {WORK}\n- {AWAY}")
    confirm = _confirmation(fake, AWAY)
    away = _items(hw)[1]
    [to_ktlo] = [e for e in _row(confirm.args["blocks"], away.id)["elements"]
                 if e["value"].endswith(":ktlo")]
    slack.click(to_ktlo["action_id"], to_ktlo["value"], user="U1",
                channel=confirm.response["channel"], message_ts=confirm.response["ts"])
    redrawn = _redraw(fake, confirm, "you set")
    assert "not counted" not in _section_of(redrawn.args["blocks"], AWAY)
    fixed = _items(hw)[1]
    assert (fixed.label, fixed.label_source) == ("ktlo", "user")
    assert hw.store.replies.corrections(TEAM) == [(AWAY, "ktlo")]

    assert main(["digest", "--post"]) == 0
    digest = _digest_blocks(fake)
    assert "*1* progress, *1* keeping-the-lights-on items" in digest and "50%" in digest
    assert "not counted" not in digest and "1 corrected by members" in digest


# ── unsure: the question, answered by a click ────────────────────────────────


def test_an_unsure_item_asks_and_the_members_answer_is_a_correction(slack, fake, hw, nudged):
    guess = classify(VAGUE)
    assert guess.label == "ktlo" and guess.confidence < UNSURE  # canary: it is unsure
    slack.dm(VAGUE)
    confirm = _confirmation(fake, VAGUE)
    [item] = _items(hw)
    assert item.label_source == "auto" and item.confidence < UNSURE

    blocks = confirm.args["blocks"]
    line = _section_of(blocks, VAGUE)
    assert "*Progress or keeping the lights on?*" in line
    assert "my guess is keeping the lights on" in line
    answers = _row(blocks, item.id)["elements"]
    assert [(e["action_id"], e["value"]) for e in answers] == [
        (f"{messages.ANSWER_LABEL}_progress", f"{item.id}:progress"),
        (f"{messages.ANSWER_LABEL}_ktlo", f"{item.id}:ktlo"),
        (f"{messages.ANSWER_LABEL}_none", f"{item.id}:none")]
    assert [e["text"]["text"] for e in answers] == [
        "Progress", "Keeping the lights on", "No work in it"]

    assert main(["digest", "--post"]) == 0
    assert "1 unsure and still unanswered" in _digest_blocks(fake)

    slack.click(answers[0]["action_id"], answers[0]["value"], user="U1",
                channel=confirm.response["channel"], message_ts=confirm.response["ts"])
    redrawn = _redraw(fake, confirm, "you set")
    assert "Progress or keeping the lights on?" not in json.dumps(redrawn.args["blocks"])
    [answered] = _items(hw)
    assert (answered.label, answered.label_source) == ("progress", "user")
    assert hw.store.replies.corrections(TEAM) == [(VAGUE, "progress")]

    assert main(["digest", "--post"]) == 0
    digest = _digest_blocks(fake)
    assert "unsure" not in digest and "1 corrected by members" in digest
    assert VAGUE in digest and "100%" in digest  # now counted as progress


def test_answering_with_headways_own_guess_makes_it_the_members_label_too(
        slack, fake, hw, nudged):
    slack.dm(VAGUE)
    confirm = _confirmation(fake, VAGUE)
    [item] = _items(hw)
    [same] = [e for e in _row(confirm.args["blocks"], item.id)["elements"]
              if e["value"] == f"{item.id}:{item.label}"]
    slack.click(same["action_id"], same["value"], user="U1",
                channel=confirm.response["channel"], message_ts=confirm.response["ts"])
    _redraw(fake, confirm, "you set")
    [answered] = _items(hw)
    assert (answered.label, answered.label_source) == (item.label, "user")
    assert hw.store.replies.corrections(TEAM) == [(VAGUE, item.label)]


def test_an_answer_from_someone_else_changes_nothing(slack, fake, hw, nudged, settle):
    fake.add_user("U2", tz="UTC")
    slack.dm(VAGUE)
    confirm = _confirmation(fake, VAGUE)
    [item] = _items(hw)
    slack.click(f"{messages.ANSWER_LABEL}_progress", f"{item.id}:progress", user="U2",
                channel=confirm.response["channel"], message_ts=confirm.response["ts"])
    settle()  # the click's listener has finished: whatever it would do, it has done
    [still] = _items(hw)
    assert (still.label, still.label_source) == (item.label, "auto")
    assert hw.store.replies.corrections(TEAM) == []


def test_the_workspace_learns_from_an_answer(slack, fake, hw, nudged):
    slack.dm(VAGUE)
    confirm = _confirmation(fake, VAGUE)
    [item] = _items(hw)
    slack.click(f"{messages.ANSWER_LABEL}_progress", f"{item.id}:progress", user="U1",
                channel=confirm.response["channel"], message_ts=confirm.response["ts"])
    wait_for(lambda: hw.store.replies.corrections(TEAM), what="the answer stored as a correction")
    # the next similar line follows the member's answer, and is not asked about again
    later = classify("Turn off all the warnings", hw.store.replies.corrections(TEAM))
    assert later.label == "progress" and later.confidence >= UNSURE

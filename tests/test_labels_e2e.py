"""Labels people trust, through Slack's wire format: one-click fixes from the confirmation DM
and from App Home, and a workspace's corrections shaping its own later labels (only its own).

Two workspaces share one Bolt app here, exactly as a multi-workspace install would: every
request carries its `team_id` and everything Headway stores or looks up is keyed by it.
"""

from __future__ import annotations

import json

import pytest
from conftest import wait_for

from bot.core import messages
from bot.core.classify import classify
from bot.nudges import nudge_now

T1, T2 = "T0001", "T0002"
# The kind of item the teams disagree about: the classifier calls it lights-on, and the
# members of T1 say that, for them, it moves things forward.
KIND = "Renewal calls with enterprise customers"
LATER = "Renewal calls with enterprise customers in Japan"


def _enrol_and_nudge(slack, fake, user: str, team: str) -> None:
    fake.add_user(user, team_id=team, tz="UTC")
    joined = slack.command("join", user=user, team_id=team)
    assert "You're in" in fake.wait_for_response(joined.response_url).args["text"]


def _flip_buttons(blocks, item_id: int) -> list[dict]:
    """The item's fix-the-label buttons (one per other label), in the order shown."""
    return [e for b in blocks if b.get("type") == "actions" for e in b["elements"]
            if e["action_id"].startswith(messages.FLIP) and e["value"].startswith(f"{item_id}:")]


def _answer(slack, fake, hw, user: str, team: str, text: str):
    """DM an answer; return the stored item and the confirmation DM that carries its fix
    button (that very confirmation: an earlier one, or the nudge's redraw, is not it)."""
    slack.dm(text, user=user, team_id=team)
    item = wait_for(lambda: next((i for r in hw.store.replies.of(team, user_id=user)
                                  for i in r.items if i.text == text), None),
                    what=f"{text!r} stored")
    confirm = fake.wait_for_call(
        "chat.postMessage", lambda c: c.ok and "Stored your answer" in c.args.get("text", "")
        and bool(_flip_buttons(c.args.get("blocks") or [], item.id)),
        what=f"the confirmation of {text!r}")
    return item, confirm


@pytest.fixture
def hw(hw, fake):
    """conftest's Headway, installed in a second workspace too (before the app is built)."""
    fake.add_team(T2, token="xoxb-t2", name="Second workspace")
    hw.token_for = {T1: fake.token, T2: "xoxb-t2"}.get
    return hw


@pytest.fixture
def two_workspaces(slack, fake, hw, env):
    _enrol_and_nudge(slack, fake, "U1", T1)
    _enrol_and_nudge(slack, fake, "U3", T1)
    _enrol_and_nudge(slack, fake, "U2", T2)
    # `headway nudge --now`'s work, with this process's per-workspace tokens
    assert not nudge_now(hw).failed
    for user, team in (("U1", T1), ("U3", T1), ("U2", T2)):
        assert hw.store.nudges.of(team, user), f"{user} in {team} was not nudged"


def test_the_kind_of_item_is_lights_on_before_anyone_corrects_it():
    assert classify(KIND).label == "ktlo"
    assert classify(LATER).label == "ktlo"


def test_fix_from_the_confirmation_dm_sets_label_source_user(slack, fake, hw, two_workspaces):
    item, confirm = _answer(slack, fake, hw, "U1", T1, KIND)
    assert item.label == "ktlo" and item.label_source == "auto"
    flip = _flip_buttons(confirm.args["blocks"], item.id)
    assert flip and flip[0]["value"] == f"{item.id}:progress"  # the button the DM carries

    channel, ts = confirm.response["channel"], confirm.response["ts"]  # where Slack put it
    slack.click(flip[0]["action_id"], flip[0]["value"], user="U1", team_id=T1,
                channel=channel, message_ts=ts)
    # The redraw of that confirmation, not the nudge's "answered" redraw that the reply
    # itself caused (which may well arrive first).
    updated = fake.wait_for_call("chat.update", lambda c: (c.args.get("channel"),
                                                           c.args.get("ts")) == (channel, ts),
                                 what="the confirmation redrawn")
    assert updated.ok and "you set" in json.dumps(updated.args["blocks"])
    fixed = next(i for r in hw.store.replies.of(T1, user_id="U1") for i in r.items
                 if i.id == item.id)
    assert (fixed.label, fixed.label_source) == ("progress", "user")


def test_fix_from_app_home_sets_label_source_user_and_republishes(slack, fake, hw,
                                                                  two_workspaces):
    item, _ = _answer(slack, fake, hw, "U1", T1, "Weekly status meeting with finance")
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"},
                team_id=T1)
    home = fake.wait_for_call("views.publish", lambda c: c.args.get("user_id") == "U1"
                              and bool(_flip_buttons(c.args["view"]["blocks"], item.id)),
                              what="App Home with the item's fix button")
    buttons = _flip_buttons(home.args["view"]["blocks"], item.id)

    slack.click(buttons[0]["action_id"], buttons[0]["value"], user="U1", team_id=T1,
                view={"id": "VHOME", "type": "home", "team_id": T1})
    republished = fake.wait_for_call(
        "views.publish", lambda c: c.args.get("user_id") == "U1"
        and "you set" in json.dumps(c.args["view"]), what="App Home republished with the fix")
    assert republished.ok
    fixed = next(i for r in hw.store.replies.of(T1, user_id="U1") for i in r.items
                 if i.id == item.id)
    assert fixed.label_source == "user" and fixed.label != item.label


def test_corrections_shape_later_labels_in_that_workspace_and_no_other(
    slack, fake, hw, two_workspaces
):
    item, confirm = _answer(slack, fake, hw, "U1", T1, KIND)
    slack.click(messages.FLIP, f"{item.id}:progress", user="U1", team_id=T1,
                channel=confirm.response["channel"], message_ts=confirm.response["ts"])
    wait_for(lambda: hw.store.replies.corrections(T1), what="correction stored")
    assert hw.store.replies.corrections(T2) == []

    # another member of T1 reports the same kind of work: it follows T1's correction
    mine, mine_confirm = _answer(slack, fake, hw, "U3", T1, LATER)
    assert (mine.label, mine.label_source) == ("progress", "auto")
    assert "correction" in mine.reasons[0]
    assert "correction" in json.dumps(mine_confirm.args["blocks"])

    # the same words in workspace T2 are labelled as if T1 had never spoken
    theirs, _ = _answer(slack, fake, hw, "U2", T2, LATER)
    assert theirs.label == "ktlo"
    assert not any("correction" in r for r in theirs.reasons)

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


def _confirmations(fake, user: str, team: str):
    channel = fake.dm_channel(user, team)
    return [c for c in fake.calls_to("chat.postMessage")
            if c.args.get("channel") in (user, channel)
            and "Stored your answer" in c.args.get("text", "")]


def _enrol_and_nudge(slack, fake, user: str, team: str) -> None:
    fake.add_user(user, team_id=team, tz="UTC")
    before = len(fake.calls_to("response_url"))
    slack.command("join", user=user, team_id=team)
    wait_for(lambda: len(fake.calls_to("response_url")) > before, what=f"{user} joined")


def _answer(slack, fake, hw, user: str, team: str, text: str):
    """DM an answer; return the stored item once the confirmation went out."""
    seen = len(_confirmations(fake, user, team))
    slack.dm(text, user=user, team_id=team)
    confirm = wait_for(lambda: (c := _confirmations(fake, user, team)) and len(c) > seen
                       and c[-1], what=f"confirmation for {user}")
    replies = hw.store.replies(team, user_id=user)
    item = next(i for r in replies for i in r.items if i.text == text)
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
        assert hw.store.nudges(team, user), f"{user} in {team} was not nudged"


def test_the_kind_of_item_is_lights_on_before_anyone_corrects_it():
    assert classify(KIND).label == "ktlo"
    assert classify(LATER).label == "ktlo"


def test_fix_from_the_confirmation_dm_sets_label_source_user(slack, fake, hw, two_workspaces):
    item, confirm = _answer(slack, fake, hw, "U1", T1, KIND)
    assert item.label == "ktlo" and item.label_source == "auto"
    flip = [e for b in confirm.args["blocks"] if (e := b.get("accessory"))
            and e.get("action_id") == messages.FLIP]
    assert flip and flip[0]["value"] == f"{item.id}:progress"  # the button the DM carries

    slack.click(messages.FLIP, flip[0]["value"], user="U1", team_id=T1,
                channel=confirm.args["channel"], message_ts="1.0")
    wait_for(lambda: hw.store.corrections(T1), what="correction stored")
    fixed = next(i for r in hw.store.replies(T1, user_id="U1") for i in r.items
                 if i.id == item.id)
    assert (fixed.label, fixed.label_source) == ("progress", "user")
    updated = wait_for(lambda: fake.calls_to("chat.update"), what="confirmation updated")[-1]
    assert "you set" in json.dumps(updated.args["blocks"])


def test_fix_from_app_home_sets_label_source_user_and_republishes(slack, fake, hw,
                                                                  two_workspaces):
    item, _ = _answer(slack, fake, hw, "U1", T1, "Weekly status meeting with finance")
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"},
                team_id=T1)
    view = wait_for(lambda: fake.calls_to("views.publish"), what="home")[-1].args["view"]
    buttons = [e for b in view["blocks"] if (e := b.get("accessory"))
               and e.get("action_id") == messages.FLIP and e["value"].startswith(f"{item.id}:")]
    assert buttons, "App Home shows a one-click fix for the item"

    published = len(fake.calls_to("views.publish"))
    slack.click(messages.FLIP, buttons[0]["value"], user="U1", team_id=T1,
                view={"id": "VHOME", "type": "home", "team_id": T1})
    wait_for(lambda: len(fake.calls_to("views.publish")) > published, what="home republished")
    fixed = next(i for r in hw.store.replies(T1, user_id="U1") for i in r.items
                 if i.id == item.id)
    assert fixed.label_source == "user" and fixed.label != item.label
    assert "you set" in json.dumps(fake.calls_to("views.publish")[-1].args["view"])


def test_corrections_shape_later_labels_in_that_workspace_and_no_other(
    slack, fake, hw, two_workspaces
):
    item, confirm = _answer(slack, fake, hw, "U1", T1, KIND)
    slack.click(messages.FLIP, f"{item.id}:progress", user="U1", team_id=T1,
                channel=confirm.args["channel"], message_ts="1.0")
    wait_for(lambda: hw.store.corrections(T1), what="correction stored")
    assert hw.store.corrections(T2) == []

    # another member of T1 reports the same kind of work: it follows T1's correction
    mine, mine_confirm = _answer(slack, fake, hw, "U3", T1, LATER)
    assert (mine.label, mine.label_source) == ("progress", "auto")
    assert "correction" in mine.reasons[0]
    assert "correction" in json.dumps(mine_confirm.args["blocks"])

    # the same words in workspace T2 are labelled as if T1 had never spoken
    theirs, _ = _answer(slack, fake, hw, "U2", T2, LATER)
    assert theirs.label == "ktlo"
    assert not any("correction" in r for r in theirs.reasons)

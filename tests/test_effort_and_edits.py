"""The pure rules of the effort question (the time-weighted KTLO share, when enough answered)
and of edits from Headway's own form (who may edit what, for how long), the messages they
make, and the store behind them: one answer per member and week, a change marks the posted
digest, `forget me` and retention take them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import messages
from bot.core.digest import build_digest
from bot.core.edits import (
    EDITABLE_WEEKS,
    FORM_MAX_CHARS,
    fingerprint,
    period_in_reach,
    why_not_editable,
)
from bot.core.effort import (
    EFFORT_CHOICES,
    MIN_ANSWERS,
    EffortAnswer,
    effort_share,
    effort_summary,
    enough,
)
from bot.core.messages.edit import EditForm, edit_modal, history_blocks
from bot.core.messages.effort import effort_blocks, with_effort_answer
from bot.core.messages.nudge import nudge_closed_blocks, nudge_message
from bot.core.model import DigestInput, Item, Member, Prompt, Reply
from bot.core.render import render_digest_blocks, render_digest_text
from bot.store import Store

P = "2026-W47"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
WORK = Prompt("work", "What did you move forward this week?", "work")


def said(*choices: str, period: str = P) -> list[EffortAnswer]:
    return [EffortAnswer(f"U{i}", period, c) for i, c in enumerate(choices, 1)]


# ── the time-weighted share ──────────────────────────────────────────────────


def test_the_share_is_the_mean_of_each_persons_fraction_of_the_week():
    assert effort_share(said("none", "half", "nearly_all")) == pytest.approx((0 + .5 + .9) / 3)
    assert effort_share(said("quarter", "three_quarters", "half", "half")) == pytest.approx(.5)


@pytest.mark.parametrize(("answered", "replied", "shown"), [
    (2, 2, False),  # fewer than MIN_ANSWERS, even if everyone answered
    (3, 3, True),
    (3, 6, True),  # exactly half of those who replied
    (3, 7, False),  # fewer than half
    (5, 9, True),
    (4, 0, True),  # nobody replied to the work question: the answers are all there is
])
def test_enough_means_at_least_three_and_at_least_half_of_those_who_replied(answered, replied,
                                                                            shown):
    assert enough(answered, replied) is shown
    answers = said(*(["half"] * answered))
    assert (effort_share(answers, replied) is not None) is shown
    assert MIN_ANSWERS == 3


def test_a_person_week_counts_once_the_last_answer_winning():
    answers = [*said("none", "none", "none"), EffortAnswer("U1", P, "nearly_all")]
    summary = effort_summary(answers)
    assert summary is not None and summary.answered == 3
    assert summary.share == pytest.approx(.9 / 3)


def test_answers_of_several_weeks_average_person_week_by_person_week():
    """The rollup's quarter: one member's two weeks are two person-weeks."""
    answers = [*said("half", "half", "half"), EffortAnswer("U1", "2026-W48", "nearly_all")]
    summary = effort_summary(answers, replied=4)
    assert summary is not None and summary.answered == 4
    assert summary.share == pytest.approx((.5 * 3 + .9) / 4)


def test_no_answers_is_no_share():
    assert effort_share([]) is None and effort_summary([], replied=0) is None


# ── in the digest ────────────────────────────────────────────────────────────


def _work(user: str, *items: tuple[str, str]) -> Reply:
    return Reply("T1", user, "work", "work", P, "\n".join(t for t, _ in items),
                 tuple(Item(t, "work", label, .9) for t, label in items), author_name=user)


def _digest(effort: list[EffortAnswer]):
    replies = (_work("U1", ("Launched the pricing page", "progress"), ("Payroll run", "ktlo")),
               _work("U2", ("Answered tickets", "ktlo")),
               _work("U3", ("Shipped the importer", "progress"), ("On call", "ktlo"),
                     ("Fixed the deploy", "ktlo")))
    return build_digest(DigestInput("T1", "Acme", P, 4, replies, effort=tuple(effort)))


def test_the_digest_shows_the_time_share_beside_the_item_share_when_enough_answered():
    d = _digest(said("half", "three_quarters", "nearly_all"))
    assert d.effort is not None and d.effort.answered == 3
    line = ("Time on keeping the lights on: ~72% of the week, by 3 members' own estimate "
            "(by items: 67%)")
    assert line in json.dumps(render_digest_blocks(d).blocks)
    assert line in render_digest_text(d)


def test_the_digest_says_nothing_of_effort_when_too_few_answered():
    d = _digest(said("half", "nearly_all"))
    assert d.effort is None and d.ktlo == 4  # canary: the digest was built
    assert "Time on keeping" not in json.dumps(render_digest_blocks(d).blocks)


# ── the question in the nudge ────────────────────────────────────────────────


def _buttons(blocks):
    return [e for b in blocks if b.get("block_id", "").startswith("effort:")
            for e in b["elements"]]


def test_only_the_work_question_carries_the_effort_question_with_stable_ids():
    assert list(messages.EFFORT_ACTIONS) == list(EFFORT_CHOICES)
    work = nudge_message(WORK, P, 7, "T1", "U1").blocks
    assert [b["action_id"] for b in _buttons(work)] == [
        "effort_none", "effort_quarter", "effort_half", "effort_three_quarters",
        "effort_nearly_all"]
    assert {b["value"] for b in _buttons(work)} == {"7"}
    problem = Prompt("problem", "What should we be fixing?", "problem")
    assert _buttons(nudge_message(problem, P, 8, "T1", "U1").blocks) == []
    assert _buttons(nudge_closed_blocks(problem, P, "answered", nudge_id=8)) == []


def test_the_chosen_answer_is_marked_and_said():
    blocks = effort_blocks(7, "three_quarters")
    assert [b["text"]["text"] for b in _buttons(blocks) if b.get("style") == "primary"] == [
        "Three quarters"]
    assert "You said *about three quarters*" in blocks[0]["text"]["text"]
    assert not [b for b in _buttons(effort_blocks(7)) if b.get("style")]


def test_a_tap_redraws_only_the_effort_question_of_the_clicked_message():
    closed = nudge_closed_blocks(WORK, P, "answered — thanks!", nudge_id=7)
    redrawn = with_effort_answer(closed, 7, "half")
    assert redrawn is not None and len(redrawn) == len(closed)
    assert redrawn[:2] == closed[:2], "the rest of the message as it was"
    assert "about half" in json.dumps(redrawn) and "about half" not in json.dumps(closed)
    assert with_effort_answer(closed, 8, "half") is None, "another nudge's question"
    assert with_effort_answer(closed[:2], 7, "half") is None


# ── who may edit what, from Headway ──────────────────────────────────────────


def _answer(period: str = P, *, user: str = "U1", in_message: bool = False,
            text: str = "Shipped the importer") -> Reply:
    return Reply("T1", user, "work", "work", period, text, id=5, in_message=in_message)


@pytest.mark.parametrize(("reply", "editor", "why"), [
    (_answer(), "U1", None),
    (_answer(), "U2", "not_yours"),
    (_answer(in_message=True), "U1", "in_message"),
    (_answer("2026-W43"), "U1", None),  # 4 weeks back: still in reach
    (_answer("2026-W42"), "U1", "too_old"),
    (_answer("2026-W48"), "U1", None),  # a week ahead (a member who moved west)
    (_answer(text="x" * (FORM_MAX_CHARS + 1)), "U1", "too_long"),
])
def test_only_the_author_edits_a_form_answer_of_the_last_weeks(reply, editor, why):
    assert EDITABLE_WEEKS == 4
    assert why_not_editable(reply, editor, P) == why


def test_reach_crosses_the_year_and_refuses_a_malformed_week():
    assert period_in_reach("2026-W50", "2027-W01")  # 2026 has 53 ISO weeks
    assert not period_in_reach("2026-W48", "2027-W01")
    assert not period_in_reach("someday", P)


def test_the_form_is_filled_with_the_answer_exactly_as_typed():
    reply = _answer(text="- R&D <budget> review\n- Paged @here at 3am")
    form = EditForm(5, fingerprint(reply.text), "history", "https://hooks.example/1")
    view = edit_modal(WORK.text, reply, form)
    [box] = [b for b in view["blocks"] if b["type"] == "input"]
    assert box["element"]["initial_value"] == reply.text  # plain text: raw, never escaped
    assert box["block_id"] == messages.ANSWER_BLOCK
    assert box["element"]["action_id"] == messages.ANSWER_INPUT
    assert EditForm.decode(view["private_metadata"]) == form


@pytest.mark.parametrize("metadata", [
    None, "", "12", "[]", '{"reply": "5", "seen": "x", "from": "home"}',
    '{"reply": true, "seen": "x", "from": "home"}', '{"reply": 5, "seen": "x", "from": "x"}',
])
def test_a_form_headway_did_not_open_is_no_form(metadata):
    assert EditForm.decode(metadata) is None


def test_history_shows_edit_only_where_the_answer_can_be_edited():
    form_answer, dm_answer = _answer(), _answer(in_message=True)
    blocks = history_blocks([(form_answer, None), (dm_answer, "in_message")])
    edits = [b["accessory"] for b in blocks if "accessory" in b]
    assert [(e["action_id"], e["value"]) for e in edits] == [(messages.EDIT_ANSWER, "5")]
    assert "edit that message in Slack" in json.dumps(blocks)


# ── the store ────────────────────────────────────────────────────────────────


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "h.db")
    s.workspaces.ensure("T1", NOW, "Acme")
    s.members.upsert(Member("T1", "U1"), NOW)
    yield s
    s.close()


def _posted_digest(store):
    claim = store.digests.claim("T1", "C1", P, NOW)
    store.digests.mark_posted(claim.id, "1.0", [], NOW)
    return claim.id


def _dirty(store) -> bool:
    return store.digests.get("T1", "C1", P).dirty


def test_one_answer_per_member_and_week_changed_in_place_and_the_digest_follows(store):
    digest = _posted_digest(store)
    assert store.efforts.answer("T1", "U1", P, "half", NOW) is True
    assert _dirty(store)
    store.digests.set_dirty(digest, False)
    assert store.efforts.answer("T1", "U1", P, "half", NOW) is False, "the same tap again"
    assert not _dirty(store), "nothing changed, nothing to update"
    assert store.efforts.answer("T1", "U1", P, "nearly_all", NOW) is True
    assert _dirty(store)
    assert store.efforts.of_period("T1", P) == [EffortAnswer("U1", P, "nearly_all")]
    assert store.efforts.of_member("T1", "U1", [P, "2026-W46"]) == {P: "nearly_all"}
    assert store.efforts.of_period("T1", P, user_ids=["U2"]) == []
    with pytest.raises(ValueError, match="not an answer"):
        store.efforts.answer("T1", "U1", P, "most", NOW)


def test_forget_me_takes_the_answers_and_updates_the_digest_that_counted_them(store):
    digest = _posted_digest(store)
    store.efforts.answer("T1", "U1", P, "half", NOW)
    store.digests.set_dirty(digest, False)
    assert store.exports.member("T1", "U1")["efforts"][0]["choice"] == "half"
    store.members.forget("T1", "U1")
    assert store.efforts.of_period("T1", P) == []
    assert _dirty(store)


def test_retention_takes_the_answers_of_that_age(store):
    store.efforts.answer("T1", "U1", "2026-W30", "half", NOW - timedelta(days=120))
    store.efforts.answer("T1", "U1", P, "quarter", NOW)
    counts = store.replies.purge_before("T1", NOW - timedelta(days=90))
    assert counts["efforts"] == 1
    assert store.efforts.of_member("T1", "U1", ["2026-W30", P]) == {P: "quarter"}


def test_a_form_edit_never_changes_an_answer_tied_to_a_message(store):
    reply = store.replies.add_from_message(
        Reply("T1", "U1", "work", "work", P, "Shipped A", (Item("Shipped A", "work", "progress"),)),
        channel="D1", ts="1.0", source="dm", now=NOW)
    assert reply is not None and reply.in_message
    assert store.replies.edit_own(reply, "Shipped B", ()) is None
    assert store.replies.get("T1", reply.id).text == "Shipped A"
    form = store.replies.add(Reply("T1", "U1", "work", "work", P, "Shipped C"), source="modal",
                             now=NOW)
    assert not form.in_message and not store.replies.get("T1", form.id).in_message
    assert store.replies.edit_own(form, "Shipped D", ()).text == "Shipped D"

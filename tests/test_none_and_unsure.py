"""`none` and unsure items in the pure core and the store: the confirmation's blocks, App
Home, the digest's share and footer, the shares the store aggregates.

The same through Slack's wire format: `test_none_and_unsure_e2e.py`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.core import messages
from bot.core.digest import build_digest
from bot.core.labelling import UNSURE, is_unsure
from bot.core.model import DigestInput, Item, Member, Reply
from bot.core.render import MAX_BLOCKS, render_digest_blocks, render_digest_text
from bot.replies import record_answer

P = "2026-W47"


def item(text, label, confidence=0.95, source="auto", id=None, kind="work", reasons=()):
    return Item(text, kind, label, confidence, reasons, source, id)


def reply(*items, user="U1", kind="work"):
    return Reply("T1", user, "p", kind, P, "\n".join(i.text for i in items), tuple(items),
                 author_name=user.lower())


def buttons(blocks, item_id):
    row = next(b for b in blocks if b.get("block_id") == f"item:{item_id}")
    return [(e["action_id"], e["value"], e["text"]["text"]) for e in row["elements"]]


# ── which items are unsure ───────────────────────────────────────────────────


def test_only_headways_own_work_labels_under_the_threshold_are_unsure():
    assert is_unsure(item("Turn off all warnings", "ktlo", UNSURE - 0.01))
    assert is_unsure(item("off Monday", "none", 0.55))
    assert not is_unsure(item("Turn off all warnings", "ktlo", UNSURE))
    assert not is_unsure(item("Turn off all warnings", "progress", 1.0, source="user"))
    assert not is_unsure(item("problem text", None, 0.0, source="prompt", kind="problem"))


# ── the confirmation ─────────────────────────────────────────────────────────


def test_a_none_item_says_not_counted_and_its_buttons_offer_the_two_work_labels():
    away = item("Out sick Thursday", "none", 0.98, id=7, reasons=("Out sick",))
    _, blocks = messages.confirmation_blocks("What did you work on?", reply(away))
    flat = json.dumps(blocks, ensure_ascii=False)
    assert ":zzz: *no work in it · not counted* (auto, 98% — “Out sick”)" in flat
    assert buttons(blocks, 7) == [
        ("label_flip_progress", "7:progress", "Mark as progress"),
        ("label_flip_ktlo", "7:ktlo", "Mark as lights-on")]
    assert "left out of every progress share" in flat


def test_a_sure_work_item_offers_the_other_work_label_and_no_work():
    shipped = item("Shipped bulk edit", "progress", 0.97, id=3)
    _, blocks = messages.confirmation_blocks("q", reply(shipped))
    assert [b[1] for b in buttons(blocks, 3)] == ["3:ktlo", "3:none"]
    assert "Progress or keeping the lights on?" not in json.dumps(blocks, ensure_ascii=False)


def test_an_unsure_item_asks_plainly_with_its_guess_and_every_label_as_an_answer():
    vague = item("Turn off all warnings", "ktlo", 0.61, id=9, reasons=("warnings",))
    _, blocks = messages.confirmation_blocks("q", reply(vague))
    flat = json.dumps(blocks, ensure_ascii=False)
    assert ("*Progress or keeping the lights on?* I'm not sure: my guess is keeping the "
            "lights on (61%, “warnings”).") in flat
    assert buttons(blocks, 9) == [
        ("label_answer_progress", "9:progress", "Progress"),
        ("label_answer_ktlo", "9:ktlo", "Keeping the lights on"),
        ("label_answer_none", "9:none", "No work in it")]
    assert "your answer counts as a correction" in flat


def test_an_unsure_none_item_asks_whether_there_was_any_work():
    _, blocks = messages.confirmation_blocks(
        "q", reply(item("off Monday, cleared the inbox", "none", 0.55, id=4)))
    assert "*Any work in this?*" in json.dumps(blocks, ensure_ascii=False)
    assert len(buttons(blocks, 4)) == 3


def test_an_item_the_member_set_shows_their_label_and_is_never_asked_again():
    answered = item("Turn off all warnings", "progress", 1.0, source="user", id=9)
    _, blocks = messages.confirmation_blocks("q", reply(answered))
    flat = json.dumps(blocks, ensure_ascii=False)
    assert "you set" in flat and "not sure" not in flat
    assert [b[0] for b in buttons(blocks, 9)] == ["label_flip_ktlo", "label_flip_none"]


def test_a_long_answer_stays_within_slacks_block_limits_with_unique_block_ids():
    items = [item(f"line {n}", ("progress", "ktlo", "none")[n % 3],
                  0.6 if n % 2 else 0.95, id=n + 1) for n in range(45)]
    _, blocks = messages.confirmation_blocks("q", reply(*items))
    assert len(blocks) <= 50
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids)) == messages.MAX_ITEMS_SHOWN  # canary: rows were drawn
    assert "…and 25 more" in json.dumps(blocks, ensure_ascii=False)
    for row in (b for b in blocks if b["type"] == "actions"):
        action_ids = [e["action_id"] for e in row["elements"]]
        assert len(action_ids) == len(set(action_ids))  # unique within their block


def test_app_home_shows_none_and_unsure_items_within_100_blocks():
    member = Member("T1", "U1")
    recent = [reply(*[item(f"r{r} line {n}", "none" if n == 0 else "ktlo",
                           0.6 if n == 1 else 0.95, id=r * 100 + n) for n in range(30)])
              for r in range(5)]
    view = messages.home_view(member, recent, [])
    assert len(view["blocks"]) <= 100
    flat = json.dumps(view, ensure_ascii=False)
    assert "not counted" in flat and "Progress or keeping the lights on?" in flat


# ── the digest ───────────────────────────────────────────────────────────────


def test_the_digest_leaves_none_lines_out_of_the_share_and_the_channel():
    d = build_digest(DigestInput("T1", "Acme", P, 3, (
        reply(item("Launched the pricing page", "progress"),
              item("Out sick Friday", "none", 0.98)),
        reply(item("Payroll run", "ktlo"), item("n/a", "none"), user="U2"),
        reply(item("Turn off all warnings", "ktlo", 0.61), user="U3"),
    )))
    assert (d.progress, d.ktlo, d.not_counted, d.unsure) == (1, 2, 2, 1)
    assert round(d.share, 3) == 0.333  # 1 of 3 labelled work items, the two none left out
    assert (d.labels_auto, d.labels_user) == (5, 0)
    text = render_digest_text(d)
    blocks = json.dumps(render_digest_blocks(d).blocks, ensure_ascii=False)
    for shown in (text, blocks):
        assert "Out sick" not in shown and "n/a" not in shown
        assert "Launched the pricing page" in shown  # canary
        assert "1 unsure and still unanswered" in shown
        assert "2 lines with no work in them not counted" in shown


def test_a_digest_with_nothing_unsure_or_uncounted_says_neither():
    d = build_digest(DigestInput("T1", "Acme", P, 1, (
        reply(item("Launched the pricing page", "progress"),
              item("Fixed the export", "ktlo", 1.0, source="user")),)))
    footer = render_digest_text(d)
    assert "unsure" not in footer and "not counted" not in footer
    assert "1 automatic, 1 corrected by members" in footer
    assert len(render_digest_blocks(d).blocks) <= MAX_BLOCKS


# ── the shares the store aggregates (App Home, stats, trend, history) ─────────


def test_week_shares_count_neither_none_items_nor_filed_answers(hw, clock):
    clock.now = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # 2026-W47
    hw.store.workspaces.ensure("T0001", clock.now, "Acme")
    for uid in ("U1", "U2"):
        hw.store.members.upsert(Member("T0001", uid, tz="UTC"), clock.now)
    record_answer(hw, "T0001", "U1", "Shipped bulk edit\nOut sick Friday\nn/a", source="dm")
    record_answer(hw, "T0001", "U2", "Restarted the billing export again\nditto",
                  source="dm")
    labels = [i.label for r in hw.store.replies.of("T0001") for i in r.items]
    assert sorted(labels) == ["ktlo", "none", "none", "none", "progress"]  # canary
    [week] = hw.store.replies.week_shares("T0001", [P])
    assert (week.progress, week.ktlo, week.share) == (1, 1, 0.5)
    [mine] = hw.store.replies.week_shares("T0001", [P], user_id="U1")
    assert (mine.progress, mine.ktlo, mine.share) == (1, 0, 1.0)


def test_history_names_each_label_as_people_read_it_none_included():
    from bot.core.messages.member_replies import history

    text = history([reply(item("Out sick Tuesday", "none", id=1),
                          item("Restarted the export job", "ktlo", id=2))])
    assert "Out sick Tuesday — _no work in it · not counted_" in text
    assert "Restarted the export job — _keeping the lights on_" in text
    assert "_none_" not in text and "_ktlo_" not in text

"""The digest: what leaders see, and what must never appear in it."""

from __future__ import annotations

import json

from bot.core.digest import build_digest, theme_of
from bot.core.model import DigestInput, Item, Reply, WeekShare
from bot.core.render import MAX_BLOCKS, SECTION_CHARS, render_digest_blocks, render_digest_text

P = "2026-W47"


def reply(user, kind, *items, anonymous=False, name=None, prompt="p"):
    labelled = tuple(
        Item(text, kind, label, 0.8, (), "auto") if kind == "work"
        else Item(text, kind, None, 0, (), "prompt")
        for text, label in items
    )
    return Reply("T1", user, prompt, kind, P, "\n".join(t for t, _ in items), labelled,
                 anonymous=anonymous, author_name=name or user.lower())


def digest_of(replies, members=5, history=(), past=()):
    return build_digest(DigestInput("T1", "Acme", P, members, tuple(replies), tuple(history),
                                    tuple(past)))


def everything(message) -> str:
    return json.dumps({"text": message.text, "blocks": message.blocks,
                       "thread": message.thread})


def test_participation_share_and_trend():
    d = digest_of([
        reply("U1", "work", ("Launched pricing page", "progress"), ("Payroll run", "ktlo")),
        reply("U2", "work", ("Built the forecast model", "progress")),
        reply("U3", "reflection", ("private", None)),
    ], members=4, history=[WeekShare("2026-W43", 1, 1), WeekShare("2026-W44", 0, 0),
                           WeekShare("2026-W45", 1, 3), WeekShare("2026-W46", 1, 1)])
    assert (d.participants, d.members) == (3, 4)  # a reflection counts as taking part
    assert (d.progress, d.ktlo) == (2, 1)
    assert round(d.share, 3) == 0.667
    # previous weeks with data: 50%, 25%, 50% -> average 41.7% -> +25 pts
    assert d.delta_pts == 25
    text = render_digest_text(d)
    assert "3 of 4 members replied" in text and "▓▓▓▓▓▓▓░░░ 67%" in text
    assert "▲ 25 pts" in text


def test_anonymous_text_appears_without_a_name():
    d = digest_of([reply("U1", "work", ("Ran the churn experiment", "progress"),
                         anonymous=True, name="Secret Sam")])
    out = everything(render_digest_blocks(d)) + render_digest_text(d)
    assert "Ran the churn experiment" in out
    assert "Secret Sam" not in out


def test_reflection_answers_never_appear():
    d = digest_of([reply("U1", "reflection", ("my private worry about burnout", None)),
                   reply("U2", "work", ("Shipped it", "progress"))])
    out = everything(render_digest_blocks(d)) + render_digest_text(d)
    assert "burnout" not in out


def test_member_text_cannot_mention_or_broadcast():
    hostile = "<!channel> <!here> <@U999> <!subteam^S1|@ops> <https://evil|click> & co"
    d = digest_of([reply("U1", "work", (hostile, "ktlo"), name="<!everyone>"),
                   reply("U2", "problem", (hostile, None)),
                   reply("U3", "recognition", (hostile, None))])
    blob = everything(render_digest_blocks(d))
    for live in ("<!channel>", "<!here>", "<@U999>", "<!subteam^", "<https://", "<!everyone>"):
        assert live not in blob
    assert "&lt;!channel&gt;" in blob and "&amp; co" in blob


def test_ktlo_is_grouped_by_theme_with_counts():
    d = digest_of([reply("U1", "work", ("Handled the P1 outage", "ktlo"),
                         ("Another incident on payments", "ktlo"),
                         ("Quarterly SOC 2 audit evidence", "ktlo"))])
    assert [(t.name, len(t.lines)) for t in d.ktlo_themes] == [
        ("Firefighting & fixes", 2), ("Admin & compliance", 1)]
    assert theme_of("Weekly status meeting") == "Meetings & reporting"


def test_recurring_firefight_needs_three_of_the_last_four_weeks():
    this_week = [reply("U1", "work", ("Restarted the billing export job again", "ktlo"))]
    two = (("2026-W46", ("restarted billing export job",)), ("2026-W45", ()),
           ("2026-W44", ()))
    three = (("2026-W46", ("restarted billing export job",)),
             ("2026-W45", ("Billing export job restarted by hand",)), ("2026-W44", ()))
    assert digest_of(this_week, past=two).recurring == ()
    [found] = digest_of(this_week, past=three).recurring
    assert found.weeks == 3 and "billing export" in found.text
    assert "candidate problems to fix" in render_digest_text(digest_of(this_week, past=three))


def test_similar_problems_are_grouped_with_how_many_people_named_them():
    d = digest_of([
        reply("U1", "problem", ("The billing export keeps hanging", None)),
        reply("U2", "problem", ("Billing export hanging every week", None)),
        reply("U3", "problem", ("Too many meetings on Tuesdays", None)),
        reply("U4", "opportunity", ("Usage-based pricing for small teams", None)),
    ])
    assert [(g.people, len(g.others)) for g in d.problems] == [(2, 1), (1, 0)]
    assert d.opportunities[0].text == "Usage-based pricing for small teams"
    assert "2 people" in render_digest_text(d)


def test_footer_counts_automatic_and_corrected_labels():
    r = reply("U1", "work", ("A", "progress"), ("B", "ktlo"))
    fixed = Reply(**{**r.__dict__, "items": (r.items[0],
                                             Item("B", "work", "progress", 1.0, (), "user"))})
    d = digest_of([fixed])
    assert (d.labels_auto, d.labels_user) == (1, 1)
    assert "1 automatic, 1 corrected by members" in render_digest_text(d)


def test_a_huge_week_stays_within_block_kit_limits_and_loses_nothing():
    replies = [reply(f"U{n}", "work", *[(f"Item {n}-{k} " + "detail " * 30,
                                         "progress" if k % 2 else "ktlo") for k in range(6)])
               for n in range(500)]
    message = render_digest_blocks(digest_of(replies, members=500))
    for blocks in [message.blocks, *[b for _, b in message.thread]]:
        assert len(blocks) <= MAX_BLOCKS
        for b in blocks:
            if b["type"] == "section":
                assert len(b["text"]["text"]) <= SECTION_CHARS
    blob = everything(message)
    for n in range(500):
        for k in range(6):
            assert f"Item {n}-{k} " in blob


def test_header_stays_under_150_even_with_a_long_team_name():
    d = build_digest(DigestInput("T1", "X" * 200, P, 1, ()))
    header = render_digest_blocks(d).blocks[0]
    assert header["type"] == "header" and len(header["text"]["text"]) <= 150


def test_an_empty_week_gets_a_friendly_digest():
    message = render_digest_blocks(digest_of([]))
    assert "No answers yet" in everything(message)
    assert len(message.blocks) <= 4 and message.thread == []

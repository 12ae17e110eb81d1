"""The digest: what leaders see, and what must never appear in it."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.digest import build_digest, period_dates, theme_of
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
    for live in ("<!channel>", "<!here>", "<@U999>", "<!subteam^", "<!everyone>"):
        assert live not in blob
    # Mentions read as text; a web link stays a link, re-made by Headway with its label.
    assert "@channel @here @someone @ops <https://evil|click> &amp; co" in blob
    assert "_&lt;!everyone&gt;_" in blob  # a name is plain text, escaped


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


# ── issue 10: the digest as a team lead reads it ─────────────────────────────

KINDS = ("Handled the outage", "Collected audit evidence", "Weekly status meeting",
         "Upgraded the database", "Answered support tickets")


def _items(blocks) -> list[str]:
    return [line for b in blocks if b["type"] == "section"
            for line in b["text"]["text"].split("\n") if line.startswith("• ")]


@pytest.mark.parametrize("count", [0, 5, 6, 7, 8, 9, 12, 25])
def test_the_more_note_counts_items_not_theme_headings_and_every_item_appears_once(count):
    texts = [f"{KINDS[k % len(KINDS)]} no. {k}" for k in range(count)]
    d = digest_of([reply("U1", "work", ("Shipped the export", "progress"),
                         *[(t, "ktlo") for t in texts])])
    assert len(d.ktlo_themes) == min(count, len(KINDS))
    message = render_digest_blocks(d)
    ktlo_section = next(b["text"]["text"] for b in message.blocks if b["type"] == "section"
                        and "Keeping the lights on" in b["text"]["text"]) if count else ""
    in_main = [i for i in _items(message.blocks) if "no. " in i]
    in_thread = [i for _, blocks in message.thread for i in _items(blocks)]
    assert sorted(in_main + in_thread) == sorted(f"• {t} — _u1_" for t in texts)
    note = re.search(r"…and (\d+) more in the thread", ktlo_section)
    if count <= 7:  # six, or seven rather than a note about one
        assert note is None and in_thread == [] and message.thread == []
    else:
        assert len(in_main) == 6
        assert int(note.group(1)) == len(in_thread) == count - 6


def test_the_thread_holds_only_what_the_channel_message_left_out():
    d = digest_of([reply("U1", "work", ("Shipped the export", "progress"),
                         ("Ran the pricing experiment", "progress"),
                         *[(f"Handled the outage no. {k}", "ktlo") for k in range(10)]),
                   reply("U2", "recognition", ("Ada, for the export", None))])
    message = render_digest_blocks(d)
    thread = json.dumps([blocks for _, blocks in message.thread])
    for shown_in_full in ("Shipped the export", "Ran the pricing experiment",
                          "Ada, for the export"):
        assert shown_in_full in json.dumps(message.blocks)
        assert shown_in_full not in thread
    assert "Keeping the lights on (10), continued" in thread
    assert [i for i in range(10) if f"outage no. {i} " in thread] == [6, 7, 8, 9]


def test_identical_recognition_is_listed_once_with_who_gave_it():
    d = digest_of([
        reply("U1", "recognition", ("Ben, for staying late during the P1s", None), name="Ada"),
        reply("U5", "recognition", ("ben for staying late during the P1s!", None),
              anonymous=True, name="Eve"),
        reply("U4", "recognition", ("Ben, for staying late during the P1s", None), name="Dan"),
        reply("U3", "recognition", ("Chitra, for mentoring", None), anonymous=True),
    ])
    assert [(s.text, s.names, s.anonymous) for s in d.recognition] == [
        ("Ben, for staying late during the P1s", ("Ada", "Dan"), 1),
        ("Chitra, for mentoring", (), 1)]
    text = render_digest_text(d)
    assert text.count("staying late") == 1
    assert "• Ben, for staying late during the P1s — Ada, Dan and 1 other" in text
    assert "• Chitra, for mentoring\n" in text
    assert "Eve" not in text + everything(render_digest_blocks(d))


def test_two_people_giving_the_same_answer_read_as_two_people():
    d = digest_of([reply("U1", "problem", ("Too many status meetings", None)),
                   reply("U2", "problem", ("too many status meetings.", None)),
                   reply("U1", "problem", ("Too many status meetings", None), prompt="p2")])
    [group] = d.problems
    assert (group.people, group.others) == (2, ())
    line = next(x for x in render_digest_text(d).split("\n") if "status meetings" in x)
    assert line == "• Too many status meetings — 2 people"


def test_answers_about_the_same_thing_are_grouped_and_unrelated_ones_are_not():
    d = digest_of([
        reply("U1", "opportunity", ("Customers keep asking for usage-based pricing", None)),
        reply("U2", "opportunity", ("Usage-based pricing would win the small teams we lose "
                                    "today", None)),
        reply("U3", "opportunity", ("Self-serve analytics could free the data team", None)),
        reply("U1", "problem", ("Billing export keeps hanging and someone restarts it by "
                                "hand every week", None)),
        reply("U2", "problem", ("The billing export job is fragile and eats on-call time",
                                None)),
        reply("U3", "problem", ("We lose a customer every week to slow onboarding", None)),
        reply("U4", "problem", ("Too many status meetings; nobody has a focus afternoon",
                                None)),
    ])
    assert [(g.people, len(g.others)) for g in d.opportunities] == [(2, 1), (1, 0)]
    assert "usage-based pricing" in d.opportunities[0].text
    assert [(g.people, len(g.others)) for g in d.problems] == [(2, 1), (1, 0), (1, 0)]
    text = render_digest_text(d)
    assert ("• Customers keep asking for usage-based pricing — 2 people; also worded "
            "“Usage-based pricing would win the small teams we lose today”") in text


def test_a_week_that_starts_in_one_year_names_both_years():
    assert build_digest(DigestInput("T1", "Acme", "2030-W01", 1, ())).dates == \
        "31 Dec 2029 – 6 Jan 2030"
    assert period_dates("2020-W53") == "28 Dec 2020 – 3 Jan 2021"
    assert period_dates("2026-W44") == "26 Oct – 1 Nov 2026"  # months differ, year same
    assert period_dates("2026-W47") == "16–22 Nov 2026"


def test_the_trend_in_points_is_what_the_shown_percentages_give():
    # The demo's week: 5 of 12 this week (42%); before: 42%, 50%, 50% (average 47.3%).
    # Unrounded, 41.7 - 47.2 = -5.6 would say "▼ 6 pts" beside numbers that give 5.
    d = digest_of([reply("U1", "work", *[("P", "progress")] * 5, *[("K", "ktlo")] * 7)],
                  history=[WeekShare("2026-W44", 5, 7), WeekShare("2026-W45", 1, 1),
                           WeekShare("2026-W46", 3, 3)])
    assert (d.delta_pts, d.average_pct) == (-5, 47)
    assert ("▼ 5 pts vs the previous weeks' average of 47% (W44 42% · W45 50% · W46 50%)"
            in render_digest_text(d))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=2, max_size=6))
def test_the_trend_line_always_agrees_with_its_own_numbers(weeks):
    *before, (progress, ktlo) = weeks
    items = [("P", "progress")] * progress + [("K", "ktlo")] * ktlo
    d = digest_of([reply("U1", "work", *items)] if items else [reply("U1", "reflection",
                                                                     ("x", None))],
                  history=[WeekShare(f"2026-W{40 + i}", p, k) for i, (p, k) in
                           enumerate(before)])
    trend = next((x for x in render_digest_text(d).split("\n")
                  if " pts vs " in x), None)
    shown = re.search(r"Progress share: \S+ (\d+)%", render_digest_text(d))
    if trend is None:
        assert d.delta_pts is None
        return
    m = re.match(r"([▲▼=]) (\d+) pts vs the previous weeks' average of (\d+)% \((.*)\)$",
                 trend)
    assert m and shown
    weeks_shown = [int(p) for p in re.findall(r"(\d+)%", m.group(4))]
    average = round(sum(weeks_shown) / len(weeks_shown))
    assert int(m.group(3)) == average
    delta = int(shown.group(1)) - average
    assert int(m.group(2)) == abs(delta)
    assert m.group(1) == ("▲" if delta > 0 else "▼" if delta < 0 else "=")

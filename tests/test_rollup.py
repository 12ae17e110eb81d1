"""The leaders' rollup, pure: each team's line, the whole workspace's share, the privacy
rules (fewer than 3 answers: participation only; a small week in no figure; a person in
two teams counted once), its Block Kit and text, and its chart."""

from __future__ import annotations

import json
import struct
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.chart import LINE_COLOURS, LINES_HEIGHT, LINES_WIDTH, lines_png
from bot.core.effort import EffortAnswer
from bot.core.render import HEADER_CHARS, MAX_BLOCKS, SECTION_CHARS
from bot.core.render_rollup import MAIN_TEAMS, render_rollup_blocks, render_rollup_text
from bot.core.rollup import (
    Membership,
    PersonWeek,
    RollupInput,
    TeamFacts,
    TeamWeek,
    build_rollup,
    past_periods,
)

WEEK = "2026-W47"  # in 2026-Q4, which began with W40


def team(team_id: int, name: str, *, target: float | None = None,
         past: tuple[TeamWeek, ...] = (), ktlo: dict[str, tuple[str, ...]] | None = None
         ) -> TeamFacts:
    return TeamFacts(team_id, name, target, past, tuple((ktlo or {}).items()))


def members(team_id: int, *users: str) -> tuple[Membership, ...]:
    return tuple(Membership(team_id, u) for u in users)


def rollup_of(teams, memberships, answered, effort=(), period=WEEK):
    return build_rollup(RollupInput("Acme", period, tuple(teams), tuple(memberships),
                                    tuple(answered), tuple(effort)))


# ── a team's line ────────────────────────────────────────────────────────────


def test_a_team_line_has_participation_share_trend_quarter_against_target_and_firefight():
    fire = "Restarted the billing export job again"
    platform = team(1, "Platform", target=0.5, past=(
        TeamWeek("2026-W43", 3, 2, 2),  # 50%
        TeamWeek("2026-W44", 4, 1, 3),  # 25%
        TeamWeek("2026-W45", 3, 3, 1),  # 75%
        TeamWeek("2026-W46", 3, 1, 1),  # 50%: the average of the 4 weeks is 50%
        TeamWeek("2026-W40", 3, 0, 4),  # in the quarter, not in the trend
        TeamWeek("2026-W39", 3, 9, 0),  # the quarter before: in no figure
    ), ktlo={WEEK: ("Answered support tickets", fire),
             "2026-W46": ("restarted billing export job",),
             "2026-W45": ("Billing export job restarted again",),
             "2026-W44": ("Answered support tickets",)})
    r = rollup_of([platform], members(1, "U1", "U2", "U3", "U4"),
                  [PersonWeek("U1", 2, 1), PersonWeek("U2", 0, 1), PersonWeek("U3", 0, 1)])
    [line] = r.teams
    assert (line.answered, line.members, line.shown) == (3, 4, True)
    assert line.share == 2 / 5 and (line.average_pct, line.delta_pts) == (50, -10)
    # W40–W46 and this week: progress 2+1+3+1+0 + 2, KTLO 2+3+1+1+4 + 3.
    assert line.quarter_share == 9 / 23 and line.target_pts == 39 - 50
    # Both KTLO items of this week recurred; the billing export in 3 of the last 4 weeks.
    assert line.firefight is not None and line.firefight.text == fire
    assert line.firefight.weeks == 3
    text = render_rollup_text(r)
    assert ("• Platform · 3 of 4 replied · progress 40% ▼ 10 pts vs its 4-week average of "
            "50% · Q4 to date 39% vs target 50% (11 pts under) · recurring: “Restarted the "
            "billing export job again” (3 of the last 4 weeks)") in text


def test_the_top_firefight_is_the_one_in_most_weeks_and_the_first_reported_on_a_tie():
    ktlo = {WEEK: ("Renewed the certificates", "Patched the login outage",
                   "Restarted the billing export"),
            "2026-W46": ("patched login outage", "restarted billing export",
                         "renewed certificates"),
            "2026-W45": ("login outage patched again", "billing export restarted"),
            "2026-W44": ("Restarted the billing export",)}
    r = rollup_of([team(1, "Ops", ktlo=ktlo)], members(1, "U1", "U2", "U3"),
                  [PersonWeek(u, 1, 1) for u in ("U1", "U2", "U3")])
    assert r.teams[0].firefight.text == "Restarted the billing export"  # 4 of 4
    ktlo[WEEK] = ktlo[WEEK][:2]
    r = rollup_of([team(1, "Ops", ktlo=ktlo)], members(1, "U1", "U2", "U3"),
                  [PersonWeek(u, 1, 1) for u in ("U1", "U2", "U3")])
    # The certificates recurred in 2 weeks only; the login outage in 3: first of the 3s.
    assert r.teams[0].firefight.text == "Patched the login outage"


def test_a_team_with_fewer_than_three_answers_shows_participation_only():
    secret = "Restarted the payroll export again"
    small = team(2, "Finance", target=0.4, past=(TeamWeek("2026-W46", 3, 1, 2),),
                 ktlo={WEEK: (secret,), "2026-W46": (secret,), "2026-W45": (secret,)})
    r = rollup_of([small], members(2, "F1", "F2", "F3", "F4"),
                  [PersonWeek("F1", 0, 3), PersonWeek("F2", 1, 0)],
                  effort=[EffortAnswer("F1", WEEK, "nearly_all"),
                          EffortAnswer("F2", WEEK, "none")])
    [line] = r.teams
    assert (line.answered, line.members, line.shown) == (2, 4, False)
    assert (line.share, line.delta_pts, line.quarter_share, line.firefight, line.effort,
            line.weeks) == (None, None, None, None, None, ())
    assert r.share is None and r.hidden == 1
    message = render_rollup_blocks(r)
    shown = render_rollup_text(r) + json.dumps(message.blocks) + json.dumps(message.thread)
    assert "Finance" in shown and "2 of 4 replied" in shown  # canary: the line is there
    assert "fewer than 3 answers: no figures this week" in shown
    for leak in ("payroll", "%", "target", "pts", "KTLO"):  # the only team shows none
        assert leak not in shown, leak


def test_a_week_with_fewer_than_three_answers_counts_in_no_trend_and_no_quarter():
    def line(past):
        return rollup_of([team(1, "Sales", target=0.5, past=past)], members(1, "A", "B", "C"),
                         [PersonWeek(u, 1, 1) for u in "ABC"]).teams[0]

    counted = (TeamWeek("2026-W45", 3, 3, 1), TeamWeek("2026-W46", 3, 1, 1))
    base = line(counted)
    # A week of two answers, whatever its items, changes nothing the line shows.
    small = line((*counted, TeamWeek("2026-W44", 2, 0, 40)))
    assert (small.average_pct, small.delta_pts, small.quarter_share) == \
        (base.average_pct, base.delta_pts, base.quarter_share)
    assert dict(small.weeks)["2026-W44"] is None
    # canary: the same week with three answers does count
    big = line((*counted, TeamWeek("2026-W44", 3, 0, 40)))
    assert big.quarter_share < base.quarter_share and big.average_pct != base.average_pct


def test_the_quarter_to_date_starts_again_with_each_quarter():
    past = (TeamWeek("2026-W39", 3, 10, 0), TeamWeek("2026-W38", 3, 10, 0))
    r = rollup_of([team(1, "Data", past=past)], members(1, "A", "B", "C"),
                  [PersonWeek(u, 0, 1) for u in "ABC"], period="2026-W40")
    line = r.teams[0]
    assert line.quarter_share == 0.0  # only W40: the 100% weeks were Q3's
    assert line.average_pct == 100 and line.delta_pts == -100  # the trend crosses quarters
    assert "Q4 to date 0%" in render_rollup_text(r)
    assert past_periods("2026-W40") == ["2026-W36", "2026-W37", "2026-W38", "2026-W39"]
    assert past_periods(WEEK)[0] == "2026-W40" and past_periods(WEEK)[-1] == "2026-W46"


def test_the_time_weighted_share_is_shown_when_enough_of_those_who_replied_gave_one():
    answered = [PersonWeek(u, 1, 1) for u in ("A", "B", "C", "D")]
    efforts = [EffortAnswer("A", WEEK, "half"), EffortAnswer("B", WEEK, "quarter"),
               EffortAnswer("C", WEEK, "three_quarters"),
               EffortAnswer("X", WEEK, "nearly_all")]  # not in the team
    r = rollup_of([team(1, "Eng")], members(1, "A", "B", "C", "D"), answered, efforts)
    assert r.teams[0].effort == 0.5
    assert "~50% of the time on KTLO" in render_rollup_text(r)
    r = rollup_of([team(1, "Eng")], members(1, "A", "B", "C", "D"), answered, efforts[:2])
    assert r.teams[0].effort is None  # two answers are not enough


# ── the whole workspace ──────────────────────────────────────────────────────


def test_a_person_in_two_teams_counts_once_in_the_workspace_share_and_participation():
    teams = [team(1, "Platform"), team(2, "Product")]
    memberships = (*members(1, "BOTH", "P1", "P2"), *members(2, "BOTH", "Q1", "Q2", "Q3"))
    answered = [PersonWeek("BOTH", 0, 10), PersonWeek("P1", 1, 0), PersonWeek("P2", 1, 0),
                PersonWeek("Q1", 1, 0), PersonWeek("Q2", 1, 0)]
    r = rollup_of(teams, memberships, answered)
    platform, product = r.teams
    # Each team's line counts BOTH's items: they are in each team's week.
    assert platform.share == 2 / 12 and product.share == 2 / 12
    # The workspace counts them once: 4 progress, 10 KTLO (not 20).
    assert r.share == 4 / 14 and r.counted == 5
    assert (r.answered, r.members) == (5, 6)
    assert "5 of 6 people replied" in render_rollup_text(r)


def test_the_workspace_share_leaves_out_people_only_in_a_hidden_team():
    teams = [team(1, "Big"), team(2, "Tiny")]
    memberships = (*members(1, "A", "B", "C", "SHARED"), *members(2, "SHARED", "LONE"))
    answered = [PersonWeek("A", 1, 1), PersonWeek("B", 1, 1), PersonWeek("C", 1, 1),
                PersonWeek("LONE", 0, 9)]
    r = rollup_of(teams, memberships, answered)
    assert [t.shown for t in r.teams] == [True, False]
    # LONE answered, in Tiny only: counted as replying, not in the share, which would
    # otherwise give away LONE's week as the whole minus Big.
    assert r.share == 0.5 and r.counted == 3 and r.answered == 4


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5), st.integers(0, 5)),
                min_size=1, max_size=14),
       st.integers(0, 20), st.integers(0, 20))
def test_nothing_shown_depends_on_the_items_of_people_only_in_hidden_teams(people, p, k):
    """Whatever the teams and their people, changing the items of someone whose teams all
    show participation only changes nothing but nothing (participation stays)."""
    teams = [team(i, f"T{i}") for i in range(4)]
    memberships = [Membership(t, f"U{n}") for n, (t, _, _) in enumerate(people)]
    memberships += [Membership(3, "ALONE")]  # ALONE is in team 3 only
    answered = [PersonWeek(f"U{n}", a, b) for n, (_, a, b) in enumerate(people)]
    first = rollup_of(teams, memberships, [*answered, PersonWeek("ALONE", 0, 0)])
    second = rollup_of(teams, memberships, [*answered, PersonWeek("ALONE", p, k)])
    if not first.teams[3].shown:
        assert first == second
        assert render_rollup_text(first) == render_rollup_text(second)
    else:  # canary for the rule itself: a shown team's items do count
        assert first.teams[3].answered >= 3


# ── Block Kit and text ───────────────────────────────────────────────────────


def _fifty_teams():
    teams, memberships, answered = [], [], []
    for t in range(50):
        name = f"Team {t:02d} " + "with a long name " * 4
        fire = f"Restarted export job {t} again " + "and again " * 10
        teams.append(team(t, name, target=0.4, ktlo={
            WEEK: (fire,), "2026-W46": (fire,), "2026-W45": (fire,)},
            past=tuple(TeamWeek(p, 3, 1, 2) for p in past_periods(WEEK))))
        for u in range(4 if t % 7 else 2):
            memberships.append(Membership(t, f"U{t}-{u}"))
            answered.append(PersonWeek(f"U{t}-{u}", 1, 1))
    return rollup_of(teams, memberships, answered)


def test_fifty_teams_fit_slacks_limits_with_the_rest_of_the_teams_in_the_thread():
    r = _fifty_teams()
    message = render_rollup_blocks(r)
    every = [message.blocks, *(blocks for _, blocks in message.thread)]
    for blocks in every:
        assert len(blocks) <= MAX_BLOCKS
        for block in blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= SECTION_CHARS
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= HEADER_CHARS
    main = json.dumps(message.blocks, ensure_ascii=False)
    thread = json.dumps(message.thread, ensure_ascii=False)
    assert f"…and {50 - MAIN_TEAMS} more teams in the thread" in main
    for t in range(50):  # each team once: in the message or in its thread, never both
        assert (f"Team {t:02d} " in main) != (f"Team {t:02d} " in thread), t
    assert message.thread and len(message.thread) == 1
    assert "fewer than 3 answers" in main  # canary: teams 0, 7, 14… are small


def test_names_and_firefights_are_escaped_never_live():
    fire = "Paged <!channel> about the <@U999> outage & again"
    teams = [team(1, "R&D <!here>", ktlo={WEEK: (fire,), "2026-W46": (fire,),
                                          "2026-W45": (fire,)})]
    r = rollup_of(teams, members(1, "A", "B", "C"), [PersonWeek(u, 1, 1) for u in "ABC"])
    message = render_rollup_blocks(r)
    blocks = json.dumps(message.blocks)
    assert "<!here>" not in blocks and "<!channel>" not in blocks and "<@U999>" not in blocks
    assert "R&amp;D &lt;!here&gt;" in blocks and "Paged @channel about the" in blocks
    assert "R&D <!here>" in render_rollup_text(r)  # the terminal gets it as typed


def test_a_workspace_without_teams_says_how_to_make_one():
    r = rollup_of([], [], [PersonWeek("U1", 1, 0)])
    assert r.empty and r.share is None
    assert "team create" in render_rollup_text(r)
    assert len(render_rollup_blocks(r).blocks) == 3


# ── the chart ────────────────────────────────────────────────────────────────


def _pixels(png: bytes) -> set[tuple[int, int, int]]:
    """The colours of a PNG this project wrote (8-bit RGB, filter 0 on every row)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (LINES_WIDTH, LINES_HEIGHT)
    i, idat = 8, b""
    while i < len(png):
        length = struct.unpack(">I", png[i:i + 4])[0]
        if png[i + 4:i + 8] == b"IDAT":
            idat += png[i + 8:i + 8 + length]
        i += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 3 + 1
    return {tuple(raw[y * stride + 1 + x * 3:y * stride + 4 + x * 3])
            for y in range(height) for x in range(width)}


def test_the_chart_draws_each_team_in_its_own_colour_up_to_the_limit_and_counts_the_rest():
    weeks = [f"2026-W{w}" for w in range(40, 48)]
    series = [(f"Team {n}", [(p, (n + i) % 10 / 10 or None) for i, p in enumerate(weeks)])
              for n in range(11)]
    assert len(set(LINE_COLOURS)) == len(LINE_COLOURS) == 8
    drawn = _pixels(lines_png(series, max_lines=8))
    assert set(LINE_COLOURS) <= drawn
    three = _pixels(lines_png(series[:3], max_lines=8))
    assert set(LINE_COLOURS[:3]) <= three and not set(LINE_COLOURS[3:]) & three
    # the rest are summed up in the legend, not drawn: the picture differs only by it
    assert lines_png(series, max_lines=8) != lines_png(series[:8], max_lines=8)

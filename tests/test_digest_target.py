"""The team's digest against its target, as pure functions: the quarter to date, the
call-out after three weeks under target, and the chart's target line. No Slack, no SQL."""

from __future__ import annotations

import json
import struct
import zlib
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from bot.core.chart import HEIGHT, WIDTH, trend_png
from bot.core.digest import build_digest, percent, quarter_to_date, under_target_run
from bot.core.model import DigestInput, Item, Reply, WeekShare
from bot.core.render import render_digest_blocks, render_digest_text

P = "2026-W47"  # 16–22 Nov 2026, in 2026-Q4 (W40–W53)


def work(user: str, progress: int, ktlo: int, period: str = P) -> Reply:
    items = ([Item(f"{user} shipped thing {i}", "work", "progress", 0.9) for i in range(progress)]
             + [Item(f"{user} restarted job {i}", "work", "ktlo", 0.9) for i in range(ktlo)])
    return Reply("T1", user, "work", "work", period, "\n".join(i.text for i in items),
                 tuple(items), author_name=user.lower())


def digest(replies=(), *, target=None, history=(), quarter=(), period=P):
    return build_digest(DigestInput("T1", "Platform", period, 4, tuple(replies),
                                    tuple(history), target=target, quarter=tuple(quarter)))


def shown(d) -> str:
    message = render_digest_blocks(d)
    return render_digest_text(d) + json.dumps({"text": message.text, "blocks": message.blocks,
                                               "thread": message.thread})


# ── the quarter to date ──────────────────────────────────────────────────────


def test_the_quarter_to_date_counts_the_items_of_every_week_so_far_this_one_included():
    quarter = [WeekShare("2026-W40", 1, 3), WeekShare("2026-W41", 0, 0),
               WeekShare("2026-W44", 5, 5), WeekShare("2026-W46", 2, 0)]
    d = digest([work("U1", 2, 6)], target=0.4, quarter=quarter)
    # items, not the mean of weekly shares: (1+5+2+2) / (4+10+2+8) = 10/24
    assert d.quarter_share == 10 / 24 and percent(d.quarter_share) == 42
    assert d.quarter == "2026-Q4"
    assert [p for p, _ in d.quarter_weeks] == [f"2026-W{w}" for w in range(40, 48)]
    assert dict(d.quarter_weeks)["2026-W42"] is None  # a week missing from the input: no data
    assert dict(d.quarter_weeks)[P] == 0.25  # this week from its own items
    assert d.quarter_later == tuple(f"2026-W{w}" for w in range(48, 54))  # 2026 has a W53
    text = render_digest_text(d)
    assert "Quarter to date (2026-Q4): ▓▓▓▓░░░░░░ 42% against a 40% target — 2 pts over" in text


def test_weeks_outside_the_digests_quarter_are_not_counted_in_it():
    # The first week of a quarter: the weeks before it are last quarter's.
    d = digest([work("U1", 1, 1, "2026-W40")], target=0.5, period="2026-W40",
               quarter=[WeekShare("2026-W39", 9, 0), WeekShare("2026-W41", 9, 0)])
    assert d.quarter_weeks == (("2026-W40", 0.5),)
    assert d.quarter_share == 0.5
    assert "— on target" in render_digest_text(d)


def test_a_quarter_without_labelled_work_says_so_beside_the_target():
    d = digest([Reply("T1", "U1", "p", "problem", P, "Deploys are slow",
                      (Item("Deploys are slow", "problem", None, 0, (), "prompt"),),
                      author_name="u1")], target=0.3)
    assert d.quarter_share is None
    assert "Quarter to date (2026-Q4): no labelled work yet · target 30%" in shown(d)


def test_quarter_to_date_of_no_weeks_is_none():
    assert quarter_to_date([]) is None
    assert quarter_to_date([WeekShare("2026-W40", 0, 0)]) is None
    assert quarter_to_date([WeekShare("2026-W40", 1, 0), WeekShare("2026-W41", 0, 3)]) == 0.25


def test_without_a_target_the_digest_says_nothing_about_targets():
    low = [WeekShare(f"2026-W{w}", 1, 9) for w in range(43, 47)]
    d = digest([work("U1", 1, 9)], history=low, quarter=low)
    assert d.target is None and d.under_target == () and not d.behind_target
    out = shown(d).lower()
    assert "target" not in out and "quarter to date" not in out
    # canary: the same weeks with a target do get both
    with_target = shown(digest([work("U1", 1, 9)], target=0.4, history=low, quarter=low))
    assert "target" in with_target and "Quarter to date" in with_target


# ── three weeks under target ─────────────────────────────────────────────────


def test_three_weeks_under_target_get_a_call_out_and_two_do_not():
    history = [WeekShare("2026-W43", 5, 5), WeekShare("2026-W44", 6, 4),
               WeekShare("2026-W45", 3, 7), WeekShare("2026-W46", 1, 3)]
    d = digest([work("U1", 1, 4)], target=0.4, history=history)
    assert d.under_target == (("2026-W45", 0.3), ("2026-W46", 0.25), (P, 0.2))
    assert d.behind_target
    text = render_digest_text(d)
    assert "Under the 40% target 3 weeks running (W45 30% · W46 25% · W47 20%)" in text
    blocks = render_digest_blocks(d).blocks
    assert ":warning: *Under the 40% target 3 weeks running*" in blocks[2]["text"]["text"]

    two = digest([work("U1", 1, 4)], target=0.4,
                 history=[*history[:3], WeekShare("2026-W46", 1, 1)])
    assert len(two.under_target) == 1 and not two.behind_target
    assert "weeks running" not in shown(two)


def test_a_week_without_answers_neither_breaks_nor_extends_the_run():
    history = [WeekShare("2026-W43", 9, 1), WeekShare("2026-W44", 1, 4),
               WeekShare("2026-W45", 0, 0), WeekShare("2026-W46", 1, 9)]
    d = digest([work("U1", 0, 3)], target=0.4, history=history)
    assert [p for p, _ in d.under_target] == ["2026-W44", "2026-W46", P]
    assert d.behind_target
    assert "(W44 20% · W46 10% · W47 0%)" in render_digest_text(d)


def test_this_week_without_labelled_work_gets_no_call_out():
    history = [WeekShare(f"2026-W{w}", 0, 5) for w in range(43, 47)]
    d = digest([], target=0.4, history=history)
    assert d.under_target == () and not d.behind_target


def test_under_target_is_judged_in_the_whole_percent_the_digest_shows():
    # 99/250 = 39.6% shows as 40%: on a 40% target, not under it
    history = [WeekShare("2026-W45", 1, 4), WeekShare("2026-W46", 1, 4)]
    at = digest([work("U1", 99, 151)], target=0.4, history=history)
    assert percent(at.share) == 40 and at.under_target == ()
    under = digest([work("U1", 98, 152)], target=0.4, history=history)  # 39.2% → 39%
    assert len(under.under_target) == 3 and under.behind_target


shares = st.one_of(st.none(), st.integers(0, 100).map(lambda n: n / 100))


@given(st.integers(1, 100), st.lists(shares, min_size=1, max_size=8))
def test_the_run_is_exactly_the_latest_weeks_with_data_below_target(target_pct, values):
    target = target_pct / 100
    weeks = [(f"2026-W{40 + i}", v) for i, v in enumerate(values)]
    run = under_target_run(target, weeks)
    below = [(p, s) for p, s in weeks if s is not None and percent(s) < target_pct]
    assert all(item in below for item in run)
    if run:
        assert run[-1] == weeks[-1]  # it ends with the digest's week
        # the week with data just before it, if any, is at or above the target
        earlier = [s for p, s in weeks if p < run[0][0] and s is not None]
        assert not earlier or percent(earlier[-1]) >= target_pct
        # and nothing at or above the target lies inside it
        inside = [s for p, s in weeks if run[0][0] <= p and s is not None]
        assert len(inside) == len(run)
    else:
        assert values[-1] is None or percent(values[-1]) >= target_pct


# ── the chart's target line ──────────────────────────────────────────────────


def pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB bytes of one of our PNGs (filter 0 on every row)."""
    width, height = struct.unpack(">II", png[16:24])
    idat, i = b"", 8
    while i < len(png):
        length = struct.unpack(">I", png[i:i + 4])[0]
        if png[i + 4:i + 8] == b"IDAT":
            idat += png[i + 8:i + 8 + length]
        i += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 3 + 1
    return width, height, [raw[y * stride + 1:(y + 1) * stride] for y in range(height)]


TARGET_INK = bytes((214, 90, 40))


def _target_rows(png: bytes) -> dict[int, list[int]]:
    width, _, rows = pixels(png)
    return {y: [x for x in range(width) if row[x * 3:x * 3 + 3] == TARGET_INK]
            for y, row in enumerate(rows) if TARGET_INK in row}


def test_the_target_is_a_dashed_line_of_its_own_colour_at_its_height():
    weeks = [("2026-W45", 0.2), ("2026-W46", 0.7), ("2026-W47", 0.3)]
    png = trend_png(weeks, target=0.4)
    rows = _target_rows(png)
    top, bottom = 40, HEIGHT - 40
    y = bottom - round(0.4 * (bottom - top))
    line = rows[y]
    assert len(line) > 150  # it crosses the chart…
    gaps = sum(1 for a, b in pairwise(line) if b - a > 1)
    assert gaps >= 10  # …in dashes
    assert all(y - 8 <= r <= y + 8 for r in rows)  # the line and its label, nothing else
    assert _target_rows(trend_png(weeks)) == {}  # canary: no target, no such colour
    higher = _target_rows(trend_png(weeks, target=0.8))
    assert min(higher) < min(rows)  # a higher target is drawn higher


def test_the_chart_spans_the_quarter_with_the_weeks_to_come_as_empty_slots():
    weeks = [(f"2026-W{w}", 0.5) for w in range(40, 48)]
    later = [f"2026-W{w}" for w in range(48, 54)]
    width, height, rows = pixels(trend_png(weeks, later=later, target=0.4))
    assert height == HEIGHT and width > WIDTH  # 14 weeks need more room than 480 px
    now_green = bytes((30, 150, 80))
    bars = [x for row in rows for x in range(width) if row[x * 3:x * 3 + 3] == now_green]
    # this week's bar is the 8th of 14 slots: well left of the weeks to come
    assert bars and max(bars) < width * 8 // 14
    later_ink = bytes((180, 184, 190))
    labels = [x for row in rows for x in range(width) if row[x * 3:x * 3 + 3] == later_ink]
    assert labels and min(labels) > max(bars)

"""The leaders' rollup as Slack Block Kit (within Slack's limits) and as plain text.

The channel message holds the workspace's line and the first `MAIN_TEAMS` teams' lines,
saying how many more its thread holds; the thread holds only those, `THREAD_BLOCKS`
blocks a message, so 50 teams or 500 fit. Team names go through `text.safe` and the
firefight's words through `text.show`: escaped once, never live.
"""

from __future__ import annotations

from bot.core.digest import percent
from bot.core.render import (
    MAX_BLOCKS,
    THREAD_BLOCKS,
    Block,
    DigestMessage,
    bar,
    chunk_lines,
    context,
    header,
    section,
)
from bot.core.rollup import MIN_ANSWERS, TREND_WEEKS, Rollup, TeamLine
from bot.core.text import plain, safe, show, strip_control, truncate

MAIN_TEAMS = 20  # team lines in the channel message itself; the rest go to its thread
NAME_CHARS = 80
FIREFIGHT_CHARS = 160


def _pct(share: float) -> str:
    return f"{percent(share)}%"


def _trend(line: TeamLine) -> str:
    if line.delta_pts is None:
        return ""
    arrow = "▲" if line.delta_pts > 0 else "▼" if line.delta_pts < 0 else "="
    return f" {arrow} {abs(line.delta_pts)} pts vs its {TREND_WEEKS}-week average of " \
           f"{line.average_pct}%"


def _quarter(line: TeamLine, quarter: str) -> str:
    if line.quarter_share is None:
        return ""
    text = f"{quarter[-2:]} to date {_pct(line.quarter_share)}"
    if line.target is None or line.target_pts is None:
        return text
    pts = line.target_pts
    side = "on target" if pts == 0 else f"{abs(pts)} pts {'over' if pts > 0 else 'under'}"
    return f"{text} vs target {_pct(line.target)} ({side})"


def team_line(line: TeamLine, quarter: str, escape: bool = True) -> str:
    """One team's line: participation, then (when shown) its figures and firefight."""
    name = safe(line.name, NAME_CHARS) if escape else strip_control(truncate(line.name,
                                                                             NAME_CHARS))
    name = f"*{name}*" if escape else name
    if line.members == 0:
        return f"• {name} · no members this week"
    parts = [f"{line.answered} of {line.members} replied"]
    if not line.shown:
        note = f"fewer than {MIN_ANSWERS} answers: no figures this week"
        parts.append(f"_{note}_" if escape else note)
        return f"• {name} · " + " · ".join(parts)
    if line.share is None:
        parts.append("no progress or KTLO items")
    else:
        parts.append(f"progress {_pct(line.share)}{_trend(line)}")
    if quarter_text := _quarter(line, quarter):
        parts.append(quarter_text)
    if line.effort is not None:
        parts.append(f"~{percent(line.effort)}% of the time on KTLO (own estimate)")
    if line.firefight is not None:
        text = (show(line.firefight.text, FIREFIGHT_CHARS) if escape
                else truncate(plain(line.firefight.text), FIREFIGHT_CHARS))
        fire = ":fire: " if escape else "recurring: "
        parts.append(f"{fire}“{text}” ({line.firefight.weeks} of the last 4 weeks)")
    return f"• {name} · " + " · ".join(parts)


def _summary(r: Rollup, escape: bool = True) -> str:
    b = "*" if escape else ""
    if r.empty:
        return ("No teams yet: an admin creates one with `/headway team create <name>` in "
                "its channel.")
    text = f"{b}Whole workspace:{b} {r.answered} of {r.members} people replied"
    if r.share is not None:
        shown = f"`{bar(r.share)}`" if escape else bar(r.share)
        text += (f" · progress share {shown} (the items of {r.counted} "
                 f"{'person' if r.counted == 1 else 'people'} in the teams shown, each "
                 f"counted once)")
    if r.hidden:
        text += (f"\n{r.hidden} team{'s' if r.hidden != 1 else ''} with fewer than "
                 f"{MIN_ANSWERS} answers show{'s' if r.hidden == 1 else ''} participation "
                 f"only")
    return text


def _footer(r: Rollup) -> str:
    return (f"Trend: against each team's average of its previous {TREND_WEEKS} weeks · "
            f"{r.quarter[-2:]} to date: the weeks of {r.quarter} so far · a week with fewer "
            f"than {MIN_ANSWERS} answers counts in no figure · no one's items are listed; a "
            f"firefight is named without its author")


def render_rollup_blocks(r: Rollup) -> DigestMessage:
    """The rollup as a channel message (header, the workspace, the first teams, a footer)
    and its thread (the other teams)."""
    title = f"Headway rollup · {r.workspace_name} · {r.period} ({r.dates})"
    fallback = truncate(
        f"Headway rollup {r.period}: {len(r.teams)} teams, {r.answered} of {r.members} "
        f"replied" + (f", progress share {bar(r.share)}" if r.share is not None else ""), 300)
    lines = [team_line(t, r.quarter) for t in r.teams]
    main, rest = lines[:MAIN_TEAMS], lines[MAIN_TEAMS:]
    if len(rest) == 1:  # one more line rather than a note about a single line
        main, rest = lines, []
    blocks: list[Block] = [header(title), section(_summary(r))]
    if main:
        blocks.append({"type": "divider"})
        body = [*main]
        if rest:
            body.append(f"_…and {len(rest)} more teams in the thread_")
        blocks += [section(chunk) for chunk in chunk_lines(body)]
    blocks.append(context(_footer(r)))
    # Twenty lines of at most ~500 characters are four sections: this guards the limit.
    blocks = blocks[: MAX_BLOCKS - 1] + ([blocks[-1]] if len(blocks) >= MAX_BLOCKS else [])
    thread_blocks = [section(chunk) for chunk in chunk_lines(["*Teams, continued*", *rest])
                     ] if rest else []
    thread = []
    for start in range(0, len(thread_blocks), THREAD_BLOCKS):
        thread.append((f"Headway rollup {r.period}: the other teams "
                       f"({start // THREAD_BLOCKS + 1})",
                       thread_blocks[start:start + THREAD_BLOCKS]))
    return DigestMessage(fallback, blocks, thread)


def render_rollup_text(r: Rollup) -> str:
    rule = "─" * 64
    out = [rule, f"Headway rollup · {strip_control(r.workspace_name)} · {r.period} ({r.dates})",
           rule, _summary(r, escape=False)]
    if r.teams:
        out += ["", "TEAMS", *(team_line(t, r.quarter, escape=False) for t in r.teams)]
    out += ["", _footer(r), rule]
    return "\n".join(out)


def chart_alt_text(r: Rollup) -> str:
    """What the chart shows, for screen readers (Slack's `alt_txt`)."""
    parts = []
    for t in r.teams:
        if t.shown:
            weeks = ", ".join(f"{p[-3:]} {'–' if s is None else _pct(s)}" for p, s in t.weeks)
            parts.append(f"{strip_control(t.name)}: {weeks}")
    return truncate("Progress share by week and team. " + "; ".join(parts), 1000)

"""The digest as Slack Block Kit (within Slack's limits) and as plain text for a terminal.

Every piece of member text goes through `text.show` (escaped once, mentions and links
readable) and every name through `text.safe`, so a reply that says `<!channel>` is shown,
not obeyed. The channel message carries the summary and the first items of each list,
saying how many more items (never headings) the thread holds; the thread holds only what
the channel message left out, each message within the limits too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.digest import Digest, Group, Line, Said, percent
from bot.core.messages.blocks import Entry, entry_lines
from bot.core.messages.problems import (
    problems_section_blocks,
    problems_section_text,
    track_button,
    tracked_note,
)
from bot.core.problems import Kind
from bot.core.text import plain, safe, show, strip_control, truncate

Block = dict[str, Any]
MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
MAIN_LINES = 6  # items of each list shown in the channel message itself
THREAD_BLOCKS = 45
MORE_NOTE = "\n_…and {n} more in the thread_"
OTHER_WORDINGS = 2  # other wordings of a grouped answer quoted beside it


# One item of a list, under its sub-heading (a KTLO theme) or None.


@dataclass(frozen=True)
class DigestMessage:
    text: str  # notification fallback
    blocks: list[Block]
    thread: list[tuple[str, list[Block]]]


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text",
                                       "text": truncate(strip_control(text), HEADER_CHARS)}}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_CHARS]}}


def context(*texts: str) -> Block:
    return {"type": "context",
            "elements": [{"type": "mrkdwn", "text": t[:SECTION_CHARS]} for t in texts[:10]]}


def chunk_lines(lines: list[str], limit: int = SECTION_CHARS) -> list[str]:
    """Join lines into chunks of at most `limit` characters (a longer line is cut)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def bar(share: float | None, width: int = 10) -> str:
    if share is None:
        return "no data"
    filled = round(share * width)
    return "▓" * filled + "░" * (width - filled) + f" {percent(share)}%"


def _trend_text(d: Digest) -> str:
    weeks = " · ".join(f"{p[-3:]} {percent(s)}%" if s is not None else f"{p[-3:]} –"
                       for p, s in d.trend)
    if d.delta_pts is None:
        return f"Previous weeks: {weeks}" if weeks else ""
    arrow = "▲" if d.delta_pts > 0 else "▼" if d.delta_pts < 0 else "="
    return (f"{arrow} {abs(d.delta_pts)} pts vs the previous weeks' average of "
            f"{d.average_pct}% ({weeks})")


def _line(line: Line, escape: bool = True) -> str:
    text = show(line.text, 500) if escape else plain(line.text)
    if line.author is None:
        return f"• {text}"
    name = safe(line.author, 80) if escape else strip_control(line.author)
    return f"• {text} — _{name}_" if escape else f"• {text} — {name}"


def _group_line(g: Group, escape: bool = True) -> str:
    def shown(text: str, limit: int) -> str:
        return show(text, limit) if escape else plain(text)

    who = f"{g.people} people" if g.people > 1 else "1 person"
    wordings = "".join(f"; also worded “{shown(o, 120)}”" for o in g.others[:OTHER_WORDINGS])
    if len(g.others) > OTHER_WORDINGS:
        wordings += f" and {len(g.others) - OTHER_WORDINGS} other wordings"
    return f"• {shown(g.text, 500)} — {who}{wordings}"


def _said_line(s: Said, escape: bool = True) -> str:
    """One recognition, once however many gave it: the named givers, then how many more
    gave it anonymously (never who)."""
    text = show(s.text, 500) if escape else plain(s.text)
    names = [f"_{safe(n, 80)}_" if escape else strip_control(n) for n in s.names]
    if names and s.anonymous:
        names.append(f"{s.anonymous} other" + ("s" if s.anonymous > 1 else ""))
    elif not names and s.anonymous > 1:
        names.append(f"{s.anonymous} people")
    if not names:
        return f"• {text}"
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"• {text} — {who}"


def _lists(d: Digest, escape: bool) -> list[tuple[str, list[Entry]]]:
    """(title, entries) for every list in the digest, in the order they are shown; an
    entry is one item under its sub-heading (a KTLO theme) or None."""
    star = "*" if escape else ""
    out: list[tuple[str, list[Entry]]] = []
    out.append((f"{star}:rocket: Progress ({d.progress}){star}" if escape else
                f"PROGRESS ({d.progress})", [(None, _line(x, escape)) for x in d.progress_lines]))
    ktlo: list[Entry] = []
    for theme in d.ktlo_themes:
        heading = f"{star}{theme.name}{star} ({len(theme.lines)})"
        ktlo += [(heading, _line(x, escape)) for x in theme.lines]
    out.append((f"{star}:bulb: Keeping the lights on ({d.ktlo}){star}" if escape else
                f"KEEPING THE LIGHTS ON ({d.ktlo})", ktlo))
    if d.recurring:
        out.append((f"{star}:fire: Recurring firefights — candidate problems to fix{star}"
                    if escape else "RECURRING FIREFIGHTS — candidate problems to fix",
                    [(None, f"• {show(r.text, 500) if escape else plain(r.text)} — "
                            f"{r.weeks} of the last 4 weeks") for r in d.recurring]))
    if d.problems:
        out.append((f"{star}:dart: Problems we should be fixing{star}" if escape else
                    "PROBLEMS WE SHOULD BE FIXING",
                    [(None, _group_line(g, escape)) for g in d.problems]))
    if d.opportunities:
        out.append((f"{star}:seedling: Opportunities we should be facing{star}" if escape else
                    "OPPORTUNITIES WE SHOULD BE FACING",
                    [(None, _group_line(g, escape)) for g in d.opportunities]))
    if d.recognition:
        out.append((f"{star}:clap: Recognition{star}" if escape else "RECOGNITION",
                    [(None, _said_line(x, escape)) for x in d.recognition]))
    return out


def _first_entries(title: str, entries: list[Entry]) -> int:
    """How many of a list's entries the channel message shows: up to MAIN_LINES items (or
    one more, rather than a note about a single item), as many as fit one section with
    room left for the "…and N more" note."""
    # An item is at most ~600 characters (text and name are cut), so the first always fits.
    room = SECTION_CHARS - len(MORE_NOTE.format(n=len(entries)))
    limit = len(entries) if len(entries) <= MAIN_LINES + 1 else MAIN_LINES
    shown = 0
    while shown < limit:
        text = "\n".join([title, *entry_lines(entries[:shown + 1])])
        if len(text) > room and shown > 0:
            break
        shown += 1
    return shown


def _summary(d: Digest, escape: bool = True) -> str:
    if d.empty:
        return (f"No answers yet for {d.period}. Members answer Headway's weekly question "
                f"in their DMs; this digest fills in as they do.")
    b = "*" if escape else ""
    text = (f"{b}{d.participants} of {d.members}{b} members replied · "
            f"{b}{d.progress}{b} progress, {b}{d.ktlo}{b} keeping-the-lights-on items\n"
            f"Progress share: `{bar(d.share)}`" if escape else
            f"{d.participants} of {d.members} members replied · {d.progress} progress, "
            f"{d.ktlo} keeping-the-lights-on items\nProgress share: {bar(d.share)}")
    trend = _trend_text(d)
    return text + (f"\n{trend}" if trend else "") + _target_text(d, escape) + _effort_text(d)


def _target_text(d: Digest, escape: bool) -> str:
    """The quarter to date against the team's target; nothing without a target."""
    if d.target is None:
        return ""
    target = percent(d.target)
    if d.quarter_share is None:
        return f"\nQuarter to date ({d.quarter}): no labelled work yet · target {target}%"
    gap = percent(d.quarter_share) - target
    verdict = ("on target" if gap == 0 else
               f"{abs(gap)} pt{'s' if abs(gap) != 1 else ''} {'over' if gap > 0 else 'under'}")
    shown = f"`{bar(d.quarter_share)}`" if escape else bar(d.quarter_share)
    return f"\nQuarter to date ({d.quarter}): {shown} against a {target}% target — {verdict}"


def _behind_text(d: Digest, escape: bool) -> str | None:
    """The call-out when the team has been under its target three weeks running."""
    if d.target is None or not d.behind_target:
        return None
    weeks = " · ".join(f"{p[-3:]} {percent(s)}%" for p, s in d.under_target)
    head = f"Under the {percent(d.target)}% target {len(d.under_target)} weeks running"
    advice = ("what keeps eating the week? The keeping-the-lights-on list and any "
              "recurring firefights below are where to look.")
    if escape:
        return f":warning: *{head}* ({weeks}): {advice}"
    return f"{head} ({weeks}): {advice}"


def _effort_text(d: Digest) -> str:
    """Beside the item share: how much of the week went to keeping the lights on, by the
    members' own estimate (only when enough answered: `bot.core.effort.enough`)."""
    if d.effort is None:
        return ""
    items = f" (by items: {100 - percent(d.share)}%)" if d.share is not None else ""
    return (f"\nTime on keeping the lights on: ~{percent(d.effort.share)}% of the week, by "
            f"{d.effort.answered} members' own estimate{items}")


def _footer(d: Digest) -> str:
    unsure = f", {d.unsure} unsure and still unanswered" if d.unsure else ""
    none = (f" · {d.not_counted} line{'s' if d.not_counted != 1 else ''} with no work in "
            f"{'them' if d.not_counted != 1 else 'it'} not counted" if d.not_counted else "")
    return (f"Labels: {d.labels_auto} automatic, {d.labels_user} corrected by members{unsure}"
            f"{none} · fix a label with the button on your confirmation DM or in Headway's "
            f"Home tab")


def render_digest_blocks(d: Digest) -> DigestMessage:
    title = f"Headway · {d.team_name} · {d.period} ({d.dates})"
    fallback = truncate(f"Headway digest {d.period}: " + (
        f"{d.participants} of {d.members} replied, progress share {bar(d.share)}"
        if not d.empty else "no answers yet"), 300)
    blocks: list[Block] = [header(title), section(_summary(d))]
    if (behind := _behind_text(d, escape=True)) is not None:
        blocks.append(section(behind))
    rest: list[tuple[str, list[Entry]]] = []  # what the channel message leaves out
    if not d.empty:
        for title_line, entries in _lists(d, escape=True):
            if not entries:
                continue
            shown = _first_entries(title_line, entries)
            if (kind := _track_kind(d, title_line)) is not None:
                if shown < len(entries):
                    rest.append((title_line, entries[shown:]))
                blocks.append({"type": "divider"})
                blocks += _trackable_blocks(d, kind, title_line, entries, shown)
                continue
            body = "\n".join([title_line, *entry_lines(entries[:shown])])
            if shown < len(entries):
                rest.append((title_line, entries[shown:]))
                body += MORE_NOTE.format(n=len(entries) - shown)
            blocks.append({"type": "divider"})
            blocks.append(section(body))
    if d.tracking is not None and not d.empty:
        blocks += problems_section_blocks(d.tracking.section, d.tracking.names)
    blocks.append(context(_footer(d)))
    # The main message stays small by construction; this guards future sections.
    blocks = blocks[: MAX_BLOCKS - 1] + ([blocks[-1]] if len(blocks) >= MAX_BLOCKS else [])
    return DigestMessage(fallback, blocks, _thread(d.period, rest))


# The lists whose entries carry Track it, by the emoji their title starts with.
_TRACKABLE: dict[str, Kind] = {":fire:": "firefight", ":dart:": "problem",
                               ":seedling:": "opportunity"}


def _track_kind(d: Digest, title_line: str) -> Kind | None:
    """The kind of tracked problem the entries of this list become, when the digest
    carries its team's tracked problems (a channel digest; not the terminal's)."""
    if d.tracking is None:
        return None
    return next((kind for emoji, kind in _TRACKABLE.items()
                 if title_line.startswith(f"*{emoji}")), None)


def _trackable_blocks(d: Digest, kind: Kind, title_line: str, entries: list[Entry],
                      shown: int) -> list[Block]:
    """The first `shown` entries of a list, one section each with a Track it button (or,
    when it is tracked already, what it is now); the list's title opens the first."""
    assert d.tracking is not None
    source = {"firefight": d.recurring, "problem": d.problems,
              "opportunity": d.opportunities}[kind]
    out: list[Block] = []
    for i, ((_, text), entry) in enumerate(zip(entries[:shown], source, strict=False)):
        body = f"{title_line}\n{text}" if i == 0 else text
        if i == shown - 1 and shown < len(entries):
            body += MORE_NOTE.format(n=len(entries) - shown)
        same = d.tracking.of(kind, entry.text)
        if same is not None:
            out.append(section(f"{body} {tracked_note(same, d.tracking.names)}"))
        else:
            block = section(body)
            block["accessory"] = track_button(d.tracking.team_id, d.period, kind, entry.text)
            out.append(block)
    return out


def _thread(period: str, rest: list[tuple[str, list[Entry]]]) -> list[tuple[str, list[Block]]]:
    """Thread replies with the items the channel message left out, list by list."""
    blocks: list[Block] = []
    for title_line, entries in rest:
        heading = title_line.replace("*", "").strip()
        blocks += [section(chunk) for chunk in
                   chunk_lines([f"*{heading}, continued*", *entry_lines(entries)])]
    messages = []
    for start in range(0, len(blocks), THREAD_BLOCKS):
        part = blocks[start:start + THREAD_BLOCKS]
        messages.append((f"Headway digest {period}: the rest of the lists "
                         f"({start // THREAD_BLOCKS + 1})", part))
    return messages


def render_digest_text(d: Digest) -> str:
    rule = "─" * 64
    out = [rule, f"Headway · {strip_control(d.team_name)} · {d.period} ({d.dates})", rule,
           _summary(d, escape=False)]
    if (behind := _behind_text(d, escape=False)) is not None:
        out += ["", behind]
    if not d.empty:
        for title_line, entries in _lists(d, escape=False):
            if entries:
                out += ["", title_line, *entry_lines(entries)]
        if d.tracking is not None and (tracked := problems_section_text(
                d.tracking.section, d.tracking.names)):
            out += ["", tracked]
    out += ["", _footer(d), rule]
    return "\n".join(out)

"""The digest as Slack Block Kit (within Slack's limits) and as plain text for a terminal.

Every piece of member text goes through `text.show` (escaped once, mentions and links
readable) and every name through `text.safe`, so a reply that says `<!channel>` is shown,
not obeyed. The channel message carries the summary and the first lines of each list;
complete lists go to thread replies, each within the limits too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.digest import Digest, Group, Line
from bot.core.text import plain, safe, show, strip_control, truncate

Block = dict[str, Any]
MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
MAIN_LINES = 6  # lines of each list shown in the channel message itself
THREAD_BLOCKS = 45


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
    return "▓" * filled + "░" * (width - filled) + f" {round(share * 100)}%"


def _trend_text(d: Digest) -> str:
    weeks = " · ".join(f"{p[-3:]} {round(s * 100)}%" if s is not None else f"{p[-3:]} –"
                       for p, s in d.trend)
    if d.delta_pts is None:
        return f"Previous weeks: {weeks}" if weeks else ""
    arrow = "▲" if d.delta_pts > 0 else "▼" if d.delta_pts < 0 else "="
    return f"{arrow} {abs(d.delta_pts)} pts vs the previous weeks ({weeks})"


def _line(line: Line, escape: bool = True) -> str:
    text = show(line.text, 500) if escape else plain(line.text)
    if line.author is None:
        return f"• {text}"
    name = safe(line.author, 80) if escape else strip_control(line.author)
    return f"• {text} — _{name}_" if escape else f"• {text} — {name}"


def _group_line(g: Group, escape: bool = True) -> str:
    text = show(g.text, 500) if escape else plain(g.text)
    who = f"{g.people} people" if g.people > 1 else "1 person"
    more = f" (+{len(g.others)} similar)" if g.others else ""
    return f"• {text} — {who}{more}"


def _lists(d: Digest, escape: bool) -> list[tuple[str, list[str]]]:
    """(title, lines) for every list in the digest, in the order they are shown."""
    star = "*" if escape else ""
    out: list[tuple[str, list[str]]] = []
    out.append((f"{star}:rocket: Progress ({d.progress}){star}" if escape else
                f"PROGRESS ({d.progress})", [_line(x, escape) for x in d.progress_lines]))
    ktlo: list[str] = []
    for theme in d.ktlo_themes:
        ktlo.append(f"{star}{theme.name}{star} ({len(theme.lines)})")
        ktlo += [_line(x, escape) for x in theme.lines]
    out.append((f"{star}:bulb: Keeping the lights on ({d.ktlo}){star}" if escape else
                f"KEEPING THE LIGHTS ON ({d.ktlo})", ktlo))
    if d.recurring:
        out.append((f"{star}:fire: Recurring firefights — candidate problems to fix{star}"
                    if escape else "RECURRING FIREFIGHTS — candidate problems to fix",
                    [f"• {show(r.text, 500) if escape else plain(r.text)} — "
                     f"{r.weeks} of the last 4 weeks" for r in d.recurring]))
    if d.problems:
        out.append((f"{star}:dart: Problems we should be fixing{star}" if escape else
                    "PROBLEMS WE SHOULD BE FIXING", [_group_line(g, escape) for g in d.problems]))
    if d.opportunities:
        out.append((f"{star}:seedling: Opportunities we should be facing{star}" if escape else
                    "OPPORTUNITIES WE SHOULD BE FACING",
                    [_group_line(g, escape) for g in d.opportunities]))
    if d.recognition:
        out.append((f"{star}:clap: Recognition{star}" if escape else "RECOGNITION",
                    [_line(x, escape) for x in d.recognition]))
    return out


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
    return text + (f"\n{trend}" if trend else "")


def _footer(d: Digest) -> str:
    return (f"Labels: {d.labels_auto} automatic, {d.labels_user} corrected by members · fix a "
            f"label with the button on your confirmation DM or in Headway's Home tab")


def render_digest_blocks(d: Digest) -> DigestMessage:
    title = f"Headway · {d.team_name} · {d.period} ({d.dates})"
    fallback = truncate(f"Headway digest {d.period}: " + (
        f"{d.participants} of {d.members} replied, progress share {bar(d.share)}"
        if not d.empty else "no answers yet"), 300)
    blocks: list[Block] = [header(title), section(_summary(d))]
    thread: list[tuple[str, list[Block]]] = []
    overflow = False
    if not d.empty:
        for title_line, lines in _lists(d, escape=True):
            if not lines:
                continue
            shown = lines[:MAIN_LINES]
            rest = len(lines) - len(shown)
            body = chunk_lines([title_line, *shown])[0]
            if rest:
                body = body[: SECTION_CHARS - 40] + f"\n_…and {rest} more in the thread_"
                overflow = True
            elif len(chunk_lines([title_line, *shown])) > 1:
                overflow = True
            blocks.append({"type": "divider"})
            blocks.append(section(body))
    if overflow:
        thread = _thread(d)
    blocks.append(context(_footer(d)))
    # The main message stays small by construction; this guards future sections.
    blocks = blocks[: MAX_BLOCKS - 1] + ([blocks[-1]] if len(blocks) >= MAX_BLOCKS else [])
    return DigestMessage(fallback, blocks, thread)


def _thread(d: Digest) -> list[tuple[str, list[Block]]]:
    blocks: list[Block] = []
    for title_line, lines in _lists(d, escape=True):
        if lines:
            blocks += [section(chunk) for chunk in chunk_lines([title_line, *lines])]
    messages = []
    for start in range(0, len(blocks), THREAD_BLOCKS):
        part = blocks[start:start + THREAD_BLOCKS]
        messages.append((f"Headway digest {d.period}: full lists ({start // THREAD_BLOCKS + 1})",
                         part))
    return messages


def render_digest_text(d: Digest) -> str:
    rule = "─" * 64
    out = [rule, f"Headway · {strip_control(d.team_name)} · {d.period} ({d.dates})", rule,
           _summary(d, escape=False)]
    if not d.empty:
        for title_line, lines in _lists(d, escape=False):
            if lines:
                out += ["", title_line, *lines]
    out += ["", _footer(d), rule]
    return "\n".join(out)

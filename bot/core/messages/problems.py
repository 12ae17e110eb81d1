"""Tracked problems as Slack shows them: the digest's "Tracked problems" section and the
`/headway problems` list with its buttons. Pure functions over `bot.core.problems` data.

A title is member text (the firefight or agenda answer it was tracked from): always
through `text.show`, escaped once, mentions and links readable, never live. Names are
escaped with `text.safe`. In the channel digest an owner is shown by name (a mention would
ping them every week); in the ephemeral list Slack renders `<@U…>` as the name itself.
Every message stays within Block Kit limits: 50 blocks, 3,000 characters a section.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.messages.blocks import Block, Entry, button, context, entry_lines, section
from bot.core.messages.ids import (
    FOLLOW_UP_ACTIONS,
    PROBLEM_BLOCK,
    PROBLEM_OWNER,
    PROBLEM_STATUS,
    PROBLEM_TRACK,
    PROBLEM_UNTRACK,
)
from bot.core.messages.member_replies import plural
from bot.core.periods import quarter_of
from bot.core.problems import (
    ANSWERS,
    STATUS_NAMES,
    STATUSES,
    Answer,
    Kind,
    ProblemLine,
    ProblemsSection,
    Status,
    TrackedProblem,
    list_order,
    problem_line,
    track_value,
)
from bot.core.text import plain, safe, show, strip_control, truncate

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
TITLE_CHARS = 200  # a title as shown, escapes included
WITH_BUTTONS = 20  # problems in the list that get their own buttons; the rest are listed
SECTION_BLOCKS = 4  # blocks `problems_section_blocks` uses at most
MORE = "_…and {n} more_"
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")

STATUS_EMOJI: dict[Status, str] = {"open": ":red_circle:", "in_progress": ":large_yellow_circle:",
                                   "fixed": ":white_check_mark:"}
# The button that moves a problem to a status, by the status it is in now.
_MOVE_TEXT: dict[tuple[Status, Status], str] = {
    ("open", "in_progress"): "Start", ("open", "fixed"): "Mark fixed",
    ("in_progress", "fixed"): "Mark fixed", ("in_progress", "open"): "Back to open",
    ("fixed", "open"): "Reopen", ("fixed", "in_progress"): "Reopen, in progress",
}

TRACK_REFUSED = "Only members of the team can track its problems."
UPDATE_REFUSED = "Only members of the team can change its tracked problems."
UNTRACK_REFUSED = ("Only the team's leads and workspace admins can untrack a problem. "
                   "Mark it fixed instead, or ask one of them.")
NO_OWNER = "no owner yet"


# ── pieces ──────────────────────────────────────────────────────────────────


def _title(problem: TrackedProblem, escape: bool) -> str:
    return show(problem.title, TITLE_CHARS) if escape else plain(problem.title)


def _owner_name(user_id: str, names: Mapping[str, str] | None, escape: bool) -> str:
    name = (names or {}).get(user_id) or "someone"
    return safe(name, 80) if escape else strip_control(name)


def _owner_mention(user_id: str) -> str:
    return f"<@{user_id}>" if _USER_ID.fullmatch(user_id) else safe(user_id, 30)


def _owner(user_id: str, names: Mapping[str, str] | None, escape: bool, *,
           mention: bool = False) -> str:
    """"owner Ana" — or "no owner yet" for a problem whose owner was forgotten."""
    if not user_id:
        return NO_OWNER
    return "owner " + (_owner_mention(user_id) if mention
                       else _owner_name(user_id, names, escape))


def age_text(weeks: int) -> str:
    """`tracked this week`, `tracked 1 week ago`, `tracked 5 weeks ago`."""
    return "tracked this week" if weeks <= 0 else f"tracked {plural(weeks, 'week')} ago"


def cost_text(line: ProblemLine) -> str | None:
    """The weeks of firefighting it cost this quarter; None for an opportunity."""
    if line.problem.kind == "opportunity":
        return None
    return f"{plural(line.weeks_quarter, 'week')} of firefighting this quarter"


def _joined(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


# ── the digest's section ────────────────────────────────────────────────────

# One line under its sub-heading, the shape `bot.core.render` lists its entries in.


def section_entries(s: ProblemsSection, names: Mapping[str, str] | None = None, *,
                    escape: bool = True) -> tuple[str, list[Entry]]:
    """(title, entries) of the digest's "Tracked problems" list: reopened, open (oldest
    first, with the weeks each cost this quarter), fixed this week. Mrkdwn when `escape`,
    else plain text for a terminal."""
    star = "*" if escape else ""

    def owner(line: ProblemLine) -> str:
        return _owner(line.problem.owner, names, escape)

    entries: list[Entry] = []
    for line in s.reopened:
        p = line.problem
        entries.append((f"{star}Back again{star} — marked fixed, and its firefight came back",
                        f"• {_title(p, escape)} — "
                        + _joined(f"fixed in {p.fixed_at}, back this week", owner(line),
                                  cost_text(line))))
    for line in s.open:
        p = line.problem
        entries.append((f"{star}Open{star}", f"• {_title(p, escape)} — " + _joined(
            STATUS_NAMES[p.status], owner(line), age_text(line.age), cost_text(line))))
    for line in s.fixed:
        p = line.problem
        cost = (None if p.kind == "opportunity"
                else f"cost {plural(line.weeks_total, 'week')} of firefighting")
        entries.append((f"{star}Fixed this week{star}", f"• {_title(p, escape)} — "
                        + _joined(owner(line), age_text(line.age), cost)))
    title = (f"{star}:pushpin: Tracked problems{star}" if escape else "TRACKED PROBLEMS")
    return title, entries


def _chunks(lines: Sequence[str], max_sections: int) -> list[str]:
    """`lines` packed into at most `max_sections` texts of SECTION_CHARS; when they do not
    all fit, the last one ends with how many lines were left out."""
    chunks: list[str] = []
    current = ""
    for n, line in enumerate(lines):
        line = line[:SECTION_CHARS - 40]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= SECTION_CHARS - 40:
            current = candidate
            continue
        if len(chunks) + 1 == max_sections:
            current += "\n" + MORE.format(n=len(lines) - n)
            break
        chunks.append(current)
        current = line
    if current:
        chunks.append(current)
    return chunks


def problems_section_blocks(s: ProblemsSection, names: Mapping[str, str] | None = None,
                            *, max_blocks: int = SECTION_BLOCKS) -> list[Block]:
    """The section as blocks for the digest: a divider and up to `max_blocks - 1` sections,
    saying how many lines were left out if they do not fit. Nothing when it is empty."""
    if s.empty or max_blocks < 2:
        return []
    title, entries = section_entries(s, names)
    return [{"type": "divider"},
            *(section(chunk) for chunk in _chunks([title, *entry_lines(entries)], max_blocks - 1))]


def problems_section_text(s: ProblemsSection, names: Mapping[str, str] | None = None) -> str:
    """The section as plain text (the CLI's digest preview); empty when there is none."""
    if s.empty:
        return ""
    title, entries = section_entries(s, names, escape=False)
    return "\n".join([title, *entry_lines(entries)])


# ── App Home: the problems a member owns ────────────────────────────────────


def owner_home_blocks(problems: Sequence[TrackedProblem], user_id: str, period: str, *,
                      max_blocks: int = SECTION_BLOCKS) -> list[Block]:
    """The open problems `user_id` owns, for their App Home: status, weeks it cost this
    quarter and the team's last answer to "did we move on it?" (its note is member text,
    escaped). At most `max_blocks` blocks; nothing when they own none."""
    owned = [p for p in list_order(problems) if p.owner == user_id and p.status != "fixed"]
    if not owned or max_blocks < 2:
        return []
    lines = ["*Problems you own*"]
    for p in owned:
        line = problem_line(p, period)
        answer = None
        if p.follow_ups:
            last = p.follow_ups[-1]
            note = f": “{show(last.note, 200)}”" if last.note else ""
            answer = f"did we move on it? *{last.answer}* ({last.period}){note}"
        lines.append(f"• {_title(p, True)} — " + _joined(
            STATUS_NAMES[p.status], cost_text(line), answer))
    return [{"type": "divider"}, *(section(c) for c in _chunks(lines, max_blocks - 1))]


# ── /headway problems ───────────────────────────────────────────────────────


@dataclass(frozen=True)
class ProblemsList:
    text: str  # notification fallback
    blocks: list[Block]


def _detail(problem: TrackedProblem, period: str) -> str:
    line = problem_line(problem, period)
    status = f"{STATUS_EMOJI[problem.status]} *{STATUS_NAMES[problem.status]}*"
    when = None
    if problem.status == "fixed":
        when = f"fixed in {problem.fixed_at}"
    elif problem.reopened_at:
        when = f"came back in {problem.reopened_at}"
    cost = None
    if problem.kind != "opportunity":
        cost = (f"{plural(line.weeks_quarter, 'week')} this quarter, "
                f"{line.weeks_total} since tracked")
    answer = None
    if problem.follow_ups:
        last = problem.follow_ups[-1]
        answer = f"moved on it? {last.answer} ({last.period})"
    return _joined(status, _owner(problem.owner, None, True, mention=True),
                   f"{age_text(line.age)} ({problem.started})", when, cost, answer)


def _buttons(problem: TrackedProblem, *, can_untrack: bool) -> Block:
    assert problem.id is not None  # a listed problem is a stored one
    elements: list[Block] = [
        button(_MOVE_TEXT[(problem.status, target)], f"{PROBLEM_STATUS}_{target}",
               f"{problem.id}:{target}", "primary" if target == "fixed" else None)
        for target in STATUSES if target != problem.status]
    owner: Block = {"type": "users_select", "action_id": PROBLEM_OWNER,
                    "placeholder": {"type": "plain_text", "text": "Change owner"}}
    if _USER_ID.fullmatch(problem.owner):
        owner["initial_user"] = problem.owner
    elements.append(owner)
    if can_untrack:
        untrack = button("Untrack", PROBLEM_UNTRACK, str(problem.id), "danger")
        untrack["confirm"] = {
            "title": {"type": "plain_text", "text": "Untrack this problem?"},
            "text": {"type": "plain_text",
                     "text": "It leaves the list and the digest, with the weeks it cost."},
            "confirm": {"type": "plain_text", "text": "Untrack"},
            "deny": {"type": "plain_text", "text": "Keep it"}}
        elements.append(untrack)
    return {"type": "actions", "block_id": f"{PROBLEM_BLOCK}{problem.id}",
            "elements": elements}


def problems_list(problems: Sequence[TrackedProblem], period: str, *, team_name: str,
                  can_untrack: bool = False) -> ProblemsList:
    """`/headway problems [<team>]`: each problem with its status, owner, age and the weeks
    it cost this quarter; open ones first (oldest first), then the fixed ones. The first
    `WITH_BUTTONS` get buttons to move the status and an owner select (and Untrack for a
    lead or admin); the rest are listed, as many as fit, saying how many more there are."""
    ordered = list_order(problems)
    counts = {s: sum(p.status == s for p in ordered) for s in STATUSES}
    summary = ", ".join(f"{counts[s]} {STATUS_NAMES[s]}" for s in STATUSES)
    team = safe(team_name, 100)  # a name is escaped in plain_text fields too
    fallback = f"Tracked problems of {team}: {summary}"
    blocks: list[Block] = [{"type": "header", "text": {
        "type": "plain_text", "text": f"Tracked problems · {safe(team_name, HEADER_CHARS - 19)}"}}]
    if not ordered:
        blocks.append(section(
            f"*{team}* tracks no problems yet. Press *Track it* on a recurring "
            f"firefight or an agenda item in the team's digest."))
        return ProblemsList(fallback, blocks)
    blocks.append(context(f"Week {period} · {quarter_of(period)}: {summary}"))
    for problem in ordered[:WITH_BUTTONS]:
        blocks.append(section(truncate(f"*{_title(problem, True)}*\n"
                                       f"{_detail(problem, period)}", SECTION_CHARS)))
        blocks.append(_buttons(problem, can_untrack=can_untrack))
    rest = ordered[WITH_BUTTONS:]
    if rest:
        lines = [f"*{len(rest)} more, without buttons here:*",
                 *(f"• {_title(p, True)} — {_detail(p, period)}" for p in rest)]
        blocks += [section(c) for c in _chunks(lines, max(1, MAX_BLOCKS - len(blocks) - 1))]
    blocks.append(context("Status buttons and the owner list change a problem for the whole "
                          "team; the digest shows open ones with the weeks they cost."))
    return ProblemsList(fallback, blocks)


# ── the digest's Track it ───────────────────────────────────────────────────


def track_button(team_id: int, period: str, kind: Kind, text: str) -> Block:
    """The Track it button beside a recurring firefight or an agenda item (its value:
    `bot.core.problems.track_value`)."""
    return button("Track it", PROBLEM_TRACK, track_value(team_id, period, kind, text))


def tracked_note(problem: TrackedProblem, names: Mapping[str, str] | None = None, *,
                 escape: bool = True) -> str:
    """What stands beside an entry that is tracked already, instead of its button."""
    status = "fixed" if problem.status == "fixed" else STATUS_NAMES[problem.status]
    text = f"tracked, {status}, {_owner(problem.owner, names, escape)}"
    return f"_:pushpin: {text}_" if escape else f"[{text}]"


def tracked_reply(problem: TrackedProblem, team_name: str) -> str:
    """The ephemeral answer to a first press of Track it."""
    cost = ("Each week the digest counts the weeks its firefight comes back. "
            if problem.kind != "opportunity" else "")
    return (f":pushpin: Tracked for *{safe(team_name, 100)}*: “{_title(problem, True)}”. "
            f"You own it. {cost}`/headway problems` lists it, with buttons to change its "
            f"status and owner.")


def already_tracked_reply(problem: TrackedProblem) -> str:
    """A second press of Track it (or of another entry about the same problem)."""
    status = STATUS_NAMES[problem.status]
    return (f"That one is already tracked: “{_title(problem, True)}” ({status}, "
            f"{_owner(problem.owner, None, True, mention=True)}, tracked in "
            f"{problem.started}). `/headway problems` lists it.")


def entry_gone_reply(period: str) -> str:
    """Track it on an entry the week's digest no longer has (its answer was edited or
    deleted since the digest was posted)."""
    return (f"That item is no longer in the {period} digest: an answer changed since it was "
            f"posted. The digest updates within a few minutes; press Track it there again.")


PROBLEM_GONE = "That problem is no longer tracked (someone untracked it)."
TEAM_GONE = "That team no longer exists, so its problems can't change."


# ── "did we move on it?" about a tracked problem ────────────────────────────

ANSWER_TEXT: dict[Answer, str] = {"yes": "Yes", "partly": "Partly", "no": "Not yet"}


def follow_up_message(line: str, problem: TrackedProblem, nudge_id: int,
                      answered: Answer | None = None) -> tuple[str, list[Block]]:
    """The follow-up DM: last week's agenda line (`digest.agenda_follow_up`, plain text) and
    one button per answer, recorded on the tracked problem it names. Once answered, the
    chosen answer is marked; another tap changes it."""
    assert problem.id is not None
    value = f"{nudge_id}:{problem.id}"
    elements = [button(ANSWER_TEXT[a], FOLLOW_UP_ACTIONS[a], value,
                       "primary" if a == answered else None) for a in ANSWERS]
    owner = _owner(problem.owner, None, True, mention=True)
    note = (f"Recorded: *{ANSWER_TEXT[answered].lower()}*, on the tracked problem "
            f"“{_title(problem, True)}” ({owner} sees it). Tap another to change it."
            if answered else
            f"It is a tracked problem ({owner}): your answer is recorded on it.")
    blocks = [section(f"↩︎ {safe(line, 2900)}"),
              {"type": "actions", "block_id": f"follow_up:{nudge_id}", "elements": elements},
              context(note)]
    return safe(line, 300), blocks


def answered_follow_up(blocks: Sequence[Block], problem: TrackedProblem, nudge_id: int,
                       answer: Answer) -> list[Block] | None:
    """The clicked follow-up DM (`blocks`, as Slack sent them) redrawn with `answer`
    marked; None when it holds no follow-up of that nudge (a forged click)."""
    at = next((i for i, b in enumerate(blocks)
               if b.get("block_id") == f"follow_up:{nudge_id}"), None)
    if at is None:
        return None
    _, redrawn = follow_up_message("", problem, nudge_id, answer)
    return [*blocks[:at], *redrawn[1:]]

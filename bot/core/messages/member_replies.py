"""What `/headway` answers a member about their own settings, answers and data.

Pure text (Slack mrkdwn); the listeners in `bot/listeners/commands/` decide which to send.
What a member wrote is shown with `show`, escaped once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.messages.confirmation import LABEL_NAMES
from bot.core.messages.home import schedule_line, share_bar
from bot.core.model import Member, Reply, WeekShare
from bot.core.text import safe, show


def plural(n: int, word: str, words: str | None = None) -> str:
    """`1 answer`, `2 answers`; `1 person`, `2 people` with `words`."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


NOT_ENROLLED = "You're not in Headway yet. Type `/headway join` to start."


def slack_refused(error: object) -> str:
    """A Slack call a command needed failed: nothing was changed."""
    return f"Slack refused that (`{error}`). Nothing was changed; try again in a moment."


# ── joining and leaving ──────────────────────────────────────────────────────


def joined(member: Member, *, again: bool, team: str | None = None,
           teams: Sequence[str] = ()) -> str:
    """After `join`: `team` is the team just joined (None: no new team); `teams` all of
    theirs, named when there are several."""
    greeting = "Welcome back" if again else "You're in"
    # "Welcome back *Platform*" would greet the team: a returning member is now *in* it.
    where = (f", now in *{safe(team)}*" if again else f" *{safe(team)}*") if team else ""
    if len(teams) > 1:
        where += f" (your teams: {', '.join(f'*{safe(t)}*' for t in teams)})"
    return (f"{greeting}{where}! Headway will DM you "
            f"{schedule_line(member)} — {member.tz}, once a week however many teams "
            f"you are in. Change it with `/headway time 16:30 mon-fri`; `/headway now` asks "
            f"right away.")


def not_in_team(team: str) -> str:
    return f"You're not in *{safe(team)}*, so there's nothing to leave."


def left_team(team: str) -> str:
    return (f"Done: you're no longer in *{safe(team)}*. You're still asked each week for "
            f"your other teams; `/headway leave` stops all questions.")


NOT_IN_TO_LEAVE = "You're not in Headway, so there's nothing to leave."
LEFT = ("Done: no more questions from Headway. Your earlier answers stay in the team's "
        "history; `/headway forget me` deletes them. `/headway join` brings you back.")

# ── when to be asked ─────────────────────────────────────────────────────────


def skipping(period: str, *, already: bool) -> str:
    if already:
        return f"You're already skipping week {period}."
    return f"Skipping week {period}: no more questions until next week."


def paused(weeks: int, until: date) -> str:
    return (f"Paused for {plural(weeks, 'week')}: no questions through "
            f"{until:%a %d %b %Y}. `/headway resume` ends it early.")


def resumed(member: Member, *, was_paused: bool) -> str:
    if not was_paused:
        return f"You're not paused. Headway asks {schedule_line(member)}."
    return f"Welcome back. Headway asks {schedule_line(member)}."


def schedule_set(member: Member) -> str:
    return f"Got it: Headway asks {schedule_line(member)} ({member.tz})."


def quiet_hours_set(member: Member) -> str:
    if member.quiet_hours is None:
        return f"No quiet hours. Headway asks {schedule_line(member)}."
    begin, end = member.quiet_hours
    return (f"Quiet from {begin:%H:%M} to {end:%H:%M} ({member.tz}): a question due then is "
            f"not sent. Headway asks {schedule_line(member)}.")


def anonymous_set(on: bool, earlier: int = 0) -> str:
    """`earlier`: how many of the member's stored answers became anonymous too."""
    if on:
        return (f"Anonymous on: the digest shows your answers without your name "
                f"(including your {plural(earlier, 'earlier answer')}).")
    return "Anonymous off: your next answers appear with your name in the digest."


def holidays(days: Sequence[date]) -> str:
    if not days:
        return ("No upcoming holidays. An admin can add some: "
                "`/headway holidays add 2026-12-24 2026-12-26`.")
    return "Upcoming holidays (no questions on these days):\n" + day_list(days)


def day_list(days: Sequence[date]) -> str:
    return "\n".join(f"• {d:%a %d %b %Y}" for d in days)


# ── asking now, and what was answered ────────────────────────────────────────

NUDGE_SENT = "Sent: this week's question is in your DMs with Headway."
NUDGE_FAILED = "I couldn't DM you just now. Try again in a minute."


def already_asked(period: str) -> str:
    return f"You already have week {period}'s question in your DMs with Headway — reply there."


def history(replies: Sequence[Reply]) -> str:
    """The member's recent answers, item by item with its label (Slack's 3,000 at most)."""
    if not replies:
        return "No answers yet. Reply to Headway's next DM, or type `/headway now`."
    lines = ["*Your recent answers*"]
    for r in replies:
        lines.append(f"*{r.period}* · {r.kind}")
        for item in r.items:
            label = f" — _{LABEL_NAMES[item.label]}_" if item.label else ""
            lines.append(f"• {show(item.text, 300)}{label}")
    return "\n".join(lines)[:3000]


def stats(shares: Sequence[WeekShare], weeks: int) -> str:
    """A bar a week, and the total over the `weeks` when any work was labelled."""
    return "\n".join(["*Your progress share* (progress ÷ all labelled work)",
                      *share_lines(shares, weeks)])


def share_lines(shares: Sequence[WeekShare], weeks: int) -> list[str]:
    """A bar a week, then the share over the `weeks` when any work was labelled."""
    lines = [f"`{w.period}` {share_bar(w.share)}" for w in shares]
    progress = sum(w.progress for w in shares)
    total = progress + sum(w.ktlo for w in shares)
    if total:
        lines.append(f"Over {weeks} weeks: {round(100 * progress / total)}% progress "
                     f"({progress} of {total} items).")
    return lines


# ── the member's own data ────────────────────────────────────────────────────

NOTHING_STORED = "Headway stores nothing about you."
EXPORT_COMMENT = "Your Headway data: everything stored about you."
EXPORT_SENT = "Sent: your data is in your DMs with Headway, as JSON and CSV."

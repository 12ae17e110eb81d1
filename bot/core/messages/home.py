"""App Home, and the line that says when a member is asked (also in command replies).
Pure functions returning plain dicts; user text is always escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.edits import why_not_editable
from bot.core.effort import EFFORT_CHOICES, EFFORT_SAID
from bot.core.messages.blocks import Block, context, section
from bot.core.messages.confirmation import item_blocks
from bot.core.messages.edit import answer_heading
from bot.core.messages.team_status import lead_section
from bot.core.model import Member, Reply, WeekShare
from bot.core.status import LeadView
from bot.core.text import safe
from bot.core.when import format_days


def schedule_line(member: Member) -> str:
    """When the member is asked: "Fridays at 15:00 (your time)"."""
    return f"{format_days(member.days)} at {member.nudge_time.strftime('%H:%M')} (your time)"


def share_bar(share: float | None, width: int = 10) -> str:
    """`▓▓▓▓░░░░░░ 42%`, or "no data" for a week without labelled work."""
    if share is None:
        return "no data"
    filled = round(share * width)
    return "▓" * filled + "░" * (width - filled) + f" {round(share * 100)}%"


def effort_note(choice: str | None) -> str:
    """A week's answer to the effort question, as App Home repeats it (or "")."""
    said = next((EFFORT_SAID[c] for c in EFFORT_CHOICES if c == choice), None)
    return f" · lights-on time: {said}" if said else ""


def home_view(
    member: Member | None,
    recent: Sequence[Reply],
    shares: Sequence[WeekShare],
    *,
    period: str | None = None,
    efforts: Mapping[str, str] | None = None,
    leads: Sequence[LeadView] = (),
    problems: Sequence[Block] = (),
) -> Block:
    """The member's Home tab. `period`: the member's current week, which decides which
    answers show an Edit button (`edits.why_not_editable`); `efforts`: their answers to
    the effort question, by week, shown beside each week's share; `leads`: the teams they
    lead (`team_status.lead_section`; a lead need not be enrolled); `problems`: the tracked
    problems they own (`messages.problems.owner_home_blocks`), shown after the shares."""
    efforts = efforts or {}
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Headway"}},
    ]
    if member is None or not member.active:
        blocks.append(section("You're not enrolled. Type `/headway join` to get a short weekly "
                              "question by DM, and `/headway help` for everything else."))
        blocks += lead_section(leads)
        return {"type": "home", "blocks": blocks}

    settings = [
        f"*When:* {schedule_line(member)}",
        f"*Time zone:* {safe(member.tz)}",
        f"*Paused until:* {member.paused_until.isoformat()}" if member.paused_until else None,
        "*Digest:* your answers appear " + ("without your name" if member.anonymous
                                           else "with your name"),
    ]
    blocks.append(section("\n".join(s for s in settings if s)))
    blocks.append(context("Change with `/headway time 09:30 mon-fri`, `/headway pause 2`, "
                          "`/headway anonymous on`."))

    blocks.append({"type": "divider"})
    blocks.append(section("*Your progress share, recent weeks*\n" + "\n".join(
        f"`{w.period}` {share_bar(w.share)}{effort_note(efforts.get(w.period))}"
        for w in shares
    ) if shares else "*Your progress share*\nNo labelled work yet."))
    if efforts:
        blocks.append(context("Lights-on time is your own answer to the question under the "
                              "weekly work question; tap another answer there to change it."))
    blocks += lead_section(leads)

    blocks += problems
    blocks.append({"type": "divider"})
    title = "*Your recent answers*"
    blocks.append(section(title if recent else f"{title}\nNone yet."))
    budget = 100 - len(blocks) - 2  # Home views allow 100 blocks
    for reply in recent:
        if budget <= 1:
            break
        why_not = (why_not_editable(reply, member.user_id, period) if period is not None
                   else "too_old")
        blocks += answer_heading(reply, why_not)
        budget -= 1
        for item in reply.items:
            shown = item_blocks(item)
            if budget < len(shown):
                break
            blocks += shown
            budget -= len(shown)
    return {"type": "home", "blocks": blocks}

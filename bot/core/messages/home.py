"""App Home, and the line that says when a member is asked (also in command replies).
Pure functions returning plain dicts; user text is always escaped."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.messages.blocks import Block, context, section
from bot.core.messages.confirmation import item_blocks
from bot.core.model import Member, Reply, WeekShare
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


def home_view(
    member: Member | None,
    recent: Sequence[Reply],
    shares: Sequence[WeekShare],
) -> Block:
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Headway"}},
    ]
    if member is None or not member.active:
        blocks.append(section("You're not enrolled. Type `/headway join` to get a short weekly "
                              "question by DM, and `/headway help` for everything else."))
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
        f"`{w.period}` {share_bar(w.share)}" for w in shares
    ) if shares else "*Your progress share*\nNo labelled work yet."))

    blocks.append({"type": "divider"})
    title = "*Your recent answers*"
    blocks.append(section(title if recent else f"{title}\nNone yet."))
    budget = 100 - len(blocks) - 2  # Home views allow 100 blocks
    for reply in recent:
        if budget <= 1:
            break
        blocks.append(context(f"Week {reply.period} · {reply.kind}"))
        budget -= 1
        for item in reply.items:
            shown = item_blocks(item)
            if budget < len(shown):
                break
            blocks += shown
            budget -= len(shown)
    return {"type": "home", "blocks": blocks}

"""App Home: the member's recent answers, progress share and settings."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.context import Headway
from bot.core import messages
from bot.core.model import Member
from bot.core.periods import period_of, recent_periods
from bot.core.when import format_days
from bot.members import named

HOME_WEEKS = 8
HOME_REPLIES = 5


def schedule_line(member: Member) -> str:
    return f"{format_days(member.days)} at {member.nudge_time.strftime('%H:%M')} (your time)"


def publish_home(hw: Headway, client: WebClient, workspace_id: str, user_id: str) -> None:
    store = hw.store
    member = store.get_member(workspace_id, user_id)
    if member is None or not member.active:
        view = messages.home_view(None, [], [], "")
    else:
        period = period_of(hw.now(), member.tz)
        weeks = [*recent_periods(period, HOME_WEEKS - 1), period]
        shares = [w for w in store.member_week_shares(workspace_id, user_id, weeks)]
        recent = named(hw, workspace_id, store.replies(workspace_id, user_id=user_id,
            limit=HOME_REPLIES))
        view = messages.home_view(member, recent, shares, schedule_line(member))
    client.views_publish(user_id=user_id, view=view)

"""App Home: the member's recent answers (with Edit buttons), progress share and their own
answers to the effort question, and settings; for a person who leads teams, those teams
(`bot.team_status.lead_views`), whoever is looking being enrolled or not."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.context import Headway
from bot.core import messages
from bot.core.periods import period_of, recent_periods
from bot.members import named
from bot.problems import home_blocks
from bot.team_status import lead_views

HOME_WEEKS = 8
HOME_REPLIES = 5


def publish_home(hw: Headway, client: WebClient, workspace_id: str, user_id: str) -> None:
    store = hw.store
    member = store.members.get(workspace_id, user_id)
    leads = lead_views(hw, workspace_id, user_id, hw.now())
    if member is None or not member.active:
        view = messages.home_view(None, [], [], leads=leads)
    else:
        period = period_of(hw.now(), member.tz)
        weeks = [*recent_periods(period, HOME_WEEKS - 1), period]
        shares = [w for w in store.replies.week_shares(workspace_id, weeks, user_id=user_id)]
        recent = named(hw, workspace_id, store.replies.of(workspace_id, user_id=user_id,
            limit=HOME_REPLIES))
        view = messages.home_view(member, recent, shares, period=period,
                                  efforts=store.efforts.of_member(workspace_id, user_id, weeks),
                                  leads=leads,
                                  problems=home_blocks(hw, workspace_id, user_id, period))
    client.views_publish(user_id=user_id, view=view)

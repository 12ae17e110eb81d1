"""Loading who has not answered a team's week (`bot.core.status`), for `/headway team
status` and the App Home of the people who lead teams."""

from __future__ import annotations

from datetime import datetime

from bot.context import Headway
from bot.core.model import Team
from bot.core.periods import shift_period
from bot.core.reminders import digest_at
from bot.core.schedule import next_digest
from bot.core.status import LeadView, TeamWeek, quarter_so_far, summed, team_week
from bot.reminders import work_prompts

# App Home shows this many of the teams a person leads (a Home view holds 100 blocks, and
# their own answers come after).
HOME_TEAMS = 10


def status_period(team: Team, now: datetime) -> str:
    """The week the team's next digest will review."""
    upcoming = next_digest(team, now)
    assert upcoming is not None  # a weekly post always has an occurrence within 8 days
    return upcoming.period


def load_team_week(hw: Headway, team: Team, now: datetime,
                   period: str | None = None) -> TeamWeek:
    """The team's week (default: the one its next digest reviews), sorted for its leads."""
    period = period or status_period(team, now)
    standing = hw.store.reminders.team_week(team.id, period, work_prompts(hw))
    return team_week(team, period, digest_at(team, period), standing)


def lead_views(hw: Headway, workspace_id: str, user_id: str, now: datetime) -> list[LeadView]:
    """The teams `user_id` leads (at most `HOME_TEAMS`, by name), each with its week, its
    share this quarter so far and last week. Nothing for a person who leads no team."""
    views = []
    for team in hw.store.teams.led_by(workspace_id, user_id)[:HOME_TEAMS]:
        week = load_team_week(hw, team, now)
        last = shift_period(week.period, -1)
        weeks = sorted({*quarter_so_far(week.period), last})
        shares = {s.period: s for s in hw.store.replies.week_shares(workspace_id, weeks,
                                                                    team_id=team.id)}
        quarter = summed(week.period, [shares[w] for w in quarter_so_far(week.period)])
        views.append(LeadView(week, quarter, shares[last]))
    return views

"""Loading, building and posting the leaders' weekly rollup of a workspace.

The rollup goes to the workspace's `rollup_channel` under the digest's ledger rules, in
its own table (`store.rollups`): claimed before it is built, at most once per (channel,
period), updated with `chat.update` when its dirty mark is set (any change a digest of the
same week would show marks both), and backed off when Slack refuses it. The posting itself
is the digest's (`bot.digests.post_weekly`); when the scheduler posts or updates is
`bot.core.policies.digest_step` over `due_digest(rollup_schedule(workspace), …)`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.context import Headway
from bot.core.chart import MAX_LINES, lines_png
from bot.core.model import Workspace
from bot.core.render import DigestMessage
from bot.core.render_rollup import chart_alt_text, render_rollup_blocks
from bot.core.rollup import (
    Rollup,
    RollupInput,
    TeamFacts,
    build_rollup,
    firefight_periods,
    past_periods,
)
from bot.core.schedule import rollup_schedule
from bot.digests import DigestError, Posted, post_weekly, token_scopes
from bot.weekly_posts import post_if_due

log = logging.getLogger(__name__)


def load_input(hw: Headway, workspace_id: str, period: str) -> RollupInput:
    """Everything the rollup needs, read with a fixed number of queries whatever the
    history and the number of teams (`store.team_weeks`: one query each, grouped by
    team)."""
    store = hw.store
    workspace = store.workspaces.get(workspace_id)
    weeks = store.team_weeks.weeks(workspace_id, past_periods(period))
    ktlo = store.team_weeks.ktlo_texts(workspace_id, firefight_periods(period))
    teams = tuple(
        TeamFacts(t.id, t.name, t.target, tuple(weeks.get(t.id, ())),
                  tuple((p, tuple(texts)) for p, texts in ktlo.get(t.id, {}).items()))
        for t in store.teams.of(workspace_id))
    return RollupInput(
        workspace_name=(workspace.name if workspace else "") or workspace_id,
        period=period,
        teams=teams,
        members=tuple(store.team_weeks.members(workspace_id, period)),
        answered=tuple(store.team_weeks.people(workspace_id, period)),
        effort=tuple(store.team_weeks.efforts(workspace_id, period)),
    )


def build(hw: Headway, workspace_id: str, period: str) -> Rollup:
    return build_rollup(load_input(hw, workspace_id, period))


def post_rollup(hw: Headway, workspace_id: str, period: str,
                channel: str | None = None) -> Posted:
    """Post the workspace's rollup of `period` to its rollup channel, or update it if it
    was posted there."""
    if channel is None:
        workspace = hw.store.workspaces.get(workspace_id)
        channel = workspace.rollup_channel if workspace else None
    if not channel:
        raise DigestError("this workspace has no rollup channel yet: an admin runs "
                          "`/headway rollup here` in the channel that should receive it")
    built: list[Rollup] = []

    def message() -> DigestMessage:
        built.append(build(hw, workspace_id, period))
        return render_rollup_blocks(built[-1])

    def chart(client: WebClient, channel_id: str, ts: str, resp: SlackResponse) -> bool:
        return _upload_chart(client, channel_id, ts, built[-1], token_scopes(resp))

    return post_weekly(hw, hw.store.rollups, workspace_id, channel, period, message, chart,
                       what="rollup")


def chart_series(rollup: Rollup) -> list[tuple[str, tuple[tuple[str, float | None], ...]]]:
    """The teams the chart draws, one line each: the shown teams with any share, the
    teams with the most answers first (the chart draws MAX_LINES; the legend counts the
    rest)."""
    shown = [t for t in rollup.teams if t.shown and any(s is not None for _, s in t.weeks)]
    shown.sort(key=lambda t: (-t.answered, t.name.casefold()))
    return [(t.name, t.weeks) for t in shown]


def _upload_chart(client: WebClient, channel: str, ts: str, rollup: Rollup,
                  scopes: frozenset[str] | None) -> bool:
    """The teams' shares as a line chart in the rollup's thread, when the app may upload
    files (as the digest's chart: with the first post only)."""
    series = chart_series(rollup)
    if not series or (scopes is not None and "files:write" not in scopes):
        return False
    first = series[0][1][0][0]
    try:
        client.files_upload_v2(
            channel=channel, thread_ts=ts, content=lines_png(series, MAX_LINES),
            filename=f"headway-rollup-{rollup.period}.png",
            title=f"Progress share by team, {first} to {rollup.period}",
            alt_txt=chart_alt_text(rollup),
        )
    except SlackApiError as exc:
        log.warning("rollup chart not uploaded: %s", exc.response.get("error"))
        return False
    return True


def post_due(hw: Headway, workspace: Workspace, now: datetime) -> str | None:
    """Post or update the workspace's rollup if the digest's policy says so at `now`:
    "posted", "updated" or None; nothing while the workspace has no team. A rollup Slack
    refused waits out a growing backoff (`retry_wait`) before it is tried again, as a
    digest does."""
    channel = workspace.rollup_channel
    if not channel:
        return None
    workspace_id = workspace.workspace_id
    if not hw.store.teams.of(workspace_id):
        return None  # nothing to compare: no weekly "no teams yet" in the leaders' channel
    return post_if_due(hw, hw.store.rollups, hw.rollup_refusals, workspace_id, channel,
                       rollup_schedule(workspace), now,
                       lambda period: post_rollup(hw, workspace_id, period, channel),
                       f"rollup of workspace {workspace_id}")

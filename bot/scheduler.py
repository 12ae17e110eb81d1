"""The scheduler inside `serve`: one APScheduler interval job, "tick", once a minute.

Why not one cron job per member: thousands of jobs, wall-clock times that fire 0 or 2
times across DST, and nothing remembered across restarts. A tick asks the pure schedule
maths what is due *now* and the ledger what was already sent, so restarts and DST changes
cannot duplicate or drop a nudge.

One scheduler per database: an exclusive lock on `<db>.scheduler.lock` (released by the
OS even on SIGKILL) keeps a second `serve` on the same file from scheduling too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot import digests, members, nudges, reminders, rollups
from bot.context import Headway
from bot.core.model import Team
from bot.core.policies import DIGEST_GRACE, RETRY_MAX, digest_step, retry_wait
from bot.core.retention import retention_cutoff
from bot.core.schedule import due_digest
from bot.locks import SchedulerLock
from bot.units import unit_of_work

log = logging.getLogger(__name__)
TICK_SECONDS = 60
HANDLED_MESSAGES_KEPT = timedelta(days=1)


@dataclass
class TickResult:
    nudges: nudges.FanoutResult
    digests_posted: int
    digests_updated: int
    replies_purged: int = 0
    workspaces_purged: int = 0
    # Units of work that raised ("digest of workspace:T1"…): logged, tried again next tick.
    failed: list[str] = field(default_factory=list)


def tick(hw: Headway) -> TickResult:
    """Everything that is due at `hw.now()`: nudges, snooze reminders, digests, retention.

    Each unit of work (one workspace's sweep, one member's nudge, one reminder, one
    workspace's digest or purge) fails alone: see `bot.units`.
    """
    failed: list[str] = []
    sweep_time_zones(hw, failed)
    fanout = send_nudges(hw, failed)
    reminders.send_reminders(hw, failed)  # before the digest, to who has not answered
    posted, updated = post_digests(hw, failed)
    post_rollups(hw, failed)
    purge_handled_messages(hw, failed)
    return TickResult(fanout, posted, updated, purge_expired(hw, failed),
                      purge_uninstalled(hw, failed), failed)


def sweep_time_zones(hw: Headway, failed: list[str] | None = None) -> None:
    """Members' zones follow Slack (once a day per workspace: see `bot.members`)."""
    for workspace in hw.store.workspaces.all():
        with unit_of_work("time zone sweep of workspace", workspace.workspace_id, failed=failed):
            members.refresh_time_zones(hw, workspace.workspace_id)


def send_nudges(hw: Headway, failed: list[str] | None = None) -> nudges.FanoutResult:
    """The nudges and snooze reminders due now (see `bot.nudges.send_due`)."""
    fanout = nudges.FanoutResult()
    with unit_of_work("nudges", failed=failed):
        fanout = nudges.send_due(hw)
    return fanout


def post_digests(hw: Headway, failed: list[str] | None = None) -> tuple[int, int]:
    """Each team's digest posted or updated as `bot.core.policies.digest_step` says;
    returns how many were posted and how many updated."""
    posted = updated = 0
    now = hw.now()
    for team in hw.store.teams.with_digest_channel():
        with unit_of_work("digest of team", f"{team.workspace_id}/{team.id}", failed=failed):
            action = _digest_unit(hw, team, now)
            posted += action == "posted"
            updated += action == "updated"
    return posted, updated


def _digest_unit(hw: Headway, team: Team, now: datetime) -> str | None:
    """Post or update one team's digest if the policy says so; "posted", "updated" or
    None."""
    channel = team.digest_channel
    if not channel:
        return None
    due = due_digest(team, now, DIGEST_GRACE)
    record = (hw.store.digests.get(team.workspace_id, channel, due.period) if due
              else hw.store.digests.latest_posted(team.workspace_id, channel))
    step = digest_step(due, record, now)
    if step is None:
        return None
    key = (team.workspace_id, channel, step.period)
    refused = hw.digest_refusals.get(key)
    if refused is not None and now < refused[1]:
        return None  # Slack refused it a moment ago: wait out the backoff
    try:
        outcome = digests.post_digest(hw, team, step.period)
    except digests.DigestError as exc:
        count = refused[0] + 1 if refused else 1
        wait = retry_wait(count)
        hw.digest_refusals[key] = (count, now + wait)
        # Once per streak, then once an hour: not a warning every minute.
        level = logging.WARNING if count == 1 or wait == RETRY_MAX else logging.DEBUG
        log.log(level, "digest of team %s/%s not posted: %s (refused %d time%s in a row; "
                "trying again in %d min)", team.workspace_id, team.id, exc, count,
                "" if count == 1 else "s", wait.total_seconds() // 60)
        return None
    if hw.digest_refusals.pop(key, None) is not None:
        log.info("digest of team %s/%s posted after Slack had refused it", team.workspace_id,
                 team.id)
    return outcome.action


def post_rollups(hw: Headway, failed: list[str] | None = None) -> tuple[int, int]:
    """Each workspace's leaders' rollup posted or updated as `bot.core.policies.digest_step`
    says (`bot.rollups.post_due`); returns how many were posted and how many updated.
    Called right after the digests: a rollup due in the same tick follows them."""
    posted = updated = 0
    now = hw.now()
    for workspace in hw.store.workspaces.all():
        if not workspace.rollup_channel:
            continue
        with unit_of_work("rollup of workspace", workspace.workspace_id, failed=failed):
            action = rollups.post_due(hw, workspace, now)
            posted += action == "posted"
            updated += action == "updated"
    return posted, updated


def purge_handled_messages(hw: Headway, failed: list[str] | None = None) -> None:
    """Slack stopped redelivering those messages long ago: their marks are not needed."""
    with unit_of_work("purge of handled messages", "*", failed=failed):
        hw.store.messages.purge_before(hw.now() - HANDLED_MESSAGES_KEPT)


def purge_uninstalled(hw: Headway, failed: list[str] | None = None) -> int:
    """A workspace that uninstalled Headway loses all its rows once the uninstall
    retention period has passed (a reinstall before then stops the clock)."""
    days = hw.settings.uninstall_retention_days
    gone = hw.store.workspaces.uninstalled_before(hw.now() - timedelta(days=days))
    purged = 0
    for workspace_id in gone:
        with unit_of_work("purge of uninstalled workspace", workspace_id, failed=failed):
            counts = hw.store.workspaces.purge(workspace_id)
            log.info("uninstalled %d days ago: purged workspace %s (%d rows)", days, workspace_id,
                     sum(counts.values()))
            purged += 1
    return purged


def purge_expired(hw: Headway, failed: list[str] | None = None) -> int:
    """Retention: each workspace with `retention N` loses replies older than N months."""
    purged = 0
    now = hw.now()
    for workspace in hw.store.workspaces.all():
        if not workspace.retention_months:
            continue
        with unit_of_work("retention purge of workspace", workspace.workspace_id, failed=failed):
            counts = hw.store.replies.purge_before(
                workspace.workspace_id, retention_cutoff(now, workspace.retention_months))
            if counts["replies"]:
                log.info("retention: purged %d replies of %s", counts["replies"],
                         workspace.workspace_id)
            purged += counts["replies"]
    return purged


def start_scheduler(hw: Headway) -> tuple[BackgroundScheduler | None, SchedulerLock]:
    """Start the tick job, unless another process already schedules for this database."""
    lock = SchedulerLock(hw.settings.db_path)
    if not lock.acquire():
        log.warning(
            "another Headway process already runs the scheduler for %s; this one only "
            "answers Slack (no nudges or digests from here)",
            hw.settings.db_path,
        )
        return None, lock

    def run_tick() -> None:
        try:
            result = tick(hw)
        except Exception:
            log.exception("tick failed")
            return
        if result.nudges.sent or result.digests_posted or result.digests_updated:
            log.info("tick: nudges %s; digests posted %d, updated %d",
                     result.nudges.summary(), result.digests_posted, result.digests_updated)

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        run_tick,
        IntervalTrigger(seconds=TICK_SECONDS),
        id="tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=TICK_SECONDS,
        next_run_time=hw.now(),
    )
    scheduler.start()
    log.info("scheduler started: nudges and digests are sent as they fall due")
    return scheduler, lock

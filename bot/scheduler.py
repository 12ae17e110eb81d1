"""The scheduler inside `serve`: lanes of work, each an APScheduler interval job.

Why not one cron job per member: thousands of jobs, wall-clock times that fire 0 or 2
times across DST, and nothing remembered across restarts. Each tick of a lane asks the pure
schedule maths what is due *now* and the ledger what was already sent, so restarts and DST
changes cannot duplicate or drop a nudge.

Why lanes: nudges, snooze reminders, time-zone sweeps, the gentle reminders, digests,
rollups and purges are separate jobs (`LANES`), so a long fan-out delays no digest and a
slow purge no nudge. A lane's job only hands its run to the lane's own thread
(`bot.senders.Senders`, one key per lane) and returns at once: a run still going when the
next tick comes is followed by one more run, never skipped. The nudge, reminder and sweep
lanes do not send themselves: they hand each workspace's share to that workspace's sender
(`hw.senders`) and are done in milliseconds, so one workspace's fan-out, or its slow or
rate-limited Slack, holds up no other. An idle tick is a few indexed queries whatever the
number of workspaces (the members' next-due times, the sweeps' due times, the ledger's
indexes).

Adding a lane is one line in `LANES`: a name and a function of `(hw, failed)`.

`tick(hw)` runs every lane once and waits for all of it (tests, the demo).

One scheduler per database: an exclusive lock on `<db>.scheduler.lock` (released by the
OS even on SIGKILL) keeps a second `serve` on the same file from scheduling too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot import digests, members, nudges, reminders, rollups
from bot.context import Headway, system_clock
from bot.core.model import Team, Workspace
from bot.core.retention import retention_cutoff
from bot.core.schedule import digest_schedule, next_sweep, rollup_schedule
from bot.locks import SchedulerLock
from bot.units import unit_of_work
from bot.weekly_posts import next_due, post_if_due

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
    """Every lane once, waited for: sweeps, nudges and snooze reminders, digests, purges.

    Each unit of work (one workspace's sweep, one member's nudge, one reminder, one
    workspace's digest or purge) fails alone: see `bot.units`.
    """
    failed: list[str] = []
    wait_all(sweep_time_zones(hw, failed))
    fanout = send_nudges(hw, failed)
    reminders.send_reminders(hw, failed)  # before the digest, to who has not answered
    posted, updated = post_digests(hw, failed)
    post_rollups(hw, failed)
    replies, workspaces = purge(hw, failed)
    return TickResult(fanout, posted, updated, replies, workspaces, failed)


def wait_all(futures: list[Future[Any]]) -> None:
    for future in futures:
        future.exception()  # a failed unit was logged by its sender; the rest goes on


def sweep_time_zones(hw: Headway, failed: list[str] | None = None) -> list[Future[Any]]:
    """Members' zones follow Slack: each workspace whose daily sweep is due (each at its
    own time of day, `next_sweep`) is swept by its sender. Returns at once."""
    with unit_of_work("time zone sweeps", failed=failed):
        return [hw.senders.submit(w, "time zone sweep", partial(_sweep, hw, w))
                for w in hw.store.scheduler.sweeps_due(hw.now())]
    return []


def _sweep(hw: Headway, workspace_id: str) -> None:
    now = hw.now()
    if members.refresh_time_zones(hw, workspace_id) is not None:
        hw.store.scheduler.set_tz_refreshed_at(workspace_id, now, next_sweep(workspace_id, now))


def send_nudges(hw: Headway, failed: list[str] | None = None) -> nudges.FanoutResult:
    """The nudges and snooze reminders due now, waited for (see `bot.nudges.send_due`)."""
    fanout = nudges.FanoutResult()
    with unit_of_work("nudges", failed=failed):
        fanout = nudges.send_due(hw)
    return fanout


def dispatch_nudges(hw: Headway, failed: list[str] | None = None) -> None:
    """The nudge lane: each workspace with someone due goes to its sender; not waited for."""
    with unit_of_work("nudges", failed=failed):
        nudges.dispatch_due(hw)


def dispatch_reminders(hw: Headway, failed: list[str] | None = None) -> None:
    """The reminder lane: snoozed nudges due back go to their workspace's sender."""
    with unit_of_work("reminders", failed=failed):
        nudges.dispatch_reminders(hw)


def purge(hw: Headway, failed: list[str] | None = None) -> tuple[int, int]:
    """The purge lane: handled-message marks, retention, uninstalled workspaces; returns
    the replies and the workspaces purged."""
    purge_handled_messages(hw, failed)
    return purge_expired(hw, failed), purge_uninstalled(hw, failed)


def post_digests(hw: Headway, failed: list[str] | None = None) -> tuple[int, int]:
    """The teams' digests posted or updated as `bot.core.policies.digest_step` says;
    returns how many were posted and how many updated. Only the teams whose digest is due
    (their stored next instant has come) or whose posted digest a change marked are
    looked at: an idle lane is two indexed queries however many teams there are."""
    posted = updated = 0
    now = hw.now()
    store = hw.store
    due = {team.id: (team, seen) for team, seen in store.teams.digest_due(now)}
    candidates = {team_id: team for team_id, (team, _) in due.items()}
    for record in store.digests.dirty_latest():
        if record.team_id is not None and record.team_id not in candidates:
            team = store.teams.get(record.workspace_id, record.team_id)
            if team is not None and team.digest_channel == record.channel:
                candidates[team.id] = team
    for team in candidates.values():
        with unit_of_work("digest of team", f"{team.workspace_id}/{team.id}", failed=failed):
            action = _digest_unit(hw, team, now)
            posted += action == "posted"
            updated += action == "updated"
            if team.id in due:
                _next_digest(hw, team, now, due[team.id][1])
    return posted, updated


def _next_digest(hw: Headway, team: Team, now: datetime, seen: str) -> None:
    at = next_due(hw.store.digests, team.workspace_id, team.digest_channel or "",
                  digest_schedule(team), now)
    if at is not None:
        hw.store.teams.set_next_digest(team.id, at, seen)


def _digest_unit(hw: Headway, team: Team, now: datetime) -> str | None:
    """Post or update one team's digest if the policy says so; "posted", "updated" or
    None."""
    if not team.digest_channel:
        return None
    return post_if_due(hw, hw.store.digests, hw.digest_refusals, team.workspace_id,
                       team.digest_channel, digest_schedule(team), now,
                       lambda period: digests.post_digest(hw, team, period),
                       f"digest of team {team.workspace_id}/{team.id}")


def post_rollups(hw: Headway, failed: list[str] | None = None) -> tuple[int, int]:
    """The workspaces' leaders' rollups posted or updated as
    `bot.core.policies.digest_step` says (`bot.rollups.post_due`); returns how many were
    posted and how many updated. As for digests, only the workspaces whose rollup is due
    or marked are looked at. Run after the digests: a rollup due in the same tick follows
    them."""
    posted = updated = 0
    now = hw.now()
    store = hw.store
    due = {w.workspace_id: (w, seen) for w, seen in store.workspaces.rollup_due(now)}
    candidates = {workspace_id: w for workspace_id, (w, _) in due.items()}
    for record in store.rollups.dirty_latest():
        if record.workspace_id not in candidates:
            workspace = store.workspaces.get(record.workspace_id)
            if (workspace is not None and workspace.uninstalled_at is None
                    and workspace.rollup_channel == record.channel):
                candidates[workspace.workspace_id] = workspace
    for workspace in candidates.values():
        with unit_of_work("rollup of workspace", workspace.workspace_id, failed=failed):
            action = rollups.post_due(hw, workspace, now)
            posted += action == "posted"
            updated += action == "updated"
            if workspace.workspace_id in due:
                _next_rollup(hw, workspace, now, due[workspace.workspace_id][1])
    return posted, updated


def _next_rollup(hw: Headway, workspace: Workspace, now: datetime, seen: str) -> None:
    at = next_due(hw.store.rollups, workspace.workspace_id, workspace.rollup_channel or "",
                  rollup_schedule(workspace), now)
    if at is not None:
        hw.store.workspaces.set_next_rollup(workspace.workspace_id, at, seen)


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
            hw.forget_workspace(workspace_id)
            log.info("uninstalled %d days ago: purged workspace %s (%d rows)", days, workspace_id,
                     sum(counts.values()))
            purged += 1
    return purged


def purge_expired(hw: Headway, failed: list[str] | None = None) -> int:
    """Retention: each workspace with `retention N` loses replies older than N months.
    Only the workspaces whose oldest reply is past their cutoff are touched (found with
    one statement)."""
    purged = 0
    now = hw.now()
    candidates: list[tuple[str, int, datetime]] = []
    with unit_of_work("retention purges", failed=failed):
        candidates = hw.store.workspaces.oldest_replies()
    cutoffs: dict[int, datetime] = {}
    for workspace_id, months, oldest in candidates:
        cutoff = cutoffs.setdefault(months, retention_cutoff(now, months))
        if oldest >= cutoff:
            continue
        with unit_of_work("retention purge of workspace", workspace_id, failed=failed):
            counts = hw.store.replies.purge_before(workspace_id, cutoff)
            if counts["replies"]:
                log.info("retention: purged %d replies of %s", counts["replies"], workspace_id)
            purged += counts["replies"]
    return purged


@dataclass(frozen=True)
class Lane:
    """A job of the scheduler: `run(hw, failed)` once a tick, in a thread of its own."""

    name: str
    run: Callable[[Headway, list[str]], object]


# The scheduler's jobs; another lane is one more line here.
LANES: tuple[Lane, ...] = (
    Lane("nudges", dispatch_nudges),
    Lane("reminders", dispatch_reminders),
    Lane("time zone sweeps", lambda hw, failed: sweep_time_zones(hw, failed)),
    Lane("gentle reminders", reminders.send_reminders),
    Lane("digests", post_digests),
    Lane("rollups", post_rollups),
    Lane("purges", purge),
)


def run_lane(hw: Headway, lane: Lane) -> None:
    """One run of a lane, its failures logged (each unit already logged its own)."""
    failed: list[str] = []
    try:
        lane.run(hw, failed)
    except Exception:
        log.exception("the %s lane failed", lane.name)


def start_scheduler(hw: Headway, *, tick_seconds: float = TICK_SECONDS,
                    lanes: tuple[Lane, ...] = LANES
                    ) -> tuple[BackgroundScheduler | None, SchedulerLock]:
    """Start one job per lane, unless another process already schedules for this
    database."""
    lock = SchedulerLock(hw.settings.db_path)
    if not lock.acquire():
        log.warning(
            "another Headway process already runs the scheduler for %s; this one only "
            "answers Slack (no nudges or digests from here)",
            hw.settings.db_path,
        )
        return None, lock

    def job(lane: Lane) -> None:
        # Hand the run to the lane's thread and return: the job never outlasts its tick,
        # so APScheduler never skips one; a run still going gets one more after it.
        hw.lanes.submit(lane.name, "tick", partial(run_lane, hw, lane))

    scheduler = BackgroundScheduler(timezone="UTC")
    for lane in lanes:
        scheduler.add_job(
            job, IntervalTrigger(seconds=tick_seconds), args=[lane], id=lane.name,
            max_instances=1, coalesce=True, misfire_grace_time=int(tick_seconds),
            # APScheduler keeps real time, whatever clock the lanes are given.
            next_run_time=system_clock(),
        )
    scheduler.start()
    log.info("scheduler started: nudges and digests are sent as they fall due")
    return scheduler, lock

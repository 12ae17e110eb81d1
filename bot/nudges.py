"""Sending nudges: claim in the ledger, then post the DM, then record what Slack said.

The claim comes first so that two threads, two ticks or a restart can never send the same
(team, user, prompt, period) twice; the DM goes to the user id as channel, which needs no
`conversations.open` (Tier 3, ~50/min) per member.

Each workspace's work runs in its own sender (`hw.senders`, see `bot.senders`), so
workspaces send side by side, each at its own pace. The scheduler finds who to look at
through each member's next-due time (`store.members.due`): an idle tick reads no member.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.context import Headway
from bot.core import messages
from bot.core.digest import agenda_follow_up
from bot.core.messages.problems import follow_up_message
from bot.core.model import Member, Nudge, Prompt, Reply, Workspace
from bot.core.periods import period_of, shift_period
from bot.core.problems import TrackedProblem
from bot.core.prompts import plan_prompts
from bot.core.schedule import due_nudge, is_paused, missed_nudges, next_nudge, open_days
from bot.core.zones import local_date, with_known_zone
from bot.members import named
from bot.problems import follow_up_problem
from bot.units import unit_of_work

log = logging.getLogger(__name__)

# A scheduled nudge still goes out this long after its time (after downtime, say);
# older ones are not burst out when the bot comes back.
GRACE = timedelta(hours=6)
SNOOZE = timedelta(hours=2)
# A claim younger than this may still be in flight in another thread: leave it alone.
IN_FLIGHT = timedelta(minutes=2)

# Errors that say this person cannot be DMed at all: retrying would fail forever.
MEMBER_GONE = frozenset(
    {
        "user_not_found",
        "account_inactive",
        "cannot_dm_bot",
        "user_disabled",
        "user_is_bot",
        "is_bot",
        "channel_not_found",
    }
)


@dataclass
class FanoutResult:
    sent: list[str] = field(default_factory=list)  # "T/U/prompt/period"
    already: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    recovered: int = 0  # claims found delivered in the DM history after a crash
    released: int = 0  # claims a crash left that never reached Slack: free to send again
    missed: int = 0  # scheduled while the bot was down, past the grace window: not sent

    def merge(self, other: FanoutResult) -> FanoutResult:
        """This result with `other`'s added (one workspace's into the whole run's)."""
        self.sent += other.sent
        self.failed += other.failed
        self.deactivated += other.deactivated
        self.already += other.already
        self.skipped += other.skipped
        self.recovered += other.recovered
        self.released += other.released
        self.missed += other.missed
        return self

    def summary(self) -> str:
        parts = [f"sent {len(self.sent)}", f"already sent {self.already}"]
        if self.skipped:
            parts.append(f"paused or skipped {self.skipped}")
        if self.failed:
            parts.append(f"failed {len(self.failed)}")
        if self.deactivated:
            parts.append(f"members deactivated {len(self.deactivated)}")
        if self.missed:
            parts.append(f"missed while down {self.missed}")
        if self.recovered or self.released:
            parts.append(f"left by an interrupted run: {self.recovered} found delivered, "
                         f"{self.released} not delivered")
        return ", ".join(parts)


def send_nudge(
    hw: Headway,
    client: WebClient,
    member: Member,
    prompt: Prompt,
    period: str,
    result: FanoutResult,
    follow_up: str | None = None,
    follow_up_problem: TrackedProblem | None = None,
) -> bool:
    """Claim and send one nudge; True if it was sent now.

    When the `follow_up` line names a tracked problem (`follow_up_problem`), it goes in a
    DM of its own just before the nudge, with Yes / Partly / Not yet buttons that record
    the answer on the problem (`bot.problems`): closing the nudge once answered leaves it.
    The workspace's client (`hw.client_for`) paces the post itself: nothing here waits.
    """
    with hw.sending_lock.held():
        claim = hw.store.nudges.claim(member.workspace_id, member.user_id, prompt.id, period,
                                     hw.now(), claimed_by=hw.run_id)
        if claim is None:
            result.already += 1
            return False
        if follow_up and follow_up_problem is not None:
            _send_follow_up(client, member, follow_up, follow_up_problem, claim.id)
            follow_up = None
        msg = messages.nudge_message(prompt, period, claim.id, member.workspace_id,
                                     member.user_id, follow_up=follow_up)
        key = f"{member.workspace_id}/{member.user_id}/{prompt.id}/{period}"
        return deliver(hw, client, hw.store.nudges, claim.id, member, msg, key, result,
                       "nudge")


class ClaimLedger(Protocol):
    """A delivery ledger whose claims are DMs (`store.nudges`, `store.reminders`)."""

    def mark_sent(self, claim_id: int, channel: str, ts: str, now: datetime, /) -> None: ...
    def mark_failed(self, claim_id: int, error: str, /) -> None: ...
    def release(self, claim_id: int, /) -> None: ...


class Delivered(Protocol):
    sent: list[str]
    failed: list[str]
    deactivated: list[str]


def deliver(hw: Headway, client: WebClient, ledger: ClaimLedger, claim_id: int,
            member: Member, msg: Any, key: str, result: Delivered, what: str) -> bool:
    """Post a claimed DM (`msg`: text, blocks, metadata) and record what Slack said in
    `ledger`; True if it was sent. Slack refused it: someone who cannot be DMed at all is
    deactivated, otherwise the claim is freed for a later tick (within the grace window).
    No answer (connection lost after the retries, timeout): Slack may or may not have it,
    so the claim stays and recovery looks for it in the DM history."""
    try:
        resp = client.chat_postMessage(channel=member.user_id, text=msg.text,
                                       blocks=msg.blocks, metadata=msg.metadata)
    except SlackApiError as exc:
        error = str(exc.response.get("error", "unknown_error"))
        if error in MEMBER_GONE:
            ledger.mark_failed(claim_id, error)
            hw.store.members.deactivate(member.workspace_id, member.user_id, error, hw.now())
            result.deactivated.append(key)
            log.warning("member %s deactivated: %s", member.user_id, error)
        else:
            ledger.release(claim_id)
            result.failed.append(key)
            log.warning("%s %s not sent: %s", what, claim_id, error)
        return False
    except Exception as exc:
        result.failed.append(key)
        log.warning("%s %s: no answer from Slack (%s); recovery will check the DM", what,
                    claim_id, type(exc).__name__)
        return False
    ledger.mark_sent(claim_id, resp["channel"], resp["ts"], hw.now())
    result.sent.append(key)
    return True


def _send_follow_up(client: WebClient, member: Member, line: str, problem: TrackedProblem,
                    nudge_id: int) -> None:
    """"Did we move on it?" about a tracked problem, with its answer buttons. Best effort:
    if Slack refuses it the nudge still goes (its refusal is handled there)."""
    text, blocks = follow_up_message(line, problem, nudge_id)
    try:
        client.chat_postMessage(channel=member.user_id, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("follow-up of nudge %s not sent: %s", nudge_id, exc.response.get("error"))
    except Exception as exc:  # no answer from Slack: the nudge itself still goes
        log.warning("follow-up of nudge %s not sent: %s", nudge_id, type(exc).__name__)




def nudge_now(
    hw: Headway, *, workspace_id: str | None = None, user_id: str | None = None,
    user_ids: Collection[str] | None = None,
) -> FanoutResult:
    """`headway nudge --now`: every due-or-forced nudge for the current period, each
    workspace in its own sender, side by side.

    Forced means the weekly `work` prompt for each member's current period; the ledger
    still applies, so running it twice sends nothing the second time. `user_ids`: only
    these members (`--team`: the team's people).
    """
    workspaces = ([workspace_id] if workspace_id is not None
                  else [w.workspace_id for w in hw.store.workspaces.all()])
    with hw.sending_lock.held():  # from the first claim to the last answer, whatever thread
        return gather([hw.senders.submit(w, "nudges now",
                                         partial(_nudge_now, hw, w, user_id, user_ids))
                       for w in workspaces])


def _nudge_now(hw: Headway, workspace_id: str, user_id: str | None,
               user_ids: Collection[str] | None = None) -> FanoutResult:
    result = FanoutResult()
    with hw.sending_lock.held():
        workspace = hw.store.workspaces.get(workspace_id)
        if workspace is None:
            return result
        recover_unconfirmed(hw, result, workspace_id)
        now = hw.now()
        client = hw.client_for(workspace.workspace_id)
        members = hw.store.members.of(workspace.workspace_id)
        if user_id is not None:
            members = [m for m in members if m.user_id == user_id]
        if user_ids is not None:
            members = [m for m in members if m.user_id in user_ids]
        for member in members:
            if hw.stopping.is_set():
                break
            with unit_of_work("nudge", member.workspace_id, member.user_id,
                              failed=result.failed):
                member = with_known_zone(member, workspace.tz)
                period = period_of(now, member.tz)
                if _resting(hw, member, period, now):
                    result.skipped += 1
                    continue
                send_nudge(hw, client, member,
                           hw.pack_for(workspace, member.user_id).work_prompt, period, result)
    return result


def gather(futures: list[Future[FanoutResult]]) -> FanoutResult:
    """The results of the workspaces' senders, waited for and added up."""
    total = FanoutResult()
    for future in futures:
        try:
            total.merge(future.result())
        except Exception as exc:  # logged by the sender as a failed unit already
            total.failed.append(f"sender:{type(exc).__name__}")
    return total


def _resting(hw: Headway, member: Member, period: str, now: datetime) -> bool:
    """Paused, or said "skip this week" for this period."""
    if is_paused(member, local_date(now, member.tz)):
        return True
    return hw.store.nudges.is_skipped(member.workspace_id, member.user_id, period)


def recover_unconfirmed(hw: Headway, result: FanoutResult,
                        workspace_id: str | None = None) -> None:
    """Settle claims whose process died between claiming and recording the send (of one
    workspace, or of all).

    Each nudge carries its ledger id in message metadata, so the DM history tells whether
    Slack got it: if so, it is recorded as sent; if not, the claim is released and the
    member looked at again, so the normal due check sends it (within the grace window) or
    lets it lapse. Call it holding the sending lock: then claims of other processes are
    settled at once (no other process is sending, so whoever made them died), this
    process's own after `IN_FLIGHT`.
    """
    now = hw.now()
    for nudge in hw.store.nudges.unconfirmed_claims(before=now - IN_FLIGHT, not_by=hw.run_id,
                                                    workspace_id=workspace_id):
        with unit_of_work("recovery of nudge", str(nudge.id), failed=result.failed):
            _recover(hw, nudge, now, result)


def _recover(hw: Headway, nudge: Nudge, now: datetime, result: FanoutResult) -> None:
    try:
        found = find_in_history(hw.client_for(nudge.workspace_id), nudge.user_id,
                                nudge.claimed_at, messages.NUDGE_EVENT, "nudge_id", nudge.id)
    except SlackApiError as exc:
        log.warning("nudge %s: history check failed (%s); trying later", nudge.id,
                    exc.response.get("error"))
        return
    if found is not None:
        channel, ts = found
        hw.store.nudges.mark_sent(nudge.id, channel, ts, now)
        result.recovered += 1
    else:
        hw.store.nudges.release(nudge.id)
        hw.store.members.look_again(nudge.workspace_id, nudge.user_id)
        result.released += 1


def find_in_history(client: WebClient, user_id: str, claimed_at: datetime, event_type: str,
                    id_field: str, claim_id: int) -> tuple[str, str] | None:
    """The (channel, ts) of the DM a claim sent, found by the ledger id its metadata
    carries (`event_type`, `id_field`) in the member's DM history since the claim; None if
    it never reached Slack. Shared by every ledger that DMs (nudges, gentle reminders)."""
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    oldest = f"{(claimed_at - timedelta(minutes=1)).timestamp():.6f}"
    cursor = None
    while True:
        page = client.conversations_history(channel=channel, oldest=oldest, limit=200,
                                            include_all_metadata=True, cursor=cursor)
        for message in page.get("messages", []):
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == event_type and payload.get(id_field) == claim_id:
                return channel, message["ts"]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None


def send_due(hw: Headway) -> FanoutResult:
    """All of the scheduler's nudge work due now, waited for: each member whose local
    nudge time has come gets the period's plan (the weekly work prompt, and one rotating
    leadership question), and snoozed nudges come back. Each workspace in its own sender.
    (`serve` does the same in two lanes that do not wait: `dispatch_due`,
    `dispatch_reminders`.)"""
    with hw.sending_lock.held():
        return gather(dispatch_due(hw) + dispatch_reminders(hw))


def dispatch_due(hw: Headway) -> list[Future[FanoutResult]]:
    """Hand each workspace with a member to look at (or a claim to settle) to its sender;
    returns at once. Two indexed queries, whatever the number of workspaces."""
    now = hw.now()
    workspaces = set(hw.store.members.due_workspaces(now))
    workspaces.update(n.workspace_id for n in hw.store.nudges.unconfirmed_claims(
        before=now - IN_FLIGHT, not_by=hw.run_id))
    return [hw.senders.submit(w, "nudges", partial(send_due_in, hw, w))
            for w in sorted(workspaces)]


def send_due_in(hw: Headway, workspace_id: str) -> FanoutResult:
    """One workspace's share of the nudge lane: settle what a crash left, then each member
    due by now (`store.members.due`), then when to look at each of them again."""
    result = FanoutResult()
    with hw.sending_lock.held():
        workspace = hw.store.workspaces.get(workspace_id)
        if workspace is None or workspace.uninstalled_at is not None:
            hw.forget_workspace(workspace_id)
            return result
        recover_unconfirmed(hw, result, workspace_id)
        _send_due(hw, workspace, result)
    _log_result(f"nudges of {workspace_id}", result)
    return result


def _send_due(hw: Headway, workspace: Workspace, result: FanoutResult) -> None:
    now = hw.now()
    holidays = frozenset(hw.store.holidays.of(workspace.workspace_id))
    last_week: dict[tuple[str, str], list[Reply]] = {}  # the agenda the nudges follow up
    for due in hw.store.members.due(workspace.workspace_id, now):
        if hw.stopping.is_set():
            # Not looked at: what is left is still due at the next start within the grace
            # window, or recorded as missed after it.
            return
        member = with_known_zone(due.member, workspace.tz)
        with unit_of_work("nudge", member.workspace_id, member.user_id, failed=result.failed):
            # `since` is the member's next-due instant: an occurrence right at it counts.
            since = None if due.since is None else due.since - timedelta(microseconds=1)
            failures = len(result.failed)
            _send_due_to(hw, member, workspace, holidays, since, last_week, now, result)
            # A refusal Slack may take back is tried again at the next tick (within the
            # grace window); otherwise the member's next nudge is when to look again.
            again = now if len(result.failed) > failures else next_nudge(
                member, now, holidays, member.quiet_hours)
            hw.store.members.set_next_due(member.workspace_id, member.user_id, again, due.rev)


def _log_result(what: str, result: FanoutResult) -> None:
    if result.sent or result.failed or result.deactivated or result.missed \
            or result.recovered or result.released:
        log.info("%s: %s", what, result.summary())


def _send_due_to(hw: Headway, member: Member, workspace: Workspace, holidays: frozenset[date],
                 since: datetime | None, last_week: dict[tuple[str, str], list[Reply]],
                 now: datetime, result: FanoutResult) -> None:
    """One member's share of a tick: record what downtime made them miss, send what is due."""
    rest = holidays, member.quiet_hours
    if since is not None:
        # Downtime: occurrences that were never due at any tick are recorded, not sent.
        for missed in missed_nudges(member, since, now, GRACE, *rest):
            if not hw.store.nudges.is_skipped(member.workspace_id, member.user_id, missed.period) \
                    and hw.store.nudges.record_missed(member.workspace_id, member.user_id,
                                                     missed.at, missed.period, now):
                result.missed += 1
    due = due_nudge(member, now, GRACE, *rest)
    if due is None:
        return
    if _resting(hw, member, due.period, now):
        result.skipped += 1
        return
    pack = hw.pack_for(workspace, member.user_id)
    history = hw.store.nudges.prompt_history(member.workspace_id, member.user_id)
    local_day = local_date(due.at, member.tz)
    client = hw.client_for(member.workspace_id)
    planned = replace(member, days=open_days(member, local_day, holidays))
    for prompt in plan_prompts(pack, planned, history, due.period, local_day):
        gone = len(result.deactivated)
        follow_up = None
        if prompt.kind in ("problem", "opportunity"):
            key = (member.workspace_id, shift_period(due.period, -1))
            if key not in last_week:
                last_week[key] = named(hw, key[0], hw.store.replies.of(
                    key[0], period=key[1], include_items=False))
            follow_up = agenda_follow_up(prompt.kind, last_week[key])
        tracked = (follow_up_problem(hw, member.workspace_id, member.user_id, prompt.kind,
                                     last_week[key]) if follow_up else None)
        send_nudge(hw, client, member, prompt, due.period, result, follow_up, tracked)
        if len(result.deactivated) > gone:
            break  # Slack cannot reach this person: the rest of the plan would fail too


def dispatch_reminders(hw: Headway) -> list[Future[FanoutResult]]:
    """Hand each workspace with a snoozed nudge due back to its sender; returns at once."""
    workspaces = {n.workspace_id for n in hw.store.nudges.due_reminders(hw.now())}
    return [hw.senders.submit(w, "reminders", partial(send_reminders_in, hw, w))
            for w in sorted(workspaces)]


def send_reminders_in(hw: Headway, workspace_id: str) -> FanoutResult:
    """Snoozed nudges come back once, as a reminder in the same DM."""
    result = FanoutResult()
    now = hw.now()
    for nudge in hw.store.nudges.due_reminders(now, workspace_id):
        with unit_of_work("reminder of nudge", str(nudge.id), failed=result.failed):
            _remind(hw, nudge, now, result)
    return result


def _remind(hw: Headway, nudge: Nudge, now: datetime, result: FanoutResult) -> None:
    workspace = hw.store.workspaces.get(nudge.workspace_id)
    if workspace is None or workspace.uninstalled_at is not None:
        return
    if not hw.store.nudges.claim_reminder(nudge.id, now):
        return
    prompt = hw.prompt_for(nudge.workspace_id, nudge.user_id, nudge.prompt_id)
    if prompt is None:
        return
    msg = messages.nudge_message(
        prompt, nudge.period, nudge.id, nudge.workspace_id, nudge.user_id, reminder=True
    )
    try:
        hw.client_for(nudge.workspace_id).chat_postMessage(
            channel=nudge.user_id, text=msg.text, blocks=msg.blocks
        )
    except SlackApiError as exc:
        log.warning("reminder for nudge %s not sent: %s", nudge.id, exc.response.get("error"))
        result.failed.append(f"reminder/{nudge.id}")

"""The gentle reminder: once a period, to a member who has not answered the week's work
question, before their teams' digest of that week. One entry, `send_reminders`, which the
scheduler's tick calls.

When it is due is pure (`bot.core.reminders`); what is already settled comes from the
store: the reminder goes only to an active member whose work question of that period was
sent and is still open (not answered by DM, form or command, not skipped), in a team with
a digest channel, while no digest of that period has been claimed or posted in any of
their teams' channels. It goes through its own delivery ledger (`store.reminders`), claim
then send exactly as a nudge does (`bot.nudges.send_nudge`): at most once per member and
period across ticks, threads, processes and restarts. A claim a crash left behind is
settled from the DM history, where each reminder carries its ledger id in its metadata.

Not to be confused with the snooze reminder (`bot.nudges.send_reminders`): that one brings
back a question the member snoozed; this one is Headway's own, before the digest. The two
never come within an hour of each other (`bot.core.reminders.held_by_snooze`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.context import Headway
from bot.core.messages.ids import REMINDER_EVENT
from bot.core.messages.reminder import reminder_message
from bot.core.model import Member, Team, Workspace
from bot.core.periods import period_of, shift_period
from bot.core.reminders import (
    SNOOZE_GAP,
    ReminderPlan,
    due_reminder,
    held_by_snooze,
    team_deadline,
)
from bot.core.zones import with_known_zone
from bot.nudges import IN_FLIGHT, deliver, find_in_history
from bot.store.reminders import OpenQuestion, Reminder
from bot.units import unit_of_work

log = logging.getLogger(__name__)

# Open questions of these many weeks back (in UTC weeks) are looked at: the latest digest
# of a week is posted on the Thursday after it, so older questions can have no reminder.
WEEKS_BACK = 2


@dataclass
class ReminderResult:
    sent: list[str] = field(default_factory=list)  # "T/U/period"
    already: int = 0  # claimed before (another tick, thread or process)
    failed: list[str] = field(default_factory=list)  # Slack refused or did not answer
    deactivated: list[str] = field(default_factory=list)
    recovered: int = 0  # claims found delivered in the DM history after a crash
    released: int = 0  # claims a crash left that never reached Slack


def work_prompts(hw: Headway) -> list[str]:
    """The ids of every pack's work question: the questions a reminder is about."""
    return sorted({p.id for pack in hw.packs.values() for p in pack.prompts
                   if p.kind == "work"})


def send_reminders(hw: Headway, failed: list[str] | None = None, *,
                   workspace_id: str | None = None) -> ReminderResult:
    """Every reminder due at `hw.now()` (of one workspace, or all), each one a unit of
    work of its own (`bot.units`)."""
    result = ReminderResult()
    now = hw.now()
    with unit_of_work("reminders", workspace_id or "*", failed=failed), \
            hw.sending_lock.held():
        recover_unconfirmed(hw, result, workspace_id)
        since = shift_period(period_of(now, "UTC"), -WEEKS_BACK)
        workspaces: dict[str, Workspace | None] = {}
        holidays: dict[str, frozenset[date]] = {}
        for question in hw.store.reminders.open_questions(work_prompts(hw), since,
                                                          workspace_id=workspace_id):
            if hw.stopping.is_set():
                break  # what is left is still due at the next start, within its grace
            ws = question.workspace_id
            with unit_of_work("reminder", ws, question.user_id, question.period,
                              failed=failed):
                if ws not in workspaces:
                    workspaces[ws] = hw.store.workspaces.get(ws)
                    holidays[ws] = frozenset(hw.store.holidays.of(ws))
                workspace = workspaces[ws]
                if workspace is None:
                    continue
                _consider(hw, workspace, question, holidays[ws], now, result)
    return result


def _consider(hw: Headway, workspace: Workspace, question: OpenQuestion,
              holidays: frozenset[date], now: datetime, result: ReminderResult) -> None:
    """One member's reminder about one period: sent if due and nothing settles it."""
    store = hw.store
    ws, uid, period = question.workspace_id, question.user_id, question.period
    member = store.members.get(ws, uid)
    if member is None or not member.active:
        return
    member = with_known_zone(member, workspace.tz)
    teams = [t for t in store.teams.of_member(ws, uid) if t.digest_channel]
    plan = due_reminder(member, period, [team_deadline(t, period) for t in teams],
                        question.sent_at, now, holidays, member.quiet_hours)
    # Most ticks of the week nothing is due: the ledger is read only for a reminder that is.
    if plan is None or held_by_snooze(store.reminders.snoozes(ws, uid, now - SNOOZE_GAP), now) \
            or _settled(hw, member, period, teams):
        return
    send_reminder(hw, hw.client_for(ws), member, question, plan, result)


def _settled(hw: Headway, member: Member, period: str, teams: list[Team]) -> bool:
    """Does the ledger say no reminder is wanted: the week skipped or answered, or a digest
    of it already claimed in one of the member's teams' channels?"""
    store = hw.store
    ws, uid = member.workspace_id, member.user_id
    return (store.nudges.is_skipped(ws, uid, period)
            or store.reminders.answered(ws, uid, period)
            or any(store.digests.get(ws, t.digest_channel, period) is not None
                   for t in teams if t.digest_channel))


def send_reminder(hw: Headway, client: WebClient, member: Member, question: OpenQuestion,
                  plan: ReminderPlan, result: ReminderResult) -> bool:
    """Claim and send one reminder; True if it was sent now."""
    prompt = hw.prompt_for(member.workspace_id, member.user_id, question.prompt_id)
    if prompt is None or prompt.kind != "work":
        return False
    key = f"{member.workspace_id}/{member.user_id}/{plan.period}"
    with hw.sending_lock.held():
        claim = hw.store.reminders.claim(member.workspace_id, member.user_id, plan.period,
                                         question.nudge_id, hw.now(), claimed_by=hw.run_id)
        if claim is None:
            result.already += 1
            return False
        msg = reminder_message(prompt, plan.period, question.nudge_id, claim.id,
                               member.workspace_id, member.user_id, plan.digest_at, member.tz)
        return deliver(hw, client, hw.store.reminders, claim.id, member, msg, key, result,
                       "reminder")


def recover_unconfirmed(hw: Headway, result: ReminderResult,
                        workspace_id: str | None = None) -> None:
    """Settle reminder claims whose process died between claiming and recording the send,
    as `bot.nudges.recover_unconfirmed` does for nudges: found in the DM history, it is
    marked sent; not found, the claim is released (and the reminder sent again if still
    due). Call it holding the sending lock."""
    now = hw.now()
    for claim in hw.store.reminders.unconfirmed_claims(before=now - IN_FLIGHT,
                                                       not_by=hw.run_id):
        if workspace_id is not None and claim.workspace_id != workspace_id:
            continue
        with unit_of_work("recovery of reminder", str(claim.id), failed=result.failed):
            _recover(hw, claim, now, result)


def _recover(hw: Headway, claim: Reminder, now: datetime, result: ReminderResult) -> None:
    client = hw.client_for(claim.workspace_id)
    try:
        found = find_in_history(client, claim.user_id, claim.claimed_at, REMINDER_EVENT,
                                "reminder_id", claim.id)
    except SlackApiError as exc:
        log.warning("reminder %s: history check failed (%s); trying later", claim.id,
                    exc.response.get("error"))
        return
    if found is not None:
        hw.store.reminders.mark_sent(claim.id, found[0], found[1], now)
        result.recovered += 1
    else:
        hw.store.reminders.release(claim.id)
        result.released += 1


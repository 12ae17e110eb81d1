"""`/headway …`: parse, do, answer ephemerally.

Commands that only touch the database answer inside the ack (well under Slack's 3 s);
those that must call Slack first (join, admin checks, team add, export) ack at once and
answer through `respond` when done.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.context import Headway
from bot.core import commands as cmd
from bot.core.channels import explain_info_error, explain_join_error, judge_digest_channel
from bot.core.model import WEEKDAYS, Member, Workspace
from bot.core.periods import period_of, recent_periods
from bot.core.render import render_digest_blocks
from bot.core.text import plain, show
from bot.core.zones import zone
from bot.digests import build
from bot.home import schedule_line
from bot.members import member_from_user, member_names, named, zone_for
from bot.nudges import FanoutResult, send_nudge

log = logging.getLogger(__name__)
FORGET_CONFIRM = "forget_confirm"
FORGET_CANCEL = "forget_cancel"


class Refusal(Exception):
    """An answer for the person instead of the usual reply (not enrolled, not admin…)."""


def register(app: App, hw: Headway) -> None:
    @app.command("/headway")
    def headway_command(ack: Ack, command: dict[str, Any], respond: Respond,
                        client: WebClient) -> None:
        text = command.get("text") or ""
        try:
            parsed = cmd.parse_command(text)
        except cmd.CommandError as err:
            ack(text=f"{err.message}\n{err.usage}", response_type="ephemeral")
            return
        workspace_id, user_id = command["team_id"], command["user_id"]
        hw.store.ensure_workspace(workspace_id, hw.now(), command.get("team_domain", ""))

        handler = FAST.get(parsed.name)
        if handler is not None:
            try:
                answer = handler(hw, parsed, workspace_id, user_id)
                if isinstance(answer, dict):
                    ack(response_type="ephemeral", **answer)
                else:
                    ack(text=answer, response_type="ephemeral")
            except Refusal as refusal:
                ack(text=str(refusal), response_type="ephemeral")
            return

        ack()  # the rest call Slack first: answer through response_url
        try:
            answer = SLOW[parsed.name](hw, client, parsed, command)
        except Refusal as refusal:
            answer = str(refusal)
        except SlackApiError as exc:
            log.warning("/headway %s: Slack said %s", parsed.name, exc.response.get("error"))
            answer = (f"Slack refused that (`{exc.response.get('error')}`). "
                      f"Nothing was changed; try again in a moment.")
        if isinstance(answer, dict):
            respond(**answer)
        else:
            respond(text=answer)


# ── helpers ──────────────────────────────────────────────────────────────────


def _member(hw: Headway, workspace_id: str, user_id: str) -> Member:
    member = hw.store.get_member(workspace_id, user_id)
    if member is None or not member.active:
        raise Refusal("You're not in Headway yet. Type `/headway join` to start.")
    return member


def _is_slack_admin(user: dict[str, Any]) -> bool:
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def _require_admin(hw: Headway, client: WebClient, workspace_id: str, user_id: str, *,
                   slack_only: bool = False) -> dict[str, Any]:
    """Workspace admins and owners (from Slack, asked every time: roles change) and, unless
    `slack_only`, the members an admin named with `/headway admins add`."""
    user = client.users_info(user=user_id)["user"]
    if _is_slack_admin(user):
        return user
    named = hw.store.named_admins(workspace_id)
    if not slack_only and user_id in named:
        return user
    who = "Only workspace admins and owners"
    if not slack_only:
        who += (" and the Headway admins they named ("
                + (", ".join(f"<@{u}>" for u in named) if named else "none yet") + ")")
    raise Refusal(f"{who} can do that. Ask one of them, or see `/headway help` for what "
                  f"you can do.")


_UTC_TEAM = Workspace("-")


def _local_today(hw: Headway, member: Member):
    return hw.now().astimezone(zone(member.tz)).date()


# ── commands that answer inside the ack ──────────────────────────────────────


def _help(hw: Headway, parsed: cmd.Command, workspace_id: str, user_id: str) -> str:
    return cmd.help_text()


def _leave(hw: Headway, parsed: cmd.Command, workspace_id: str, user_id: str) -> str:
    member = hw.store.get_member(workspace_id, user_id)
    if member is None or not member.active:
        return "You're not in Headway, so there's nothing to leave."
    hw.store.set_member(workspace_id, user_id, hw.now(), active=False, inactive_reason="left")
    return ("Done: no more questions from Headway. Your earlier answers stay in the team's "
            "history; `/headway forget me` deletes them. `/headway join` brings you back.")


def _skip(hw: Headway, parsed: cmd.Command, workspace_id: str, user_id: str) -> str:
    member = _member(hw, workspace_id, user_id)
    period = period_of(hw.now(), member.tz)
    if not hw.store.skip_period(workspace_id, user_id, period, hw.now()):
        return f"You're already skipping week {period}."
    return f"Skipping week {period}: no more questions until next week."


def _pause(hw: Headway, parsed: cmd.Command, workspace_id: str, user_id: str) -> str:
    member = _member(hw, workspace_id, user_id)
    assert parsed.weeks is not None
    until = _local_today(hw, member) + timedelta(weeks=parsed.weeks)
    hw.store.set_member(workspace_id, user_id, hw.now(), paused_until=until)
    s = "s" if parsed.weeks != 1 else ""
    return (f"Paused for {parsed.weeks} week{s}: no questions through "
            f"{until:%a %d %b %Y}. `/headway resume` ends it early.")


def _resume(hw: Headway, parsed: cmd.Command, workspace_id: str, user_id: str) -> str:
    member = _member(hw, workspace_id, user_id)
    if member.paused_until is None:
        return f"You're not paused. Headway asks {schedule_line(member)}."
    hw.store.set_member(workspace_id, user_id, hw.now(), paused_until=None)
    return f"Welcome back. Headway asks {schedule_line(member)}."


def _time(hw: Headway, parsed: cmd.Command, workspace_id: str, user_id: str) -> str:
    _member(hw, workspace_id, user_id)
    fields: dict[str, Any] = {"nudge_time": parsed.at}
    if parsed.days is not None:
        fields["days"] = parsed.days
    member = hw.store.set_member(workspace_id, user_id, hw.now(), **fields)
    return f"Got it: Headway asks {schedule_line(member)} ({member.tz})."


def _quiet(hw: Headway, parsed: cmd.Command, workspace_id: str, user_id: str) -> str:
    _member(hw, workspace_id, user_id)
    member = hw.store.set_member(workspace_id, user_id, hw.now(), quiet_hours=parsed.quiet)
    if member.quiet_hours is None:
        return f"No quiet hours. Headway asks {schedule_line(member)}."
    begin, end = member.quiet_hours
    return (f"Quiet from {begin:%H:%M} to {end:%H:%M} ({member.tz}): a question due then is "
            f"not sent. Headway asks {schedule_line(member)}.")


def _holidays(hw: Headway, parsed: cmd.Command, workspace_id: str, user_id: str) -> str:
    member = hw.store.get_member(workspace_id, user_id)
    tz = member.tz if member else (hw.store.get_workspace(workspace_id) or _UTC_TEAM).tz
    today = hw.now().astimezone(zone(tz)).date()
    days = hw.store.holidays(workspace_id, since=today)
    if not days:
        return ("No upcoming holidays. An admin can add some: "
                "`/headway holidays add 2026-12-24 2026-12-26`.")
    return "Upcoming holidays (no questions on these days):\n" + _day_list(days)


def _day_list(days: list) -> str:
    return "\n".join(f"• {d:%a %d %b %Y}" for d in days)


def _history(hw: Headway, parsed: cmd.Command, workspace_id: str, user_id: str) -> str:
    _member(hw, workspace_id, user_id)
    replies = named(hw, workspace_id, hw.store.replies(workspace_id, user_id=user_id, limit=5))
    if not replies:
        return "No answers yet. Reply to Headway's next DM, or type `/headway now`."
    lines = ["*Your recent answers*"]
    for r in replies:
        lines.append(f"*{r.period}* · {r.kind}")
        for item in r.items:
            label = f" — _{item.label}_" if item.label else ""
            lines.append(f"• {show(item.text, 300)}{label}")
    return "\n".join(lines)[:3000]


def _stats(hw: Headway, parsed: cmd.Command, workspace_id: str, user_id: str) -> str:
    member = _member(hw, workspace_id, user_id)
    period = period_of(hw.now(), member.tz)
    weeks = [*recent_periods(period, 7), period]
    shares = hw.store.member_week_shares(workspace_id, user_id, weeks)
    from bot.core.messages import share_bar

    lines = ["*Your progress share* (progress ÷ all labelled work)"]
    lines += [f"`{w.period}` {share_bar(w.share)}" for w in shares]
    total_p = sum(w.progress for w in shares)
    total = total_p + sum(w.ktlo for w in shares)
    if total:
        lines.append(f"Over 8 weeks: {round(100 * total_p / total)}% progress "
                     f"({total_p} of {total} items).")
    return "\n".join(lines)


def _anonymous(hw: Headway, parsed: cmd.Command, workspace_id: str, user_id: str) -> str:
    _member(hw, workspace_id, user_id)
    hw.store.set_member(workspace_id, user_id, hw.now(), anonymous=bool(parsed.flag))
    if parsed.flag:
        n = hw.store.set_replies_anonymous(workspace_id, user_id)
        return (f"Anonymous on: the digest shows your answers without your name "
                f"(including your {n} earlier answer{'s' if n != 1 else ''}).")
    return "Anonymous off: your next answers appear with your name in the digest."


def _digest_preview(hw: Headway, parsed: cmd.Command, workspace_id: str,
                    user_id: str) -> dict[str, Any]:
    workspace = hw.store.get_workspace(workspace_id)
    tz = workspace.tz if workspace else "UTC"
    period = period_of(hw.now(), tz)
    message = render_digest_blocks(build(hw, workspace_id, period))
    note = {"type": "context", "elements": [{"type": "mrkdwn", "text":
            "_Preview: only you see this. Full lists go to the thread of the weekly post._"}]}
    return {"text": message.text, "blocks": [*message.blocks[:49], note]}


FAST: dict[str, Callable[[Headway, cmd.Command, str, str], str | dict[str, Any]]] = {
    "help": _help,
    "leave": _leave,
    "skip": _skip,
    "pause": _pause,
    "resume": _resume,
    "time": _time,
    "quiet": _quiet,
    "holidays": _holidays,
    "history": _history,
    "stats": _stats,
    "anonymous": _anonymous,
    "digest preview": _digest_preview,
}


# ── commands that call Slack before answering ────────────────────────────────


def _join(hw: Headway, client: WebClient, parsed: cmd.Command, body: dict[str, Any]) -> str:
    workspace_id, user_id = body["team_id"], body["user_id"]
    user = client.users_info(user=user_id)["user"]
    existing = hw.store.get_member(workspace_id, user_id)
    member = hw.store.upsert_member(
        member_from_user(hw, workspace_id, user, existing, unpause=True), hw.now())
    again = "Welcome back" if existing else "You're in"
    return (f"{again}! Headway will DM you {schedule_line(member)} — {member.tz}. "
            f"Change it with `/headway time 16:30 mon-fri`; `/headway now` asks right away.")


def _now(hw: Headway, client: WebClient, parsed: cmd.Command, body: dict[str, Any]) -> str:
    workspace_id, user_id = body["team_id"], body["user_id"]
    member = _member(hw, workspace_id, user_id)
    period = period_of(hw.now(), member.tz)
    pack = hw.pack_for(hw.store.get_workspace(workspace_id))
    result = FanoutResult()
    if send_nudge(hw, client, member, pack.work_prompt, period, result):
        return "Sent: this week's question is in your DMs with Headway."
    if result.failed or result.deactivated:
        return "I couldn't DM you just now. Try again in a minute."
    return f"You already have week {period}'s question in your DMs with Headway — reply there."


def _forget_prompt(hw: Headway, client: WebClient, parsed: cmd.Command,
                   body: dict[str, Any]) -> dict[str, Any]:
    text = ("*Delete everything Headway stores about you?* Your answers, their labels, "
            "your corrections, your delivery history and your settings. This can't be undone.")
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "style": "danger", "action_id": FORGET_CONFIRM,
                     "text": {"type": "plain_text", "text": "Delete my data"}, "value": "yes"},
                    {"type": "button", "action_id": FORGET_CANCEL,
                     "text": {"type": "plain_text", "text": "Keep it"}, "value": "no"},
                ],
            },
        ],
    }


def _export(hw: Headway, client: WebClient, parsed: cmd.Command, body: dict[str, Any]) -> str:
    workspace_id, user_id = body["team_id"], body["user_id"]
    data = hw.store.export_member(workspace_id, user_id)
    if data["member"] is None and not data["replies"]:
        return "Headway stores nothing about you."
    # The JSON keeps the text exactly as stored; the CSV is for reading: mentions as names,
    # links as label and address.
    names = member_names(hw, workspace_id)
    rows = [[r["period"], r["prompt_id"], r["kind"], plain(i["text"], names), i["label"] or "",
             i["label_source"]]
            for r in data["replies"]
            for i in r["items"] or [{"text": r["text"], "label": "", "label_source": ""}]]
    _upload_to_dm(client, user_id, "Your Headway data: everything stored about you.",
                  "headway-export", "Headway export", data,
                  ["period", "prompt_id", "kind", "item", "label", "label_source"], rows)
    return "Sent: your data is in your DMs with Headway, as JSON and CSV."


def _upload_to_dm(client: WebClient, user_id: str, comment: str, stem: str, title: str,
                  data: Any, header: list[str], rows: list[list[Any]]) -> None:
    """JSON and CSV of the same data, as files in the person's DM with the bot."""
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(header)
    writer.writerows(rows)
    dm = client.conversations_open(users=user_id)["channel"]["id"]
    client.files_upload_v2(
        channel=dm,
        initial_comment=comment,
        file_uploads=[
            {"content": json.dumps(data, indent=2, ensure_ascii=False),
             "filename": f"{stem}.json", "title": f"{title} (JSON)"},
            {"content": table.getvalue(), "filename": f"{stem}.csv", "title": f"{title} (CSV)"},
        ],
    )


def _export_team(hw: Headway, client: WebClient, parsed: cmd.Command,
                 body: dict[str, Any]) -> str:
    workspace_id, user_id = body["team_id"], body["user_id"]
    _require_admin(hw, client, workspace_id, user_id)
    data = hw.store.export_workspace(workspace_id)
    names = member_names(hw, workspace_id)
    rows = [[r["period"], r["author"] or "", r["author_name"] or "", r["prompt_id"], r["kind"],
             plain(i["text"], names), i["label"] or "", i["label_source"]]
            for r in data["replies"]
            for i in r["items"] or [{"text": r["text"], "label": "", "label_source": ""}]]
    _upload_to_dm(client, user_id, "The team's Headway answers. Anonymous answers have no "
                  "author; reflection answers stay private to their authors and are not here.",
                  "headway-team-export", "Headway team export", data,
                  ["period", "author", "author_name", "prompt_id", "kind", "item", "label",
                   "label_source"], rows)
    n = len(data["replies"])
    return f"Sent: {n} answer{'s' if n != 1 else ''} in your DMs with Headway, as JSON and CSV."


def _admins_list(hw: Headway, client: WebClient, parsed: cmd.Command,
                 body: dict[str, Any]) -> str:
    named = hw.store.named_admins(body["team_id"])
    who = ", ".join(f"<@{u}>" for u in named) if named else "nobody yet"
    return (f"Workspace admins and owners can use Headway's admin commands, and so can the "
            f"people they named: {who}. Admins change this with `/headway admins add @someone` "
            f"or `/headway admins remove @someone`.")


def _admins_change(hw: Headway, client: WebClient, parsed: cmd.Command,
                   body: dict[str, Any]) -> str:
    workspace_id = body["team_id"]
    # Only Slack's own admins name Headway admins: a named admin cannot widen the circle.
    _require_admin(hw, client, workspace_id, body["user_id"], slack_only=True)
    if parsed.name == "admins add":
        # As `team add` does: only people Slack knows here. A typo'd or forged id would be
        # stored as an admin nobody can see, and repeated back as a mention of nobody.
        users = _users_by_id(client, set(parsed.users), list_all=False)
        unknown = [uid for uid in parsed.users
                   if (user := users.get(uid)) is None or user.get("deleted")
                   or user.get("is_bot") or uid == "USLACKBOT"]
        if unknown:
            ids = ", ".join(f"`{uid}`" for uid in unknown)
            raise Refusal(f"Nothing changed: Slack has no active person {ids} in this "
                          f"workspace (bots and deactivated accounts cannot be Headway "
                          f"admins). Pick people from Slack's autocomplete.")
    changed = []
    for uid in parsed.users:
        if parsed.name == "admins add":
            if hw.store.add_admin(workspace_id, uid, body["user_id"], hw.now()):
                changed.append(uid)
        elif hw.store.remove_admin(workspace_id, uid):
            changed.append(uid)
    verb = "Added" if parsed.name == "admins add" else "Removed"
    if not changed:
        return "Nothing changed: " + ("they are already Headway admins."
                                      if parsed.name == "admins add"
                                      else "they were not Headway admins.")
    return f"{verb} {', '.join(f'<@{u}>' for u in changed)}. " + _admins_list(
        hw, client, parsed, body)


def _retention(hw: Headway, client: WebClient, parsed: cmd.Command,
               body: dict[str, Any]) -> str:
    _require_admin(hw, client, body["team_id"], body["user_id"])
    hw.store.update_workspace(body["team_id"], retention_months=parsed.months)
    if parsed.months is None:
        return "Retention off: answers are kept until their authors `forget me`."
    s = "s" if parsed.months != 1 else ""
    return (f"Answers older than {parsed.months} month{s} are now deleted (with their labels "
            f"and corrections) within the next minute, and every day after.")


def _digest_here(hw: Headway, client: WebClient, parsed: cmd.Command,
                 body: dict[str, Any]) -> str:
    workspace_id, channel_id = body["team_id"], body["channel_id"]
    user = _require_admin(hw, client, workspace_id, body["user_id"])
    joined = _ensure_digest_channel(client, channel_id)
    workspace = hw.store.update_workspace(workspace_id, digest_channel=channel_id,
                                tz=zone_for(hw, workspace_id, user))
    note = " Headway joined the channel to post it." if joined else ""
    return (f"This channel now gets the weekly digest, {WEEKDAYS[workspace.digest_day].title()} "
            f"at {workspace.digest_time:%H:%M} ({workspace.tz}).{note}")


def _ensure_digest_channel(client: WebClient, channel_id: str) -> bool:
    """Refuse a conversation that can never receive the digest (a DM, a group DM, a private
    channel Headway is not in); join a public one it is not in yet. True if it joined."""
    try:
        info = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        raise Refusal(explain_info_error(str(exc.response.get("error")),
                                         exc.response.get("needed"))) from None
    verdict = judge_digest_channel(info)
    if verdict.action == "refuse":
        raise Refusal(verdict.message)
    if verdict.action == "use":
        return False
    try:
        client.conversations_join(channel=channel_id)
    except SlackApiError as exc:
        raise Refusal(explain_join_error(str(exc.response.get("error")))) from None
    return True


def _digest_time(hw: Headway, client: WebClient, parsed: cmd.Command,
                 body: dict[str, Any]) -> str:
    _require_admin(hw, client, body["team_id"], body["user_id"])
    assert parsed.day is not None and parsed.at is not None
    workspace = hw.store.update_workspace(body["team_id"], digest_day=parsed.day,
                                          digest_time=parsed.at)
    where = f"<#{workspace.digest_channel}>" if workspace.digest_channel else "no channel yet"
    return (f"The digest now posts {WEEKDAYS[workspace.digest_day].title()} at "
            f"{workspace.digest_time:%H:%M} ({workspace.tz}), to {where}.")


def _holidays_add(hw: Headway, client: WebClient, parsed: cmd.Command,
                  body: dict[str, Any]) -> str:
    _require_admin(hw, client, body["team_id"], body["user_id"])
    added = hw.store.add_holidays(body["team_id"], list(parsed.dates))
    already = len(parsed.dates) - added
    note = f" ({already} already were)" if already else ""
    return (f"No questions on these days, in each member's own time zone{note}:\n"
            + _day_list(list(parsed.dates)))


def _holidays_remove(hw: Headway, client: WebClient, parsed: cmd.Command,
                     body: dict[str, Any]) -> str:
    _require_admin(hw, client, body["team_id"], body["user_id"])
    removed = hw.store.remove_holidays(body["team_id"], list(parsed.dates))
    if not removed:
        return "None of those days were holidays; nothing changed."
    return f"Removed {removed} day{'s' if removed != 1 else ''} from the holidays."


def _prompts(hw: Headway, client: WebClient, parsed: cmd.Command, body: dict[str, Any]) -> str:
    _require_admin(hw, client, body["team_id"], body["user_id"])
    if parsed.pack not in hw.packs:
        known = ", ".join(f"`{name}`" for name in sorted(hw.packs))
        raise Refusal(f"There's no prompt pack `{parsed.pack}`. Packs: {known}.")
    hw.store.update_workspace(body["team_id"], pack=parsed.pack)
    pack = hw.packs[parsed.pack]
    return f"Prompt pack is now `{pack.name}` ({len(pack.prompts)} prompts)."


def _team_add(hw: Headway, client: WebClient, parsed: cmd.Command, body: dict[str, Any]) -> str:
    _require_admin(hw, client, body["team_id"], body["user_id"])
    workspace_id = body["team_id"]
    wanted = set(parsed.users)
    for channel in parsed.channels:
        wanted |= _channel_members(client, channel)
    users = _users_by_id(client, wanted, list_all=bool(parsed.channels))
    added, skipped = [], []
    for uid in sorted(wanted):
        user = users.get(uid)
        if user is None or user.get("is_bot") or user.get("deleted") or uid == "USLACKBOT":
            skipped.append(uid)
            continue
        existing = hw.store.get_member(workspace_id, uid)
        hw.store.upsert_member(
            member_from_user(hw, workspace_id, user, existing, unpause=False), hw.now())
        added.append(uid)
    text = f"Added {len(added)} member{'s' if len(added) != 1 else ''}."
    if skipped:
        text += f" Skipped {len(skipped)} (bots, deactivated or unknown accounts)."
    return text


def _channel_members(client: WebClient, channel: str) -> set[str]:
    found: set[str] = set()
    cursor = None
    while True:
        page = client.conversations_members(channel=channel, limit=1000, cursor=cursor)
        found.update(page["members"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return found


def _users_by_id(client: WebClient, wanted: set[str], list_all: bool) -> dict[str, Any]:
    """Profiles for `wanted`: one paginated users.list for a channel, users.info for a few."""
    if not list_all:
        out = {}
        for uid in wanted:
            try:
                out[uid] = client.users_info(user=uid)["user"]
            except SlackApiError as exc:
                if exc.response.get("error") != "user_not_found":
                    raise
        return out
    out, cursor = {}, None
    while True:
        page = client.users_list(limit=200, cursor=cursor)
        for user in page["members"]:
            if user["id"] in wanted:
                out[user["id"]] = user
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return out


def _team_remove(hw: Headway, client: WebClient, parsed: cmd.Command,
                 body: dict[str, Any]) -> str:
    _require_admin(hw, client, body["team_id"], body["user_id"])
    removed = 0
    for uid in parsed.users:
        member = hw.store.get_member(body["team_id"], uid)
        if member is not None and member.active:
            hw.store.set_member(body["team_id"], uid, hw.now(), active=False,
                                inactive_reason="removed by an admin")
            removed += 1
    return (f"Removed {removed} member{'s' if removed != 1 else ''}: they get no more "
            f"questions. Their answers stay until they `forget me`.")


SLOW: dict[str, Callable[..., str | dict[str, Any]]] = {
    "join": _join,
    "now": _now,
    "export": _export,
    "forget me": _forget_prompt,
    "digest here": _digest_here,
    "digest time": _digest_time,
    "prompts": _prompts,
    "holidays add": _holidays_add,
    "holidays remove": _holidays_remove,
    "team add": _team_add,
    "team remove": _team_remove,
    "export team": _export_team,
    "admins": _admins_list,
    "admins add": _admins_change,
    "admins remove": _admins_change,
    "retention": _retention,
}

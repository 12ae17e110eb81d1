"""Data to take away, as JSON and CSV files in the person's DM with Headway: `export`
(everything about the member) and `export team` (the team's answers, for an admin)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient

from bot.context import Headway
from bot.core.messages import admin_replies, member_replies
from bot.core.text import plain
from bot.listeners.commands.request import Handler, Request, slow
from bot.members import member_names

ITEM_COLUMNS = ["prompt_id", "kind", "item", "label", "label_source"]


def _export(hw: Headway, req: Request) -> str:
    data = hw.store.exports.member(req.workspace_id, req.user_id)
    if data["member"] is None and not data["replies"]:
        return member_replies.NOTHING_STORED
    rows = _item_rows(hw, req.workspace_id, data["replies"], lambda r: [r["period"]])
    _upload_to_dm(req.client, req.user_id, member_replies.EXPORT_COMMENT, "headway-export",
                  "Headway export", data, ["period", *ITEM_COLUMNS], rows)
    return member_replies.EXPORT_SENT


def _export_team(hw: Headway, req: Request) -> str:
    data = hw.store.exports.shared_answers(req.workspace_id)
    rows = _item_rows(hw, req.workspace_id, data["replies"],
                      lambda r: [r["period"], r["author"] or "", r["author_name"] or ""])
    _upload_to_dm(req.client, req.user_id, admin_replies.TEAM_EXPORT_COMMENT,
                  "headway-team-export", "Headway team export", data,
                  ["period", "author", "author_name", *ITEM_COLUMNS], rows)
    return admin_replies.team_export_sent(len(data["replies"]))


def _item_rows(hw: Headway, workspace_id: str, replies: Sequence[dict[str, Any]],
               lead: Callable[[dict[str, Any]], list[Any]]) -> list[list[Any]]:
    """A CSV row per item (per reply, for one without items), after the `lead` columns of
    its reply. The JSON keeps the text exactly as stored; the CSV is for reading: mentions
    as names, links as label and address."""
    names = member_names(hw, workspace_id)
    return [[*lead(r), r["prompt_id"], r["kind"], plain(i["text"], names), i["label"] or "",
             i["label_source"]]
            for r in replies
            for i in r["items"] or [{"text": r["text"], "label": "", "label_source": ""}]]


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


HANDLERS: dict[str, Handler] = {
    "export": slow(_export),
    "export team": slow(_export_team),
}

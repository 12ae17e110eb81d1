"""`store.exports`: what leaves the database as plain data, for whom.

`workspace` is the operator's `headway export` (every row, as stored); `shared_answers` is
a Headway admin's `/headway export team`; `member` is a member's own `/headway export`.
"""

from __future__ import annotations

from typing import Any

from bot.core.model import Reply
from bot.store.base import Aggregate, hhmm, iso

# The column that names the workspace in Headway's tables (DESIGN.md: `workspace_id`; the
# first tables were written with Slack's name for it).
WORKSPACE_COLUMNS = ("workspace_id",)
# Tables in the database file that `export` leaves out, and why. Everything else that
# carries a workspace column is exported (tests/test_cli_failures.py fails for a table that
# has neither).
NOT_EXPORTED = {
    "_sqlite_migrations": "the schema's own record of the migrations applied; no workspace",
    "slack_installations": "slack_sdk's OAuth installations: bot and refresh tokens, secrets "
                           "that must not leave the server; Slack re-creates them on reinstall",
    "slack_bots": "slack_sdk's OAuth bot tokens (secrets), as slack_installations",
    "oauth_states": "slack_sdk's one-time OAuth state values, valid 10 minutes; no workspace",
}


class Exports(Aggregate):
    def workspace(self, workspace_id: str) -> dict[str, Any]:
        """Everything Headway stores for one workspace: every row of every table that
        carries the workspace column, exactly as stored, table by table (README: "What
        `headway export` holds"). Tables in `NOT_EXPORTED` are left out, with the reason."""
        tables: dict[str, list[dict[str, Any]]] = {}
        for name, column in self.tables().items():
            order = ", ".join(f"[{c}]" for c in self.db[name].pks)
            tables[name] = list(self.db.query(
                f"SELECT * FROM [{name}] WHERE [{column}] = ? ORDER BY {order}", [workspace_id]))
        applied = self._store.schema_version()
        return {
            "format": "headway-export",
            "workspace_id": workspace_id,
            "schema": applied[-1] if applied else None,
            "tables": tables,
            "not_exported": {t: why for t, why in NOT_EXPORTED.items()
                             if t in self.db.table_names()},
        }

    def tables(self) -> dict[str, str]:
        """Each exported table and its workspace column, by name."""
        out: dict[str, str] = {}
        for name in sorted(self.db.table_names()):
            if name in NOT_EXPORTED or name.startswith("sqlite_"):  # SQLite's own
                continue
            columns = self.db[name].columns_dict
            column = next((c for c in WORKSPACE_COLUMNS if c in columns), None)
            if column is not None:
                out[name] = column
        return out

    def unexplained_tables(self) -> list[str]:
        """Tables neither exported nor explained in `NOT_EXPORTED`: should be none."""
        exported = self.tables()
        return [t for t in sorted(self.db.table_names())
                if t not in exported and t not in NOT_EXPORTED and not t.startswith("sqlite_")]

    def shared_answers(self, workspace_id: str) -> dict[str, Any]:
        """The team's shared answers for an admin: anonymous authors hidden, reflection
        answers left out (they never leave their author)."""
        return {"workspace_id": workspace_id, "replies": [
            {"period": r.period, "prompt_id": r.prompt_id, "kind": r.kind,
             "author": None if r.anonymous else r.user_id,
             "author_name": None if r.anonymous else r.author_name,
             "text": r.text, "created_at": iso(r.created_at), "items": _items(r)}
            for r in self._store.replies.of(workspace_id) if r.kind != "reflection"]}

    def member(self, workspace_id: str, user_id: str) -> dict[str, Any]:
        """Everything stored about one member, as plain data."""
        member = self._store.members.get(workspace_id, user_id)
        replies = self._store.replies.of(workspace_id, user_id=user_id)
        return {
            "member": None if member is None else {
                "workspace_id": member.workspace_id, "user_id": member.user_id,
                "name": member.name, "tz": member.tz, "days": list(member.days),
                "nudge_time": hhmm(member.nudge_time),
                "paused_until": member.paused_until.isoformat() if member.paused_until else None,
                "anonymous": member.anonymous, "active": member.active,
            },
            "replies": [
                {"id": r.id, "period": r.period, "prompt_id": r.prompt_id, "kind": r.kind,
                 "text": r.text, "created_at": iso(r.created_at), "items": _items(r)}
                for r in replies
            ],
            "efforts": [
                {"period": r["period"], "choice": r["choice"], "created_at": r["created_at"],
                 "updated_at": r["updated_at"]}
                for r in self.db.query(
                    "SELECT * FROM efforts WHERE workspace_id = ? AND user_id = ? "
                    "ORDER BY period", [workspace_id, user_id])
            ],
            "teams": [
                {"team": r["name"], "since": r["since"], "until": r["until"],
                 "lead": bool(r["lead"])}
                for r in self.db.query(
                    "SELECT t.name, tm.since, tm.until, EXISTS (SELECT 1 FROM team_leads l "
                    "WHERE l.team_id = t.id AND l.user_id = tm.user_id) AS lead "
                    "FROM team_members tm JOIN teams t ON t.id = tm.team_id "
                    "WHERE tm.workspace_id = ? AND tm.user_id = ? ORDER BY tm.since, tm.id",
                    [workspace_id, user_id])
            ],
        }


def _items(reply: Reply) -> list[dict[str, Any]]:
    return [{"text": i.text, "label": i.label, "confidence": i.confidence,
             "label_source": i.label_source} for i in reply.items]

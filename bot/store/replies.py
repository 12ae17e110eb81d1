"""`store.replies`: the members' replies, the items each is split into, and the label
corrections members made on items (which teach the classifier, per workspace).

Every change to a reply or an item marks the posted digests of its period for a rebuild,
inside the transaction of the change itself (`store.digests.mark_dirty`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from bot.core.model import DeletedReply, Item, Label, MessageReply, Reply, WeekShare
from bot.store.base import Aggregate, and_equal, dt, from_row, is_rowid, iso, marks

# Joined to every reply read: the author's name as the members table has it now.
_SELECT = ("SELECT r.*, m.name AS author_name FROM replies r LEFT JOIN members m "
           "ON m.workspace_id = r.workspace_id AND m.user_id = r.user_id ")


class Replies(Aggregate):
    # ── writes ───────────────────────────────────────────────────────────────

    def add(self, reply: Reply, *, source: str, now: datetime,
            nudge_id: int | None = None) -> Reply:
        """Store a reply with its items in one transaction; marks the nudge answered."""
        with self.atomic() as db:
            stored = self._insert(db, reply, source=source, now=now, nudge_id=nudge_id)
        assert stored is not None  # only a message-tied reply can conflict
        return stored

    def add_from_message(
        self, reply: Reply, *, channel: str, ts: str, source: str, now: datetime,
        nudge_id: int | None = None, edited_ts: str | None = None,
    ) -> Reply | None:
        """Store the reply made from Slack message (channel, ts), or None when that message
        was handled before (a redelivery) or its answer was deleted.

        The unique index on (workspace_id, channel, ts) is the claim: of two deliveries of
        one event handled at once, exactly one insert succeeds, in the same transaction as
        the items, so the loser stores nothing and must send nothing.
        """
        with self.atomic() as db:
            if self._store.messages.outcome(reply.workspace_id, channel, ts) == "deleted":
                return None  # a late redelivery of a message the member already deleted
            return self._insert(db, reply, source=source, now=now, nudge_id=nudge_id,
                                channel=channel, ts=ts, edited_ts=edited_ts)

    def _insert(
        self, db: Database, reply: Reply, *, source: str, now: datetime,
        nudge_id: int | None, channel: str | None = None, ts: str | None = None,
        edited_ts: str | None = None,
    ) -> Reply | None:
        cur = db.execute(
            "INSERT INTO replies (workspace_id, user_id, nudge_id, prompt_id, kind, period, "
            "text, anonymous, source, created_at, channel, ts, edited_ts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (workspace_id, channel, ts) WHERE ts IS NOT NULL DO NOTHING",
            [reply.workspace_id, reply.user_id, nudge_id, reply.prompt_id, reply.kind,
             reply.period, reply.text, int(reply.anonymous), source, iso(now), channel, ts,
             edited_ts],
        )
        if cur.rowcount == 0:
            return None
        reply_id = cur.lastrowid
        assert reply_id is not None
        stored = self._write_items(db, reply.workspace_id, reply_id, reply.items)
        if nudge_id is not None:
            db.execute(
                "UPDATE nudges SET status = 'answered' WHERE id = ? AND status IN "
                "('sent', 'claimed', 'skipped')",
                [nudge_id],
            )
        self._store.digests.mark_dirty(db, reply.workspace_id, [reply.period],
                                       author=reply.user_id)
        return replace(reply, id=reply_id, items=tuple(stored), created_at=now,
                       in_message=ts is not None)

    def _write_items(self, db: Database, workspace_id: str, reply_id: int,
                     items: Sequence[Item]) -> list[Item]:
        """Give the reply exactly `items`, in order. An item that carries the id of one of
        the reply's stored items keeps that row (its label, any correction, the id its
        fix-the-label button names); the reply's other rows go, the rest are inserted."""
        existing = {r["id"] for r in db.query(
            "SELECT id FROM items WHERE reply_id = ?", [reply_id])}
        kept = {i.id for i in items if i.id in existing}
        stored: list[Item] = []
        for position, item in enumerate(items):
            if item.id in kept:
                db.execute("UPDATE items SET position = ? WHERE id = ?", [position, item.id])
                stored.append(item)
                continue
            icur = db.execute(
                "INSERT INTO items (workspace_id, reply_id, position, text, kind, label, "
                "confidence, reasons, label_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [workspace_id, reply_id, position, item.text, item.kind, item.label,
                 item.confidence, json.dumps(list(item.reasons)), item.label_source],
            )
            stored.append(replace(item, id=icur.lastrowid))
        # Removed lines go last: deleted first, the highest of their ids would be handed
        # straight to a new line, and an old fix-the-label button would name it.
        for gone in existing - kept:
            db.execute("DELETE FROM items WHERE id = ?", [gone])  # corrections cascade
        return stored

    def edit(self, found: MessageReply, text: str, items: Sequence[Item],
             edited_ts: str | None) -> Reply | None:
        """Replace the text and items of a reply as `found` saw it; None when it changed
        (or went) meanwhile, so the caller re-reads and decides again. Items carrying a
        stored item's id keep that row (see `_write_items`)."""
        old = found.reply
        assert old.id is not None
        return self._rewrite(
            old, text, items,
            "UPDATE replies SET text = ?, edited_ts = ? WHERE id = ? AND workspace_id = ? "
            "AND text = ? AND edited_ts IS ?",
            [text, edited_ts, old.id, old.workspace_id, old.text, found.edited_ts])

    def edit_own(self, old: Reply, text: str, items: Sequence[Item]) -> Reply | None:
        """The author's edit from Headway's form of a reply not made from a Slack message:
        the same as `edit` (None when the text changed or the reply went meanwhile). A
        reply tied to a message is never changed here: the message is its source."""
        assert old.id is not None
        return self._rewrite(
            old, text, items,
            "UPDATE replies SET text = ? WHERE id = ? AND workspace_id = ? AND user_id = ? "
            "AND text = ? AND ts IS NULL",
            [text, old.id, old.workspace_id, old.user_id, old.text])

    def _rewrite(self, old: Reply, text: str, items: Sequence[Item], update: str,
                 params: list[Any]) -> Reply | None:
        """Run `update` (the reply's new text, guarded by what the caller saw) and, when it
        changed the row, give the reply `items` and mark its period's digests, all in one
        transaction."""
        assert old.id is not None
        with self.atomic() as db:
            if db.execute(update, params).rowcount == 0:
                return None
            stored = self._write_items(db, old.workspace_id, old.id, items)
            self._store.digests.mark_dirty(db, old.workspace_id, [old.period],
                                           author=old.user_id)
        return replace(old, text=text, items=tuple(stored))

    def delete_from_message(self, workspace_id: str, channel: str, ts: str, user_id: str,
                            now: datetime) -> DeletedReply | None:
        """The member deleted Slack message (channel, ts): remove its reply and items (and
        the corrections made on them), reopen the nudge it answered if nothing else
        answers it, and remember the deletion so a late redelivery of the original
        message cannot bring the answer back. None when no reply was stored for it."""
        with self.atomic() as db:
            self._store.messages.note_deleted(workspace_id, channel, ts, user_id, now)
            found = self.from_message(workspace_id, channel, ts)
            if found is None:
                return None
            db.execute("DELETE FROM items WHERE reply_id = ?", [found.reply.id])
            db.execute("DELETE FROM replies WHERE id = ?", [found.reply.id])
            self._store.digests.mark_dirty(db, workspace_id, [found.reply.period],
                                           author=found.reply.user_id)
            reopened = None
            if found.nudge_id is not None:
                cur = db.execute(
                    "UPDATE nudges SET status = 'sent' WHERE id = ? AND status = 'answered' "
                    "AND NOT EXISTS (SELECT 1 FROM replies WHERE nudge_id = ?)",
                    [found.nudge_id, found.nudge_id],
                )
                if cur.rowcount:
                    reopened = self._store.nudges.get(found.nudge_id)
        return DeletedReply(found, reopened)

    def set_confirmation(self, reply_id: int, channel: str, ts: str) -> None:
        """Where the member's confirmation of this reply is (to update it in place)."""
        self.db.execute("UPDATE replies SET confirm_channel = ?, confirm_ts = ? WHERE id = ?",
                        [channel, ts, reply_id])

    def make_anonymous(self, workspace_id: str, user_id: str) -> int:
        """`anonymous on` hides the name on the member's earlier answers too; returns how
        many answers changed."""
        with self.atomic() as db:
            cur = db.execute(
                "UPDATE replies SET anonymous = 1 WHERE workspace_id = ? AND user_id = ?",
                [workspace_id, user_id],
            )
            if cur.rowcount:
                self._store.digests.mark_dirty(db, workspace_id,
                                               self.periods_of(workspace_id, user_id),
                                               author=user_id)
        return cur.rowcount

    def correct_item(self, workspace_id: str, item_id: int, user_id: str, label: Label,
                     now: datetime) -> Item | None:
        """Set a member's label on an item and remember the correction for the classifier."""
        with self.atomic() as db:
            found = self.get_item(workspace_id, item_id)
            if found is None:
                return None
            item, author = found
            db.execute(
                "UPDATE items SET label = ?, label_source = 'user', confidence = 1.0 "
                "WHERE id = ? AND workspace_id = ?",
                [label, item_id, workspace_id],
            )
            db.execute(
                "INSERT INTO corrections (workspace_id, item_id, user_id, text, label, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [workspace_id, item_id, user_id, item.text, label, iso(now)],
            )
            self._store.digests.mark_dirty(db, workspace_id, [r["period"] for r in db.query(
                "SELECT r.period FROM items i JOIN replies r ON r.id = i.reply_id "
                "WHERE i.id = ?", [item_id])], author=author)
        return replace(item, label=label, label_source="user", confidence=1.0)

    def purge_before(self, workspace_id: str, cutoff: datetime) -> dict[str, int]:
        """Retention: delete replies created before `cutoff`, with their items and the
        corrections made on those items, and the effort answers of that age. Ledger rows
        stay (they hold no text and keep "at most once" true)."""
        where = "workspace_id = ? AND created_at < ?"
        params = [workspace_id, iso(cutoff.astimezone(UTC))]
        counts: dict[str, int] = {}
        with self.atomic() as db:
            counts["corrections"] = db.execute(
                "DELETE FROM corrections WHERE item_id IN (SELECT i.id FROM items i JOIN "
                "replies r ON r.id = i.reply_id WHERE r.workspace_id = ? AND r.created_at < ?)",
                params,
            ).rowcount
            counts["items"] = db.execute(
                f"DELETE FROM items WHERE reply_id IN (SELECT id FROM replies WHERE {where})",
                params,
            ).rowcount
            counts["replies"] = db.execute(f"DELETE FROM replies WHERE {where}", params).rowcount
            counts["efforts"] = self._store.efforts.purge_before(db, workspace_id, cutoff)
        return counts

    # ── reads ────────────────────────────────────────────────────────────────

    def get(self, workspace_id: str, reply_id: int) -> Reply | None:
        if not is_rowid(reply_id):
            return None
        rows = list(self.db.query(_SELECT + "WHERE r.workspace_id = ? AND r.id = ?",
                                  [workspace_id, reply_id]))
        if not rows:
            return None
        items = tuple(_item(r) for r in self.db.query(
            "SELECT * FROM items WHERE reply_id = ? ORDER BY position", [reply_id]))
        return _reply(rows[0], items)

    def get_by_item(self, workspace_id: str, item_id: int) -> Reply | None:
        """The reply the item belongs to."""
        if not is_rowid(item_id):
            return None
        rows = list(self.db.query("SELECT reply_id FROM items WHERE workspace_id = ? AND id = ?",
                                  [workspace_id, item_id]))
        return self.get(workspace_id, rows[0]["reply_id"]) if rows else None

    def from_message(self, workspace_id: str, channel: str, ts: str) -> MessageReply | None:
        """The reply made from Slack message (channel, ts), if Headway stored one."""
        rows = list(self.db.query(
            "SELECT id, nudge_id, edited_ts, confirm_channel, confirm_ts FROM replies "
            "WHERE workspace_id = ? AND channel = ? AND ts = ?", [workspace_id, channel, ts]))
        if not rows:
            return None
        row = rows[0]
        reply = self.get(workspace_id, row["id"])
        if reply is None:
            return None
        return MessageReply(reply=reply, channel=channel, ts=ts, nudge_id=row["nudge_id"],
                            edited_ts=row["edited_ts"], confirm_channel=row["confirm_channel"],
                            confirm_ts=row["confirm_ts"])

    def confirmation_of(self, workspace_id: str, reply_id: int) -> tuple[str, str] | None:
        """(channel, ts) of the reply's confirmation DM, once it was posted."""
        rows = list(self.db.query(
            "SELECT confirm_channel, confirm_ts FROM replies WHERE workspace_id = ? AND id = ? "
            "AND confirm_ts IS NOT NULL", [workspace_id, reply_id]))
        return (rows[0]["confirm_channel"], rows[0]["confirm_ts"]) if rows else None

    def of(
        self,
        workspace_id: str,
        *,
        period: str | None = None,
        user_id: str | None = None,
        limit: int | None = None,
        include_items: bool = True,
        team_id: int | None = None,
    ) -> list[Reply]:
        """The workspace's replies (of one period, of one member, of the people in one team
        in the week of each reply), oldest first; with a `limit`, the newest that many,
        newest first."""
        where, params = and_equal({"r.period": period, "r.user_id": user_id})
        team, by_team = in_team(team_id)
        where, params = where + team, [*params, *by_team]
        sql = _SELECT + "WHERE r.workspace_id = ?" + where
        sql += " ORDER BY r.id DESC" if limit else " ORDER BY r.id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        rows = list(self.db.query(sql, [workspace_id, *params]))
        items: dict[int, list[Item]] = {}
        if include_items and rows:
            ids = [r["id"] for r in rows]
            for chunk_start in range(0, len(ids), 500):
                chunk = ids[chunk_start : chunk_start + 500]
                for r in self.db.query(
                    f"SELECT * FROM items WHERE reply_id IN ({marks(chunk)}) "
                    f"ORDER BY reply_id, position", chunk,
                ):
                    items.setdefault(r["reply_id"], []).append(_item(r))
        return [_reply(r, tuple(items.get(r["id"], ()))) for r in rows]

    def count(self, workspace_id: str, period: str) -> int:
        row = next(self.db.query(
            "SELECT count(*) AS n FROM replies WHERE workspace_id = ? AND period = ?",
            [workspace_id, period]))
        return int(row["n"])

    def periods_of(self, workspace_id: str, user_id: str) -> list[str]:
        """The periods the member answered in."""
        return [r["period"] for r in self.db.query(
            "SELECT DISTINCT period FROM replies WHERE workspace_id = ? AND user_id = ?",
            [workspace_id, user_id])]

    def get_item(self, workspace_id: str, item_id: int) -> tuple[Item, str] | None:
        """The item and the user id of its author."""
        if not is_rowid(item_id):
            return None
        rows = list(self.db.query(
            "SELECT i.*, r.user_id AS author FROM items i JOIN replies r ON r.id = i.reply_id "
            "WHERE i.workspace_id = ? AND i.id = ?", [workspace_id, item_id]))
        return (_item(rows[0]), rows[0]["author"]) if rows else None

    def corrections(self, workspace_id: str, limit: int = 2000) -> list[tuple[str, Label]]:
        """The workspace's label corrections, newest last (only this workspace's)."""
        rows = self.db.query(
            "SELECT text, label FROM (SELECT id, text, label FROM corrections WHERE "
            "workspace_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id",
            [workspace_id, limit],
        )
        return [(r["text"], r["label"]) for r in rows]

    def week_shares(self, workspace_id: str, periods: Iterable[str], *,
                    user_id: str | None = None, team_id: int | None = None) -> list[WeekShare]:
        """Progress and KTLO counts of `work` items per period, the workspace's, one team's
        (`team_id`) or one member's (`user_id`); `none` items (no work in them) count in
        neither. An SQL aggregate: the cost is those weeks' rows."""
        periods = list(periods)
        if not periods:
            return []
        member, by = ("", []) if user_id is None else (" AND r.user_id = ?", [user_id])
        team, by_team = in_team(team_id)
        member, by = member + team, [*by, *by_team]
        counts = {p: [0, 0] for p in periods}
        for r in self.db.query(
            # Filtering on r.workspace_id lets SQLite walk replies by period (or by member),
            # then items by reply: the cost is those weeks' rows, whatever the history.
            f"SELECT r.period, i.label, count(*) AS n FROM replies r "
            f"JOIN items i ON i.reply_id = r.id WHERE r.workspace_id = ?{member} "
            f"AND r.period IN ({marks(periods)}) AND i.kind = 'work' "
            f"AND i.label IN ('progress', 'ktlo') GROUP BY r.period, i.label",
            [workspace_id, *by, *periods],
        ):
            counts[r["period"]][0 if r["label"] == "progress" else 1] += r["n"]
        return [WeekShare(p, *counts[p]) for p in periods]

    def ktlo_texts(self, workspace_id: str, periods: Iterable[str], *,
                   team_id: int | None = None) -> dict[str, list[str]]:
        """The texts of the KTLO `work` items of each period (of one team's people, with
        `team_id`), in the order they came."""
        periods = list(periods)
        out: dict[str, list[str]] = {p: [] for p in periods}
        if not periods:
            return out
        team, by_team = in_team(team_id)
        for r in self.db.query(
            f"SELECT r.period, i.text FROM replies r JOIN items i ON i.reply_id = r.id "
            f"WHERE r.workspace_id = ? AND r.period IN ({marks(periods)}) AND i.kind = 'work' "
            f"AND i.label = 'ktlo'{team} ORDER BY i.id",
            [workspace_id, *periods, *by_team],
        ):
            out[r["period"]].append(r["text"])
        return out


def in_team(team_id: int | None) -> tuple[str, list[Any]]:
    """The condition (on replies `r`) that the author was in the team in the reply's week,
    and its values; nothing for None."""
    if team_id is None:
        return "", []
    return (" AND EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = ? "
            "AND tm.user_id = r.user_id AND tm.since <= r.period "
            "AND (tm.until IS NULL OR r.period < tm.until))", [team_id])


def _item(r: dict[str, Any]) -> Item:
    return from_row(Item, r, reasons=tuple(json.loads(r["reasons"])))


def _reply(r: dict[str, Any], items: tuple[Item, ...]) -> Reply:
    return from_row(Reply, r, items=items, anonymous=bool(r["anonymous"]),
                    created_at=dt(r["created_at"]), author_name=r.get("author_name") or "",
                    in_message=r.get("ts") is not None)

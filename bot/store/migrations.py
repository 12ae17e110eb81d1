"""Versioned schema migrations (sqlite-utils' migration sets).

Append new migrations at the end; never edit one that has shipped. Each runs in a
transaction together with the record that it ran, so a crash mid-migration leaves the
database at the previous version.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("headway")


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE workspaces (
            team_id TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            digest_channel TEXT,
            digest_day INTEGER NOT NULL DEFAULT 0,
            digest_time TEXT NOT NULL DEFAULT '09:00',
            tz TEXT NOT NULL DEFAULT 'UTC',
            pack TEXT NOT NULL DEFAULT 'default',
            created_at TEXT NOT NULL
        );

        CREATE TABLE members (
            team_id TEXT NOT NULL REFERENCES workspaces(team_id),
            user_id TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            tz TEXT NOT NULL DEFAULT 'UTC',
            days TEXT NOT NULL DEFAULT '4',
            nudge_time TEXT NOT NULL DEFAULT '15:00',
            paused_until TEXT,
            anonymous INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            inactive_reason TEXT NOT NULL DEFAULT '',
            joined_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        );

        -- The delivery ledger: one row per nudge ever claimed. The unique key is what
        -- makes "at most once, ever" hold across threads, processes and restarts.
        CREATE TABLE nudges (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL REFERENCES workspaces(team_id),
            user_id TEXT NOT NULL,
            prompt_id TEXT NOT NULL,
            period TEXT NOT NULL,
            status TEXT NOT NULL,
            claimed_at TEXT NOT NULL,
            sent_at TEXT,
            channel TEXT,
            ts TEXT,
            error TEXT,
            snoozed_until TEXT,
            reminded_at TEXT,
            UNIQUE (team_id, user_id, prompt_id, period)
        );
        CREATE INDEX nudges_by_member ON nudges (team_id, user_id, id);

        CREATE TABLE replies (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL REFERENCES workspaces(team_id),
            user_id TEXT NOT NULL,
            nudge_id INTEGER REFERENCES nudges(id) ON DELETE SET NULL,
            prompt_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            period TEXT NOT NULL,
            text TEXT NOT NULL,
            anonymous INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX replies_by_period ON replies (team_id, period);
        CREATE INDEX replies_by_member ON replies (team_id, user_id, id);

        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            reply_id INTEGER NOT NULL REFERENCES replies(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            kind TEXT NOT NULL,
            label TEXT,
            confidence REAL NOT NULL DEFAULT 0,
            reasons TEXT NOT NULL DEFAULT '[]',
            label_source TEXT NOT NULL DEFAULT 'auto'
        );
        CREATE INDEX items_by_reply ON items (reply_id);

        CREATE TABLE corrections (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            item_id INTEGER REFERENCES items(id) ON DELETE CASCADE,
            user_id TEXT NOT NULL,
            text TEXT NOT NULL,
            label TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX corrections_by_team ON corrections (team_id, id);

        -- "Skip this week": no more nudges for that member and period.
        CREATE TABLE skips (
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            period TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id, period)
        );

        CREATE TABLE digests (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL REFERENCES workspaces(team_id),
            channel TEXT NOT NULL,
            period TEXT NOT NULL,
            status TEXT NOT NULL,
            ts TEXT,
            thread_ts TEXT NOT NULL DEFAULT '[]',
            claimed_at TEXT NOT NULL,
            posted_at TEXT,
            updated_at TEXT,
            replies_seen INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            UNIQUE (team_id, channel, period)
        );
        """
    )


@migrations()
def m002_rests(db: Database) -> None:
    db.executescript(
        """
        -- Workspace holidays: local dates on which nobody in the workspace is nudged.
        CREATE TABLE holidays (
            team_id TEXT NOT NULL REFERENCES workspaces(team_id),
            day TEXT NOT NULL,
            PRIMARY KEY (team_id, day)
        );
        -- A member's quiet hours, "22:00-07:00" (local), or NULL.
        ALTER TABLE members ADD COLUMN quiet_hours TEXT;
        -- Scheduled nudges that fell outside the grace window (the bot was down): recorded,
        -- never sent late. Apart from the ledger so the week's on-time nudge still goes out.
        CREATE TABLE missed_nudges (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL REFERENCES workspaces(team_id),
            user_id TEXT NOT NULL,
            scheduled_at TEXT NOT NULL,
            period TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            UNIQUE (team_id, user_id, scheduled_at)
        );
        -- Per workspace: when the scheduler last looked (to find what downtime skipped) and
        -- when members' time zones were last refreshed from Slack.
        CREATE TABLE scheduler_state (
            team_id TEXT PRIMARY KEY REFERENCES workspaces(team_id),
            last_tick_at TEXT,
            tz_refreshed_at TEXT
        );
        """
    )


@migrations()
def m003_claimed_by(db: Database) -> None:
    # Which process made a claim: a process that holds the sending lock may settle claims
    # made by any other process at once (that process is gone), its own only after a while.
    db.execute("ALTER TABLE nudges ADD COLUMN claimed_by TEXT")


@migrations()
def m004_uninstall(db: Database) -> None:
    # When Headway was uninstalled (or its tokens revoked): nothing is sent from then on,
    # and the workspace's rows are purged once HEADWAY_UNINSTALL_RETENTION_DAYS have passed.
    db.execute("ALTER TABLE workspaces ADD COLUMN uninstalled_at TEXT")


@migrations()
def m005_admins_and_retention(db: Database) -> None:
    # Members a workspace admin named as Headway admins (besides Slack's own admins and
    # owners), and the per-workspace retention: replies older than N months are purged.
    db.executescript(
        """
        CREATE TABLE headway_admins (
            team_id TEXT NOT NULL REFERENCES workspaces(team_id),
            user_id TEXT NOT NULL,
            added_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        );
        ALTER TABLE workspaces ADD COLUMN retention_months INTEGER;
        -- the retention purge runs every tick: find old replies without a scan
        CREATE INDEX replies_by_age ON replies (team_id, created_at);
        """
    )


@migrations()
def m006_message_replies(db: Database) -> None:
    db.executescript(
        """
        -- A reply made from a Slack message is tied to it: Slack's redelivery of the same
        -- event cannot store it twice (the unique index is the claim), and an edit or a
        -- deletion in Slack finds the reply it changes. Modal answers have no message.
        ALTER TABLE replies ADD COLUMN channel TEXT;
        ALTER TABLE replies ADD COLUMN ts TEXT;
        -- Slack's `edited.ts` of the newest edit applied: an older edit arriving late
        -- (redelivered, or out of order) cannot undo a newer one.
        ALTER TABLE replies ADD COLUMN edited_ts TEXT;
        -- Where the member's confirmation DM is, so an edit or deletion updates it in place.
        ALTER TABLE replies ADD COLUMN confirm_channel TEXT;
        ALTER TABLE replies ADD COLUMN confirm_ts TEXT;
        CREATE UNIQUE INDEX replies_by_message ON replies (team_id, channel, ts)
            WHERE ts IS NOT NULL;

        -- DM messages handled without a stored reply: a note was sent (not a member, a
        -- file without text) or the member deleted the answer. Holds no text; kept a day,
        -- long enough to outlast Slack's redeliveries (the last comes ~5 minutes after).
        -- (No reference to workspaces: a stranger's DM may come from a workspace Headway
        -- has no row for yet, and the note still goes out once.)
        CREATE TABLE handled_messages (
            team_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            ts TEXT NOT NULL,
            user_id TEXT NOT NULL,
            outcome TEXT NOT NULL,  -- noted | deleted
            handled_at TEXT NOT NULL,
            PRIMARY KEY (team_id, channel, ts)
        );
        CREATE INDEX handled_messages_by_age ON handled_messages (handled_at);

        -- A posted digest is updated when something it shows changed: set in the same
        -- transaction as the change (a reply added, edited or deleted, a label fixed, a
        -- member forgotten), cleared when the digest is rebuilt. Replaces the reply count
        -- (`replies_seen`), which missed every change that kept the count.
        ALTER TABLE digests ADD COLUMN dirty INTEGER NOT NULL DEFAULT 0;
        UPDATE digests SET dirty = 1 WHERE ts IS NOT NULL AND replies_seen != (
            SELECT count(*) FROM replies r
            WHERE r.team_id = digests.team_id AND r.period = digests.period);
        """
    )


# Tables that belong to slack_sdk (its OAuth stores): they keep Slack's own `team_id`.
SLACK_SDK_TABLES = frozenset({"slack_installations", "slack_bots", "oauth_states"})


@migrations()
def m007_workspace_id(db: Database) -> None:
    """Slack's `team_id` is a workspace, and Headway is about to have teams of its own: in
    Headway's tables the column is `workspace_id`. SQLite renames the column in indexes
    and in the foreign keys that point at it too, so every row, index and constraint is
    kept as it was."""
    for table in db.table_names():
        if table in SLACK_SDK_TABLES or table.startswith("sqlite_"):
            continue
        if "team_id" in db[table].columns_dict:
            db.execute(f"ALTER TABLE [{table}] RENAME COLUMN team_id TO workspace_id")


@migrations()
def m009_next_due(db: Database) -> None:
    """An idle tick costs a few indexed queries, whatever the number of workspaces.

    `members.next_due_at`: the earliest instant (UTC, fixed-width ISO) at which the
    scheduler has to look at the member again: their next nudge, or '' for "at the next
    tick" (a member who joined or whose settings, zone or workspace holidays changed);
    NULL for an inactive member. `due_rev` counts those changes, so a sender that worked
    out the next time from settings that changed meanwhile does not store it.
    `scheduler_state.sweep_due_at`: when the workspace's daily time-zone sweep is due
    (each workspace at its own time of day). The partial indexes find the unconfirmed
    claims and due reminders without reading the whole ledger."""
    db.executescript(
        """
        ALTER TABLE members ADD COLUMN next_due_at TEXT DEFAULT '';
        ALTER TABLE members ADD COLUMN due_rev INTEGER NOT NULL DEFAULT 0;
        UPDATE members SET next_due_at = NULL WHERE active = 0;
        -- Members of a workspace the scheduler already looked at keep that instant: what
        -- fell due since then while Headway was down is still recorded as missed.
        UPDATE members SET next_due_at = coalesce((
            SELECT strftime('%Y-%m-%dT%H:%M:%f000+00:00', s.last_tick_at)
            FROM scheduler_state s WHERE s.workspace_id = members.workspace_id), '')
            WHERE active = 1;
        CREATE INDEX members_next_due ON members (next_due_at) WHERE next_due_at IS NOT NULL;

        ALTER TABLE scheduler_state ADD COLUMN sweep_due_at TEXT;
        INSERT OR IGNORE INTO scheduler_state (workspace_id) SELECT workspace_id FROM workspaces;
        UPDATE scheduler_state SET sweep_due_at = '';
        CREATE INDEX scheduler_state_sweep_due ON scheduler_state (sweep_due_at);

        CREATE INDEX nudges_unconfirmed ON nudges (claimed_at) WHERE status = 'claimed';
        CREATE INDEX nudges_snoozed ON nudges (snoozed_until)
            WHERE reminded_at IS NULL AND snoozed_until IS NOT NULL;
        CREATE INDEX workspaces_uninstalled ON workspaces (uninstalled_at)
            WHERE uninstalled_at IS NOT NULL;
        CREATE INDEX workspaces_retention ON workspaces (retention_months)
            WHERE retention_months IS NOT NULL;
        """
    )

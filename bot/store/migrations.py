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

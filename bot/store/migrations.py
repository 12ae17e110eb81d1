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
def m008_teams(db: Database) -> None:
    """Teams inside a workspace. The digest's channel, day, time, zone and prompt pack move
    from the workspace to its teams; each workspace that had a digest channel or members
    becomes one team (named as the workspace was in its digest's header) holding every
    member it ever had and its whole digest history, so its next digest reads as before."""
    db.executescript(
        """
        CREATE TABLE teams (
            id INTEGER PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
            name TEXT NOT NULL,
            name_key TEXT NOT NULL,  -- casefolded name: names are unique whatever their case
            digest_channel TEXT,
            digest_day INTEGER NOT NULL DEFAULT 0,
            digest_time TEXT NOT NULL DEFAULT '09:00',
            tz TEXT NOT NULL DEFAULT 'UTC',
            pack TEXT NOT NULL DEFAULT 'default',
            target REAL,  -- the progress share aimed at, 0..1; NULL: no target
            created_by TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (workspace_id, name_key)
        );
        -- One team a channel: the channel a command runs in names the team it is about.
        CREATE UNIQUE INDEX teams_by_channel ON teams (workspace_id, digest_channel)
            WHERE digest_channel IS NOT NULL;

        -- Who is in which team, as periods: a member counts in a team's digest for the
        -- weeks from `since` up to (not including) `until`, so moving someone to another
        -- team leaves the old team's past weeks as they were posted. ISO week strings
        -- ("2026-W47") compare in time order.
        CREATE TABLE team_members (
            id INTEGER PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
            team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
            user_id TEXT NOT NULL,
            since TEXT NOT NULL,
            until TEXT,
            added_by TEXT,
            added_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX team_members_current ON team_members (team_id, user_id)
            WHERE until IS NULL;
        CREATE INDEX team_members_by_user ON team_members (workspace_id, user_id);
        CREATE INDEX team_members_by_team ON team_members (team_id, user_id, since);

        -- Leads manage their own team (members, digest time, target, prompt pack) without
        -- being the workspace's admins.
        CREATE TABLE team_leads (
            workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
            team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
            user_id TEXT NOT NULL,
            added_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        );

        ALTER TABLE digests ADD COLUMN team_id INTEGER REFERENCES teams(id);

        -- The leaders' rollup: posted once per (channel, period) and updated like a digest.
        ALTER TABLE workspaces ADD COLUMN rollup_channel TEXT;
        ALTER TABLE workspaces ADD COLUMN rollup_day INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE workspaces ADD COLUMN rollup_time TEXT NOT NULL DEFAULT '10:00';
        CREATE TABLE rollups (
            id INTEGER PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
            channel TEXT NOT NULL,
            period TEXT NOT NULL,
            status TEXT NOT NULL,
            ts TEXT,
            thread_ts TEXT NOT NULL DEFAULT '[]',
            claimed_at TEXT NOT NULL,
            posted_at TEXT,
            updated_at TEXT,
            error TEXT,
            dirty INTEGER NOT NULL DEFAULT 0,
            UNIQUE (workspace_id, channel, period)
        );

        """
    )
    for w in list(db.query(
            "SELECT * FROM workspaces w WHERE w.digest_channel IS NOT NULL OR EXISTS "
            "(SELECT 1 FROM members m WHERE m.workspace_id = w.workspace_id)")):
        name = w["name"] or "Team"
        team_id = db.execute(
            "INSERT INTO teams (workspace_id, name, name_key, digest_channel, digest_day, "
            "digest_time, tz, pack, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [w["workspace_id"], name, team_key(name), w["digest_channel"], w["digest_day"],
             w["digest_time"], w["tz"], w["pack"], w["created_at"]]).lastrowid
        db.execute("INSERT INTO team_members (workspace_id, team_id, user_id, since, added_at) "
                   "SELECT workspace_id, ?, user_id, '1000-W01', joined_at FROM members "
                   "WHERE workspace_id = ?", [team_id, w["workspace_id"]])
        db.execute("UPDATE digests SET team_id = ? WHERE workspace_id = ?",
                   [team_id, w["workspace_id"]])
    db.executescript(
        """
        ALTER TABLE workspaces DROP COLUMN digest_channel;
        ALTER TABLE workspaces DROP COLUMN digest_day;
        ALTER TABLE workspaces DROP COLUMN digest_time;
        """
    )


def team_key(name: str) -> str:
    """`bot.core.teams.team_key` as it was when m008 shipped (a migration must not change
    with later code)."""
    return " ".join(name.split()).casefold()


@migrations()
def m009_effort(db: Database) -> None:
    db.executescript(
        """
        -- The effort question under the weekly work question: how much of their week a
        -- member says went to keeping the lights on. One answer per member and period;
        -- tapping again changes it in place.
        CREATE TABLE efforts (
            workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
            user_id TEXT NOT NULL,
            period TEXT NOT NULL,
            choice TEXT NOT NULL,  -- none | quarter | half | three_quarters | nearly_all
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (workspace_id, user_id, period)
        );
        -- the digest reads one period of a workspace
        CREATE INDEX efforts_by_period ON efforts (workspace_id, period);
        """
    )


@migrations()
def m010_reminders(db: Database) -> None:
    db.executescript(
        """
        -- The gentle reminder before a team's digest: how many hours before it (NULL: the
        -- team turned reminders off). Every team starts with the default, 24.
        ALTER TABLE teams ADD COLUMN reminder_hours INTEGER DEFAULT 24;

        -- The reminders' own delivery ledger, apart from `nudges` (a reminder is no question:
        -- it must never be the "newest open nudge" a plain DM answers, nor count in the
        -- rotation of questions). The unique key makes a reminder go at most once per
        -- member, kind and period, across threads, processes and restarts; `nudge_id` is
        -- the question it reminds of (its buttons answer that nudge).
        CREATE TABLE reminders (
            id INTEGER PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
            user_id TEXT NOT NULL,
            kind TEXT NOT NULL,  -- reminder:work
            period TEXT NOT NULL,
            nudge_id INTEGER NOT NULL REFERENCES nudges(id) ON DELETE CASCADE,
            status TEXT NOT NULL,  -- claimed | sent | failed
            claimed_at TEXT NOT NULL,
            claimed_by TEXT,
            sent_at TEXT,
            channel TEXT,
            ts TEXT,
            error TEXT,
            UNIQUE (workspace_id, user_id, kind, period)
        );
        CREATE INDEX reminders_by_nudge ON reminders (nudge_id);
        -- the tick's candidates: open questions of recent weeks
        CREATE INDEX nudges_open_by_period ON nudges (status, period);
        """
    )


@migrations()
def m011_tracked_problems(db: Database) -> None:
    db.executescript(
        """
        -- A recurring firefight or an agenda item a team decided to act on (Track it in the
        -- digest), kept until it is fixed. Its lists (the texts it is matched by, the weeks
        -- its firefight appeared, the answers to "did we move on it?") are tables of their
        -- own, one row a value, deleted with it.
        CREATE TABLE tracked_problems (
            id INTEGER PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
            team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            kind TEXT NOT NULL,  -- firefight | problem | opportunity
            owner TEXT,  -- user id; NULL: nobody (the owner asked Headway to forget them)
            status TEXT NOT NULL DEFAULT 'open',  -- open | in_progress | fixed
            started TEXT NOT NULL,  -- the week it was tracked in (the digest's week)
            fixed_at TEXT,  -- the week it was last marked fixed in
            reopened_at TEXT,  -- the week its firefight last came back after a fix
            -- The digest entry it was tracked from: the same button pressed twice (a double
            -- click, a redelivered request, two people at once) tracks it once.
            source_period TEXT NOT NULL,
            source_key TEXT NOT NULL,
            tracked_by TEXT,  -- who pressed Track it; NULL after they were forgotten
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (team_id, source_period, kind, source_key)
        );
        CREATE INDEX tracked_problems_by_team ON tracked_problems (workspace_id, team_id);
        CREATE INDEX tracked_problems_by_owner ON tracked_problems (workspace_id, owner);

        CREATE TABLE problem_references (
            workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
            problem_id INTEGER NOT NULL REFERENCES tracked_problems(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (problem_id, position)
        );

        CREATE TABLE problem_weeks (
            workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
            problem_id INTEGER NOT NULL REFERENCES tracked_problems(id) ON DELETE CASCADE,
            period TEXT NOT NULL,
            PRIMARY KEY (problem_id, period)
        );

        -- One answer a problem and week: a later one replaces it.
        CREATE TABLE problem_follow_ups (
            workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
            problem_id INTEGER NOT NULL REFERENCES tracked_problems(id) ON DELETE CASCADE,
            period TEXT NOT NULL,
            answer TEXT NOT NULL,  -- yes | partly | no
            note TEXT NOT NULL DEFAULT '',
            answered_by TEXT NOT NULL,
            answered_at TEXT NOT NULL,
            PRIMARY KEY (problem_id, period)
        );
        CREATE INDEX problem_follow_ups_by_member ON problem_follow_ups (workspace_id, answered_by);
        """
    )


@migrations()
def m012_next_due(db: Database) -> None:
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


@migrations()
def m013_weekly_due(db: Database) -> None:
    """An idle digest or rollup lane costs a few indexed queries, whatever the number of
    teams and workspaces: each team keeps the instant its digest is next due, each
    workspace its rollup's ('' for "look at the next tick": new, or its schedule changed),
    and the posted messages a change marked for a rebuild are found through an index."""
    db.executescript(
        """
        ALTER TABLE teams ADD COLUMN next_digest_at TEXT NOT NULL DEFAULT '';
        CREATE INDEX teams_next_digest ON teams (next_digest_at)
            WHERE digest_channel IS NOT NULL;
        ALTER TABLE workspaces ADD COLUMN next_rollup_at TEXT NOT NULL DEFAULT '';
        CREATE INDEX workspaces_next_rollup ON workspaces (next_rollup_at)
            WHERE rollup_channel IS NOT NULL;
        CREATE INDEX digests_dirty ON digests (workspace_id, channel) WHERE dirty = 1;
        CREATE INDEX rollups_dirty ON rollups (workspace_id, channel) WHERE dirty = 1;
        """
    )

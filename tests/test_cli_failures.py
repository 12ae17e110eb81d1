"""Every failure of the `headway` command line is one line on stderr and a non-zero exit.

Each test runs the real `headway` process (`python -m bot`) against a real SQLite file and
the fake Slack, and checks the one line, the exit code (2: the operator fixes a setting, an
argument or a file; 1: Slack failed), that no traceback was printed, and that the failure
touched neither the data nor Slack.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time as clock
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from conftest import wait_for
from slackdriver import SlackDriver

from bot.cli.parser import build_parser
from bot.core.model import Item, Member, Reply
from bot.core.problems import FollowUp, TrackedProblem
from bot.store import NOT_EXPORTED, Store

ROOT = Path(__file__).resolve().parents[1]
T = "T0001"  # FakeSlack's default workspace; its bot token is fake.token


def headway(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `headway ARGS` as a new process, in the test's environment plus `env`."""
    full = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=timeout)


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    """The single `headway: …` line a failed command printed (and its exit code)."""
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("headway: "), lines[0]
    assert done.returncode == code, (done.returncode, done.stderr)
    return lines[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_REFUSING: list[socket.socket] = []  # bound, never listened on: kept for the whole run


def closed_api_url() -> str:
    """A Slack API URL where nothing listens: connection refused, as when Slack is down.
    The port stays bound (without listening) so no server of a parallel test can take it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    _REFUSING.append(sock)
    return f"http://127.0.0.1:{sock.getsockname()[1]}/api/"


def seed(db: Path, *, members: int = 1, due_now: bool = False) -> None:
    """A workspace with members U1…Un (known to the fake as well, by the caller)."""
    now = datetime.now(UTC)
    at = (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    # Due now: today at two minutes ago (UTC). Otherwise: three days from now, never due.
    day = at.weekday() if due_now else (now.weekday() + 3) % 7
    store = Store.open(db)
    store.workspaces.ensure(T, now, "Headway Test")
    team = store.teams.create(T, "Headway Test", now, digest_channel="C0DIGEST")
    for i in range(1, members + 1):
        store.members.upsert(Member(T, f"U{i}", name=f"Person {i}", tz="UTC", days=(day,),
                                    nudge_time=at.time() if due_now else time(15)), now)
        store.teams.add_member(T, team.id, f"U{i}", "2026-W01", now)
    store.close()


def rows(db: Path, table: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(f"SELECT * FROM {table}").fetchall()


def uninstalled_at(db: Path) -> str | None:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT uninstalled_at FROM workspaces WHERE workspace_id = ?",
                            [T]).fetchone()[0]


# ── the command line itself ──────────────────────────────────────────────────


def test_headway_without_a_command_prints_usage_on_stderr_and_exits_2(env):
    done = headway()
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("usage: headway")
    assert "nudge --now" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(("args", "says"), [
    (["nudge"], "the following arguments are required: --now (see `headway nudge --help`)"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["digest", "--dry-run", "--post"], "not allowed with argument"),
])
def test_a_mistyped_command_is_one_line_and_exit_2(env, args, says):
    assert says in one_line(headway(*args), 2)


def test_every_subcommand_and_option_has_a_one_line_description():
    parser = build_parser()
    [sub] = [a for a in parser._actions if a.choices and a.dest == "command"]
    listed = {a.dest: a.help for a in sub._choices_actions}
    assert set(listed) == set(sub.choices)  # every subcommand is listed with its help
    assert "nudge" in listed and "export" in listed  # canary: the walk found them
    options = [(f"headway {name}", action) for name, p in sub.choices.items()
               for action in p._actions] + [("headway", a) for a in parser._actions]
    assert any(a.dest == "now" for _, a in options)
    for where, action in options:
        if action is sub:
            continue
        text = listed.get(action.dest) if action.dest in listed else action.help
        assert text and text.strip() and "\n" not in text, (where, action.option_strings)
    for name, text in listed.items():
        assert text and "\n" not in text, name
    shown = headway("nudge", "--help")
    assert shown.returncode == 0
    assert re.search(r"--now\s+send now every nudge due", shown.stdout), shown.stdout


def test_an_unexpected_error_is_one_line_naming_its_class_and_not_its_text(
        monkeypatch, capsys):
    """In-process, to plant the bug: the message of an exception may quote a member."""
    import bot.cli

    def broken() -> int:
        raise RuntimeError("Ada wrote: I want a new role")

    monkeypatch.setattr(bot.cli.offline, "classify", broken)
    assert bot.cli.main(["classify"]) == 1
    err = capsys.readouterr().err
    assert err == ("headway: unexpected error (RuntimeError); run with --verbose for the "
                   "traceback\n")


# ── the database file ────────────────────────────────────────────────────────


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    """Files made read-only even for root (chattr +i), made writable again afterwards."""
    made: list[Path] = []
    yield made
    for path in made:
        subprocess.run(["chattr", "-i", str(path)], check=False, capture_output=True)


def _read_only(path: Path, immutable: list[Path]) -> None:
    path.chmod(0o444)
    if os.access(path, os.W_OK):  # root ignores modes: make it immutable instead
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
        if done.returncode != 0 or os.access(path, os.W_OK):
            pytest.skip("cannot make a file read-only for this user here")
        immutable.append(path)


def _damage(kind: str, db: Path, immutable: list[Path]) -> tuple[Path, str]:
    """Make HEADWAY_DB bad in one way; returns the path and what the one line says."""
    if kind == "junk":
        db.write_text("name,answer\nada,shipped it\n" * 20)
        return db, "is not a SQLite database"
    seed(db)
    if kind == "truncated":
        with contextlib.closing(sqlite3.connect(db)) as conn:  # pages for the cut to lose
            conn.execute("CREATE TABLE filler (x TEXT)")
            conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 200)
            conn.commit()
        size = db.stat().st_size
        with open(db, "r+b") as f:
            f.truncate(size // 2)
        return db, f"is truncated ({size // 2} of {size} bytes)"
    if kind == "read-only":
        _read_only(db, immutable)
        return db, "is read-only"
    if kind == "directory":
        db.unlink()
        db.mkdir()
        return db, "HEADWAY_DB points at a directory"
    if kind == "proc-file":
        return Path("/proc/self/status"), "/proc/self/status is not a SQLite database"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["junk", "truncated", "read-only", "directory", "proc-file"])
def test_a_bad_database_file_is_one_line_for_every_command_and_is_left_as_it_was(
        env, fake, db_path, immutable, kind):
    path, says = _damage(kind, db_path, immutable)
    before = path.read_bytes() if path.is_file() and kind != "proc-file" else None
    env = {"HEADWAY_DB": str(path)}
    # One command that writes and one that only reads: each opens the file its own way.
    commands = [["nudge", "--now"], ["export"]]
    if kind == "junk":  # and the other two ways: migrate, and read with a schema upgrade
        commands += [["migrate"], ["digest", "--dry-run"]]
    if kind == "read-only":  # reading a read-only database works: see below
        commands = [["nudge", "--now"], ["migrate"]]
    for args in commands:
        line = one_line(headway(*args, env=env), 2)
        assert says in line, (args, line)
    if before is not None:
        assert path.read_bytes() == before  # nothing written, nothing "repaired"
    assert fake.calls == []  # and Slack was never asked for anything
    if kind == "read-only":
        done = headway("export", env=env)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["tables"]["members"][0]["user_id"] == "U1"
        done = headway("digest", "--dry-run", env=env)
        assert done.returncode == 0, done.stderr
        assert "Headway · Headway Test · " in done.stdout


def test_headway_db_in_a_place_where_no_file_can_be_created_is_one_line(env, fake):
    line = one_line(headway("migrate", env={"HEADWAY_DB": "/proc/headway/headway.db"}), 2)
    assert "cannot create the database /proc/headway/headway.db" in line
    assert "set HEADWAY_DB to a path in a writable directory" in line


def test_commands_that_only_read_never_create_a_database(env, tmp_path):
    missing = tmp_path / "mistyped" / "headway.db"
    for args in (["backup", str(tmp_path / "b.db")], ["export"], ["digest", "--dry-run"]):
        line = one_line(headway(*args, env={"HEADWAY_DB": str(missing)}), 2)
        assert f"no database at {missing}" in line, args
    assert not missing.parent.exists()
    assert not (tmp_path / "b.db").exists()


def test_a_database_from_a_newer_headway_is_refused_naming_both_schema_versions(
        env, fake, db_path):
    seed(db_path)
    ours = Store.known_migrations()
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('headway', 'm999_from_the_future', '2031-01-01')")
        conn.commit()
    for args in (["migrate"], ["digest", "--dry-run"], ["serve"]):
        line = one_line(headway(*args, env={"PORT": str(free_port())}), 2)
        assert "was written by a newer Headway (schema m999_from_the_future, " \
               f"{len(ours) + 1} migrations; this version knows up to {ours[-1]}, " \
               f"{len(ours)})" in line, (args, line)
    assert fake.calls == []
    # Copying rows out needs no understanding of them: backup and export still work.
    assert headway("backup", str(db_path.parent / "copy.db")).returncode == 0
    assert headway("export").returncode == 0


def test_migrate_says_what_it_applied_and_when_there_was_nothing(env, db_path):
    from sqlite_utils import Database

    from bot.store.migrations import migrations

    ours = Store.known_migrations()
    db = Database(db_path)
    migrations.apply(db, stop_before=ours[1])  # a database from the first version
    db.close()
    done = headway("migrate")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (f"applied {len(ours) - 1} migrations "
                                   f"({', '.join(ours[1:])}): schema now at {ours[-1]}")
    done = headway("migrate")
    assert done.stdout.strip() == (f"already at schema {ours[-1]} ({len(ours)} migrations): "
                                   f"nothing to apply")
    fresh = db_path.parent / "fresh.db"
    done = headway("migrate", env={"HEADWAY_DB": str(fresh)})
    assert done.stdout.startswith(f"created {fresh}; applied {len(ours)} migrations (")


# ── backup, demo, export into a pipe ─────────────────────────────────────────


def test_backup_to_a_directory_or_an_unwritable_path_is_one_line_and_writes_nothing(
        env, db_path, tmp_path):
    seed(db_path)
    (tmp_path / "a-file").write_text("not a folder")
    cases = {
        str(tmp_path): "is a directory: give a file path such as",
        "/proc/headway/backup.db": "cannot write the backup to /proc/headway/backup.db",
        str(tmp_path / "a-file" / "backup.db"): "a-file is a file, not a directory",
        str(db_path): "is the database itself",
    }
    for target, says in cases.items():
        assert says in one_line(headway("backup", target), 2), target
    assert (tmp_path / "a-file").read_text() == "not a folder"
    assert not list(tmp_path.glob(".*.part"))
    # and a good target gets a whole copy, replacing what was there
    target = tmp_path / "backups" / "headway.db"
    target.parent.mkdir()
    target.write_text("yesterday's backup, say")
    done = headway("backup", str(target))
    assert done.returncode == 0, done.stderr
    assert rows(target, "members") == rows(db_path, "members") != []
    assert not list(target.parent.glob(".*"))  # no temporary file left beside it


def _not_a_file(kind: str, tmp_path: Path) -> Path:
    """A backup target that exists and is not a regular file. The devices are reached
    through a link in tmp_path, so that code that replaces the target (as `backup` once
    did) replaces the link, never /dev/null itself."""
    path = tmp_path / kind
    if kind in ("dev-null", "dev-full"):
        path.symlink_to(f"/dev/{kind[4:]}")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "char-device":
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a null device, here
        except PermissionError:
            pytest.skip("creating a device node needs root")
    return path


@pytest.mark.parametrize("kind", ["dev-null", "dev-full", "fifo", "char-device"])
def test_backup_to_a_device_or_a_pipe_is_refused_and_leaves_it_as_it_was(
        env, db_path, tmp_path, kind):
    seed(db_path)
    target = _not_a_file(kind, tmp_path)
    before = os.lstat(target)
    line = one_line(headway("backup", str(target)), 2)
    assert line == (f"headway: the backup target {target} is not a regular file (a device, "
                    f"a pipe or a socket): give the path of a file to write")
    after = os.lstat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert not stat.S_ISREG(os.stat(target).st_mode)  # canary: what it points at, too
    assert not list(tmp_path.glob(".*.part"))


def test_backup_dash_is_refused_and_dot_slash_dash_writes_a_file_named_dash(
        env, db_path, tmp_path):
    seed(db_path)
    line = one_line(headway("backup", "-", cwd=tmp_path), 2)
    assert line == ("headway: backup writes a file, not standard output: give a path such "
                    "as backups/headway.db (a file named '-' is ./-)")
    assert not (tmp_path / "-").exists()
    done = headway("backup", "./-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert rows(tmp_path / "-", "members") == rows(db_path, "members") != []


def test_backup_and_export_of_an_empty_database_say_the_same_thing(env, db_path, tmp_path):
    db_path.touch()  # 0 bytes: a database no Headway has written
    target = tmp_path / "backup.db"
    lines = {args[0]: one_line(headway(*args), 2) for args in (["backup", str(target)],
                                                               ["export"])}
    for command, so in (("backup", "nothing to back up"), ("export", "nothing to export")):
        assert lines[command] == (f"headway: the database {db_path} is empty (no Headway "
                                  f"has used it yet): {so}; check HEADWAY_DB")
    assert not target.exists()
    assert db_path.stat().st_size == 0 and sorted(tmp_path.iterdir()) == [db_path]


def test_demo_out_pointing_at_a_file_is_one_line_and_leaves_the_file(tmp_path):
    out = tmp_path / "report.txt"
    out.write_text("keep me")
    line = one_line(headway("demo", "--out", str(out), cwd=tmp_path), 2)
    assert line == f"headway: demo --out {out} is a file: give a directory (default: out/demo)"
    assert out.read_text() == "keep me"


def test_export_into_a_reader_that_stops_early_ends_quietly(env, db_path):
    seed(db_path)
    store = Store.open(db_path)
    now = datetime.now(UTC)
    for week in range(1, 301):  # ~300 KB of JSON: far more than a pipe holds
        store.replies.add(Reply(T, "U1", "work", "work", f"2025-W{week % 52 + 1:02d}",
                                "Shipped the thing " * 40), source="dm", now=now)
    store.close()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "export"],
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "{"  # `| head -1`
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 128 + signal.SIGPIPE
    assert err == ""


# ── export holds everything ──────────────────────────────────────────────────


def _every_table_has_a_row(store: Store, team_id: str, now: datetime) -> None:
    """One row (at least) in each of Headway's tables for `team_id`, through the store."""
    store.workspaces.ensure(team_id, now, f"Workspace {team_id}")
    store.workspaces.update(team_id, retention_months=12, rollup_channel="C0LEADS")
    store.members.upsert(Member(team_id, "U1", name="Ada", tz="Europe/Berlin", days=(0, 3),
                                quiet_hours=(time(22), time(7))), now)
    team = store.teams.create(team_id, "Platform", now, digest_channel="C0DIGEST")
    store.teams.add_member(team_id, team.id, "U1", "2026-W01", now)
    store.teams.add_lead(team_id, team.id, "U1", "UOWNER", now)
    store.rollups.claim(team_id, "C0LEADS", "2026-W47", now)
    nudge = store.nudges.claim(team_id, "U1", "work", "2026-W47", now)
    store.nudges.mark_sent(nudge.id, "D1", "1.0", now)
    reminder = store.reminders.claim(team_id, "U1", "2026-W47", nudge.id, now, claimed_by="r")
    store.reminders.mark_sent(reminder.id, "D1", "1.5", now)
    reply = store.replies.add(Reply(team_id, "U1", "work", "work", "2026-W47",
                                    f"Shipped the beta of {team_id}\nRestarted the job again",
                                    items=(Item(f"Shipped the beta of {team_id}", "work",
                                                "progress", 0.9, ("shipped",)),
                                         Item("Restarted the job again", "work", "ktlo"))),
                            source="dm", now=now, nudge_id=nudge.id)
    store.replies.correct_item(team_id, reply.items[1].id, "U1", "progress", now)
    store.messages.note(team_id, "D1", "9.0", "U1", now)
    store.nudges.skip_period(team_id, "U1", "2026-W48", now)
    store.efforts.answer(team_id, "U1", "2026-W47", "half", now)
    store.holidays.add(team_id, [date(2026, 12, 24)])
    store.admins.add(team_id, "U1", "UOWNER", now)
    store.nudges.record_missed(team_id, "U1", now - timedelta(days=7), "2026-W46", now)
    store.scheduler.set_last_tick(team_id, now)
    claim = store.digests.claim(team_id, "C0DIGEST", "2026-W47", now)
    store.digests.mark_posted(claim.id, "2.0", ["2.1"], now)
    problem = store.problems.add(team_id, team.id, TrackedProblem(
        "Restarted the job again", "firefight", "U0ADA1", "2026-W46",
        references=("Restarted the job again",), weeks=("2026-W46",)),
        source_period="2026-W46", source_key="0123456789ab", tracked_by="U0ADA1", now=now)
    store.problems.answer(team_id, problem.id, FollowUp("2026-W47", "partly"), "U1", now)


def _readme_export_fields() -> set[tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### What `headway export` holds"):]
    section = section[:section.index("\n## ")]
    return set(re.findall(r"^\| `(\w+)` \| `(\w+)` \|", section, re.M))


def test_export_holds_every_row_of_every_table_for_the_workspace_and_no_tokens(
        env, db_path):
    from slack_sdk.oauth.installation_store import Installation
    from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore

    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    store = Store.open(db_path)
    _every_table_has_a_row(store, T, now)
    _every_table_has_a_row(store, "T0002", now)  # another workspace: never in T's export
    # An OAuth install keeps its tokens in the same file (slack_sdk's tables).
    SQLite3InstallationStore(database=str(db_path), client_id="111.222").save(Installation(
        app_id="A1", team_id=T, user_id="UOWNER", bot_token="xoxb-SECRET-BOT-TOKEN",
        bot_id="B1", bot_user_id="UBOT", installed_at=now.timestamp()))
    tables = set(store.db.table_names())
    assert store.exports.unexplained_tables() == [], (
        "every table carries the workspace column, or NOT_EXPORTED says why it is left out")
    store.close()

    done = headway("export", "--workspace", T)
    assert done.returncode == 0, done.stderr
    exported = json.loads(done.stdout)
    assert exported["workspace_id"] == T and exported["schema"] == Store.known_migrations()[-1]
    tables = {t for t in tables if not t.startswith("sqlite_")}  # SQLite's own bookkeeping
    assert set(exported["tables"]) == tables - set(NOT_EXPORTED), (
        "a table Headway writes is missing from `headway export`")
    assert {"slack_installations", "slack_bots"} <= set(exported["not_exported"])
    empty = [t for t, found in exported["tables"].items() if not found]
    assert not empty, f"seed a row in {empty} in _every_table_has_a_row (and document it)"
    for table, found in exported["tables"].items():
        for row in found:
                assert row["workspace_id"] == T, table
    assert "Shipped the beta of T0001" in done.stdout
    assert "T0002" not in done.stdout and "xoxb-SECRET" not in done.stdout
    [correction] = exported["tables"]["corrections"]
    assert (correction["text"], correction["label"]) == ("Restarted the job again", "progress")

    # Field by field in the README: every column of every exported table, and no other.
    columns = {(t, c) for t, found in exported["tables"].items() for c in found[0]}
    documented = _readme_export_fields()
    assert columns - documented == set(), "document these in README's export section"
    assert documented - columns == set(), "README documents fields the export does not have"


# ── Slack unreachable or refusing ────────────────────────────────────────────


def test_serve_tries_slack_again_with_backoff_then_stops_with_one_line(env, tmp_path):
    url = closed_api_url()
    done = headway("serve", env={"SLACK_API_URL": url, "PORT": str(free_port()),
                                 "HEADWAY_START_RETRY_SECONDS": "0.5"})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    *attempts, last = done.stderr.splitlines()
    # It tried again (how often depends on the machine's speed; the schedule itself is
    # checked with injected time in test_the_wait_for_slack_backs_off…).
    assert len(attempts) >= 1, done.stderr
    for line in attempts:
        assert f"WARNING bot: Slack is not reachable at {url} (Connection refused): " \
               "trying again in" in line, line
    assert last.startswith(f"headway: cannot reach Slack at {url} (Connection refused; "
                           f"{len(attempts) + 1} attempts in ")
    assert last.endswith("check the network, a proxy, or SLACK_API_URL; Headway did not start")


class Relay:
    """A TCP relay from a local port to the fake Slack: Slack "comes back" when it opens.

    The port is bound from the start but not listened on, so connecting to it is refused
    (Slack down) while no other server can take the port meanwhile (tests run in parallel
    processes, and a port only picked, not bound, may be handed to one of theirs)."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]

    def open(self) -> None:
        self.server.listen()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(("127.0.0.1", self.target))
            done = threading.Barrier(2, action=lambda c=client, u=upstream: (c.close(),
                                                                            u.close()))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst, done), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket, done: threading.Barrier) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
            dst.shutdown(socket.SHUT_WR)
        with contextlib.suppress(threading.BrokenBarrierError):
            done.wait(timeout=30)

    def close(self) -> None:
        self.server.close()


def test_serve_waits_for_slack_to_come_back_then_starts(env, fake):
    port = free_port()
    relay = Relay(int(fake.api_url.split(":")[2].split("/")[0]))
    proc = _serve({**env, "SLACK_API_URL": f"http://127.0.0.1:{relay.port}/api/",
                   "HEADWAY_START_RETRY_SECONDS": "20"}, port)
    try:
        first = proc.stdout.readline()
        assert "Slack is not reachable at" in first and "(attempt 1;" in first, first
        assert fake.calls_to("auth.test") == []
        relay.open()
        wait_for(lambda: _up(port), timeout=30, what="serve to start once Slack is back")
        checks = fake.calls_to("auth.test")
        assert checks and all(c.error is None for c in checks)
    finally:
        out = first + _stop(proc)
        relay.close()
    assert "Traceback" not in out
    assert "Headway is listening on port" in out


@pytest.mark.parametrize(("wait", "attempts", "pauses"), [
    (120, r"9 attempts in 120\.0 s", [1, 2, 4, 8, 16, 30, 30, 29]),
    (5, r"5 attempts in 5\.0 s", [0.5, 1, 2, 1.5]),  # under 10 s: from a tenth of it
])
def test_the_wait_for_slack_backs_off_from_1_s_to_30_s_and_ends_on_time(
        hw, clock, wait, attempts, pauses):
    """The schedule itself, with injected sleep and monotonic time (no real waiting); the
    README (Troubleshooting, .env.example) states it."""
    from dataclasses import replace

    from bot.cli.failures import SlackFailure
    from bot.cli.slack_check import check_slack
    from bot.context import Headway

    down = Headway(settings=replace(hw.settings, api_url=closed_api_url()), store=hw.store,
                   packs=hw.packs, clock=clock)
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    with pytest.raises(SlackFailure, match=rf"\(Connection refused; {attempts}\)"):
        check_slack(down, wait=wait, doing="Headway did not start", sleep=sleep,
                    monotonic=lambda: now[0])
    assert slept == pauses
    assert hw.store.workspaces.all() == []  # nothing recorded for a workspace Slack never named


def test_sigterm_while_serve_waits_for_slack_stops_it_cleanly(env):
    proc = _serve({**env, "SLACK_API_URL": closed_api_url(),
                   "HEADWAY_START_RETRY_SECONDS": "600"}, free_port())
    first = proc.stdout.readline()
    assert "Slack is not reachable at" in first, first
    out = _stop(proc)  # exit 0, long before the 600 s are up
    assert "Traceback" not in out and "cannot reach Slack" not in out


def test_serve_with_a_token_slack_refuses_names_the_variable_and_exits_2(env, fake):
    done = headway("serve", env={"SLACK_BOT_TOKEN": "xoxb-not-a-real-one",
                                 "PORT": str(free_port())})
    assert one_line(done, 2) == (
        "headway: SLACK_BOT_TOKEN was refused by Slack (invalid_auth): copy the Bot User "
        "OAuth Token (xoxb-…) again from your app's OAuth & Permissions page")
    assert [c.error for c in fake.calls_to("auth.test")] == ["invalid_auth"]


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[str]:
    full = {**os.environ, **env, "PORT": str(port), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=full, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _up(port: int) -> bool:
    try:
        return SlackDriver(f"http://127.0.0.1:{port}", None).raw("GET", "/healthz").status \
            == 200
    except OSError:
        clock.sleep(0.05)
        return False


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    return out


def test_serve_on_a_busy_port_stops_before_the_scheduler_could_nudge_anyone(
        env, fake, db_path):
    fake.add_user("U1", tz="UTC")
    seed(db_path, due_now=True)
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = one_line(headway("serve", env={"PORT": str(port)}), 2)
    assert line == (f"headway: PORT {port} is already in use (another Headway, or another "
                    f"program, listens there): stop it, or set PORT to a free port")
    assert fake.calls_to("chat.postMessage") == []
    assert rows(db_path, "nudges") == []
    # Canary: on a free port the same start nudges U1 at its first tick.
    proc = _serve(env, free_port())
    try:
        wait_for(lambda: [c for c in fake.calls_to("chat.postMessage")
                          if c.args.get("channel") == "U1"], timeout=30, what="the nudge")
    finally:
        _stop(proc)


def test_a_reinstall_with_a_new_token_ends_the_uninstalled_state_at_serve_start(
        env, fake, db_path):
    fake.add_user("U1", tz="UTC")
    seed(db_path)
    port = free_port()
    proc = _serve(env, port)
    try:
        wait_for(lambda: _up(port), timeout=30, what="serve to listen")
        driver = SlackDriver(f"http://127.0.0.1:{port}", fake)
        assert driver.event({"type": "app_uninstalled"}).status == 200
        wait_for(lambda: uninstalled_at(db_path) is not None, what="the uninstall")
    finally:
        _stop(proc)
    fake.revoke_token(fake.token)  # Slack revokes the token of an uninstalled app
    store = Store.open(db_path)
    assert store.workspaces.get(T).uninstalled_at is not None
    assert store.workspaces.all() == []  # what `nudge --now` and `digest` see: nobody to serve
    store.close()

    fake.add_token("xoxb-reinstalled")  # the app is installed again: a new bot token
    new = {**env, "SLACK_BOT_TOKEN": "xoxb-reinstalled"}
    port = free_port()
    proc = _serve(new, port)
    try:
        wait_for(lambda: _up(port), timeout=30, what="serve to listen again")
    finally:
        log = _stop(proc)
    assert f"workspace {T} had uninstalled Headway; SLACK_BOT_TOKEN is valid for it " \
           "again" in log
    store = Store.open(db_path)
    assert store.workspaces.get(T).uninstalled_at is None
    store.close()
    done = headway("nudge", "--now", env=new)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("nudges: sent 1,")
    [dm] = [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == "U1"]
    assert dm.token == "xoxb-reinstalled"


def test_nudge_now_and_digest_post_while_slack_is_down_are_one_line_and_record_nothing(
        env, db_path):
    seed(db_path, members=50)
    down = {"SLACK_API_URL": closed_api_url()}
    url = down["SLACK_API_URL"]
    line = one_line(headway("nudge", "--now", env=down), 1)
    assert line == (f"headway: cannot reach Slack at {url} (Connection refused; 1 attempt): "
                    f"check the network, a proxy, or SLACK_API_URL; nothing was sent")
    line = one_line(headway("digest", "--post", env=down), 1)
    assert line.endswith("SLACK_API_URL; the digest was not posted")
    # No claim is left behind to block the next run.
    assert rows(db_path, "nudges") == [] and rows(db_path, "digests") == []


def test_nudge_now_counts_failures_by_kind_in_one_line_each(env, fake, db_path):
    for i in range(1, 13):
        fake.add_user(f"U{i}", tz="UTC")
    seed(db_path, members=12)
    fake.fail("chat.postMessage", "user_not_found", when=lambda a: a.get("channel") == "U7")
    fake.fail("chat.postMessage", "fatal_error", times=None)
    done = headway("nudge", "--now", env={"HEADWAY_SEND_RATE": "1000"})  # pacing: elsewhere
    assert done.returncode == 1
    assert done.stdout.strip() == ("nudges: sent 0, already sent 0, failed 11, "
                                   "members deactivated 1")
    assert "Traceback" not in done.stderr
    assert sorted(done.stderr.splitlines()) == [
        "headway: member … deactivated: user_not_found (1 time)",
        "headway: nudge … not sent: fatal_error (11 times)",
    ]


def test_digest_post_that_slack_refuses_is_one_line_and_can_be_posted_later(
        env, fake, db_path):
    seed(db_path)
    fake.fail("chat.postMessage", "not_in_channel")
    line = one_line(headway("digest", "--post", "--week", "2026-W47"), 1)
    assert line == ("headway: Headway Test's 2026-W47 digest was not posted: Slack said "
                    "`not_in_channel`: Headway is not in that channel: invite it with "
                    "`/invite @Headway`")
    done = headway("digest", "--post", "--week", "2026-W47")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("digest 2026-W47 of Headway Test posted in C0DIGEST")


def test_a_week_out_of_range_is_one_line_and_exit_2_before_slack_is_asked(env, fake, db_path):
    seed(db_path)
    for mode in ("--dry-run", "--post"):
        line = one_line(headway("digest", mode, "--week", "9999-W52"), 2)
        assert line == ("headway: `9999-W52` is out of range: Headway's weeks run from "
                        "1000-W01 to 9998-W52")
    assert fake.calls == []
    done = headway("digest", "--dry-run", "--week", "9998-W52")  # canary: the last one works
    assert done.returncode == 0, done.stderr


def test_nudge_now_for_someone_who_is_not_a_member_is_one_line_and_sends_nothing(
        env, fake, db_path):
    for user in ("U1", "U2"):
        fake.add_user(user, tz="UTC")
    seed(db_path, members=2)
    store = Store.open(db_path)
    store.members.deactivate(T, "U2", "user_not_found", datetime.now(UTC))
    store.close()
    line = one_line(headway("nudge", "--now", "--user", "U9"), 2)
    assert line == (f"headway: U9 is not a member of {T}: check --user (a Slack user id such "
                    f"as U07ABC12); people join with `/headway join`")
    line = one_line(headway("nudge", "--now", "--workspace", T, "--user", "U2"), 2)
    assert line == (f"headway: U2 is not a member of {T} any more (they left, or Slack "
                    f"deactivated them)")
    assert fake.calls_to("chat.postMessage") == [] and rows(db_path, "nudges") == []
    done = headway("nudge", "--now", "--user", "U1")  # canary: a member is nudged
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("nudges: sent 1,")


@pytest.mark.parametrize("args", [["export"], ["backup", "copy.db"], ["migrate"],
                                  ["digest", "--dry-run"]])
def test_a_bad_setting_stops_only_the_commands_that_use_it(env, db_path, args):
    seed(db_path)
    bad = {"HEADWAY_SEND_RATE": "-1", "SLACK_BOT_TOKEN": "not-a-token", "PORT": "http",
           "HEADWAY_START_RETRY_SECONDS": "soon", "SLACK_API_URL": "slack.com"}
    done = headway(*args, env=bad)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    # The commands that send check every setting: the first bad one stops them.
    for sends in (["nudge", "--now"], ["serve"], ["digest", "--post"]):
        line = one_line(headway(*sends, env={"HEADWAY_SEND_RATE": "-1"}), 2)
        assert "HEADWAY_SEND_RATE must be a number of messages per second" in line, sends


# ── make run ─────────────────────────────────────────────────────────────────


def test_make_run_with_a_malformed_token_shows_serves_error_not_the_demo(tmp_path):
    venv = Path(sys.prefix)
    if not (venv / "bin" / "headway").exists():
        pytest.skip("needs the project's virtual environment (make test creates it)")
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=paste-your-token-here\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HEADWAY_"))}
    done = subprocess.run(
        ["make", "--no-print-directory", "-f", str(ROOT / "Makefile"),
         "-o", f"{venv}/.installed-stamp", f"VENV={venv}", "run"],
        cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "offline demo" not in done.stdout
    assert ("headway: SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-' (got "
            "'paste…')") in done.stderr
    assert "Traceback" not in done.stderr


def test_a_blank_team_name_is_one_line_asking_for_a_name_not_no_team_called_nothing(
        env, fake, db_path):
    seed(db_path)
    for args in (("digest", "--dry-run", "--team", ""), ("digest", "--post", "--team", " "),
                 ("nudge", "--now", "--team", "")):
        line = one_line(headway(*args), 2)
        assert line == ("headway: --team needs a team's name (its name in `/headway teams`, "
                        "any case): the teams are Headway Test"), (args, line)
    # An empty --team is not "no --team": nobody was asked, nothing was posted.
    assert fake.calls_to("chat.postMessage") == []
    done = headway("digest", "--dry-run", "--team", "headway test")  # canary: a name works
    assert done.returncode == 0, done.stderr
    assert "Headway Test" in done.stdout

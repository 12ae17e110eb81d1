"""`headway rollup`: printed (`--dry-run`, text or Block Kit) or posted (`--post`, again
an update), and every failure one line on stderr with a non-zero exit, never a
traceback. Each command runs as a real process against the fake Slack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.model import Item, Member, Reply
from bot.store import Store

ROOT = Path(__file__).resolve().parents[1]
T = "T0001"
WEEK = "2026-W47"


def headway(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=full,
                          capture_output=True, text=True, timeout=60)


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("headway: "), done.stderr
    assert done.returncode == code, (done.returncode, done.stderr)
    return lines[0]


def seed(db: Path, *, rollup_channel: str | None = "C0LEADS") -> None:
    """Two teams: Platform (three answers in W47) and Tiny (one)."""
    now = datetime.now(UTC)
    store = Store.open(db)
    store.workspaces.ensure(T, now, "Acme")
    store.workspaces.update(T, rollup_channel=rollup_channel)
    teams = {name: store.teams.create(T, name, now) for name in ("Platform", "Tiny")}
    for uid, team, items in (("U1", "Platform", (("Shipped the beta", "progress"),)),
                             ("U2", "Platform", (("Answered tickets", "ktlo"),)),
                             ("U3", "Platform", (("Launched pricing", "progress"),)),
                             ("U4", "Tiny", (("Closed the books", "ktlo"),))):
        store.members.upsert(Member(T, uid, name=f"Person {uid}"), now)
        store.teams.add_member(T, teams[team].id, uid, "2026-W01", now)
        store.replies.add(Reply(T, uid, "moved-forward", "work", WEEK, "x", items=tuple(
            Item(text, "work", label) for text, label in items)), source="dm", now=now)
    store.close()


def test_rollup_dry_run_prints_the_text_and_the_block_kit(env, db_path):
    seed(db_path)
    done = headway("rollup", "--week", WEEK, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert f"Headway rollup · Acme · {WEEK}" in done.stdout
    assert "• Platform · 3 of 3 replied · progress 67%" in done.stdout
    assert "• Tiny · 1 of 1 replied · fewer than 3 answers" in done.stdout
    for text in ("Shipped the beta", "Closed the books", "Person"):
        assert text not in done.stdout
    done = headway("rollup", "--week", WEEK, "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["blocks"][0]["type"] == "header" and shown["thread"] == []


def test_rollup_post_posts_once_then_updates(env, fake, db_path):
    seed(db_path)
    done = headway("rollup", "--post", "--week", WEEK)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"rollup {WEEK} posted in C0LEADS")
    again = headway("rollup", "--post", "--week", WEEK)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"rollup {WEEK} updated in C0LEADS")
    posts = [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C0LEADS"]
    [update] = [c for c in fake.calls_to("chat.update") if c.args["channel"] == "C0LEADS"]
    assert len(posts) == 1 and update.args["ts"] == posts[0].response["ts"]


@pytest.mark.parametrize(("args", "says", "code"), [
    (["rollup", "--dry-run", "--post"], "not allowed with argument", 2),
    (["rollup"], "one of the arguments --dry-run --post is required", 2),
    (["rollup", "--week", "2026-W60", "--dry-run"], "2026 has no week 60", 2),
    (["rollup", "--workspace", "TNOPE", "--dry-run"], "unknown workspace 'TNOPE'", 2),
])
def test_a_bad_rollup_argument_is_one_line_and_exit_2(env, db_path, args, says, code):
    seed(db_path)
    assert says in one_line(headway(*args), code)


def test_rollup_without_a_channel_or_a_database_is_one_line(env, db_path, tmp_path):
    missing = one_line(headway("rollup", "--dry-run",
                               env={"HEADWAY_DB": str(tmp_path / "nope.db")}), 2)
    assert "nope.db" in missing
    seed(db_path, rollup_channel=None)
    line = one_line(headway("rollup", "--post"), 2)
    assert line == ("headway: this workspace has no rollup channel yet: run `/headway rollup "
                    "here` in the channel that should get it")


def test_a_rollup_slack_refuses_is_one_line_exit_1_and_posts_on_the_next_run(env, fake,
                                                                             db_path):
    seed(db_path)
    fake.fail("chat.postMessage", "is_archived")
    line = one_line(headway("rollup", "--post", "--week", WEEK), 1)
    assert line == (f"headway: the {WEEK} rollup was not posted: Slack said `is_archived`: "
                    f"that channel is archived")
    store = Store.open(db_path)
    assert store.rollups.of(T) == []  # no claim left to block the next run
    store.close()
    done = headway("rollup", "--post", "--week", WEEK)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"rollup {WEEK} posted in C0LEADS")

"""The `headway` command line: demo, classify, digest --dry-run, help, and `serve` itself."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import wait_for
from slackdriver import SIGNING_SECRET, SlackDriver

from bot.cli import main
from bot.core.model import Item, Member, Reply
from bot.store import Store

ROOT = Path(__file__).resolve().parents[1]


def test_demo_runs_the_whole_cycle_offline(tmp_path, capsys, monkeypatch):
    for key in ("SLACK_BOT_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(key, raising=False)
    level = logging.getLogger("bot").level
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    assert logging.getLogger("bot").level == level  # quiet while it ran, as it was after
    out = capsys.readouterr().out
    assert "none twice" in out
    assert "members replied" in out and "PROGRESS" in out and "KEEPING THE LIGHTS ON" in out
    assert "RECURRING FIREFIGHTS" in out  # the billing export restarts every week
    assert "TRACKED PROBLEMS" in out and "of firefighting this quarter" in out
    assert "Private thought" not in out  # reflection answers never reach the digest
    saved = json.loads((tmp_path / "demo" / "digest.json").read_text())
    assert saved["blocks"][0]["type"] == "header" and len(saved["blocks"]) <= 50
    assert "<!channel>" not in json.dumps(saved)
    # The leaders' rollup of its two teams, beside the digest: Ben, in both, counted once.
    assert "Headway rollup · Acme Robotics" in out and "6 of 6 people replied" in out
    rollup = json.loads((tmp_path / "demo" / "rollup.json").read_text())
    assert rollup["blocks"][0]["type"] == "header" and len(rollup["blocks"]) <= 50
    assert "Ran an A/B test" not in json.dumps(rollup)  # nobody's items


def test_classify_reads_stdin_and_writes_label_confidence_text(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(
        "Restarted the billing export job again\n\nLaunched usage-based pricing\n"))
    assert main(["classify"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["ktlo", "none", "progress"]
    assert all(0.5 <= float(line.split("\t")[1]) <= 1 for line in lines)
    assert lines[2].split("\t")[2] == "Launched usage-based pricing"


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "r": "\r", "0": "\0"}.get(m[1], m[1]),
                  text)


def test_classify_answers_line_for_line_in_three_columns_whatever_the_text_holds():
    """The real process, fed bytes: a reader pairs output line N with input line N."""
    lines = ["Restarted the billing export job again", "", "   ",
             "Launched\tusage-based pricing", "a CR\rinside", "NUL\0here",
             "C:\\temp\\t is a path, not a tab", "Shipped the beta"]
    # The last line break is CR LF (taken off whole); the last line has none.
    data = ("\n".join(lines[:-1]) + "\r\n" + lines[-1]).encode()
    done = subprocess.run([sys.executable, "-m", "bot", "classify"], input=data,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=60)
    assert done.returncode == 0 and done.stderr == b""
    out = done.stdout.decode().split("\n")
    assert out.pop() == ""  # the output's last line ends too
    assert len(out) == len(lines)
    rows = [line.split("\t") for line in out]
    assert all(len(row) == 3 for row in rows), rows
    assert [_unescape(row[2]) for row in rows] == lines
    assert [row[:2] for row in rows[1:3]] == [["none", "1.00"], ["none", "1.00"]]
    assert all(row[0] in ("progress", "ktlo", "none") and 0 <= float(row[1]) <= 1
               for row in rows)
    assert rows[0][0] == "ktlo" and rows[3][0] == "progress"  # canary: really labelled


@pytest.mark.parametrize("command", ["serve", "demo", "nudge", "digest", "rollup", "classify",
                                     "export", "backup", "migrate", "help"])
def test_every_commands_help_has_a_paragraph_saying_what_it_does(command):
    done = subprocess.run([sys.executable, "-m", "bot", command, "--help"],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    usage, description, *_ = done.stdout.split("\n\n")
    assert usage.startswith(f"usage: headway {command}")
    assert not description.startswith(("options:", "positional arguments:")), done.stdout
    assert len(description.split()) >= 8 and description.rstrip().endswith((".", ")"))


def test_digest_dry_run_prints_text_and_json(env, capsys):
    store = Store.open(env["HEADWAY_DB"])
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    store.workspaces.ensure("T0001", now, "Acme")
    store.members.upsert(Member("T0001", "U1", name="Ada"), now)
    team = store.teams.create("T0001", "Platform", now)
    store.teams.add_member("T0001", team.id, "U1", "2026-W01", now)
    store.replies.add(Reply("T0001", "U1", "moved-forward", "work", "2026-W47", "x",
                            items=(Item("Launched the beta", "work", "progress"),)),
                    source="dm", now=now)
    assert main(["digest", "--week", "2026-W47", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Launched the beta — Ada" in out and "1 of 1 members replied" in out
    assert main(["digest", "--week", "2026-W47", "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["blocks"][0]["type"] == "header"


def test_digest_with_a_bad_week_or_team_says_so(env, capsys):
    Store.open(env["HEADWAY_DB"]).workspaces.ensure("T0001", __import__("datetime").datetime.now())
    assert main(["digest", "--week", "2026-W60", "--dry-run"]) == 2
    assert "2026 has no week 60" in capsys.readouterr().err
    assert main(["digest", "--workspace", "TNOPE", "--dry-run"]) == 2
    assert "unknown workspace 'TNOPE'" in capsys.readouterr().err


def test_help_lists_cli_and_slash_commands(capsys):
    assert main(["help"]) == 0
    out = capsys.readouterr().out
    for word in ("serve", "demo", "nudge --now", "digest", "rollup [--workspace W]",
                 "classify", "export", "backup", "migrate", "/headway digest here",
                 "/headway forget me", "/headway rollup here"):
        assert word in out


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(env: dict[str, str], port: int, cwd: Path) -> subprocess.Popen:
    full = {**os.environ, **env, "PORT": str(port), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=cwd, env=full,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_serve_answers_slack_and_a_second_serve_does_not_schedule(env, fake, tmp_path):
    first_port, second_port = _port(), _port()
    first = _serve(env, first_port, tmp_path)
    second = None
    try:
        driver = SlackDriver(f"http://127.0.0.1:{first_port}", fake, secret=SIGNING_SECRET)
        wait_for(lambda: _up(driver), timeout=30, what="serve to listen")
        assert driver.raw("GET", "/healthz").status == 200
        assert driver.command("help").status == 200
        assert driver.command("help", signature="v0=" + "1" * 64).status == 401
        assert _oversized_status(first_port) == 413
        second = _serve(env, second_port, tmp_path)
        wait_for(lambda: _up(SlackDriver(f"http://127.0.0.1:{second_port}", fake)),
                 timeout=30, what="second serve")
    finally:
        for proc in (first, second):
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
        logs = [p.communicate(timeout=20)[0] for p in (first, second) if p is not None]
    assert first.returncode == 0
    assert "already runs the scheduler" not in logs[0]
    assert "already runs the scheduler" in logs[1]


def _oversized_status(port: int) -> int:
    """Announce a 2 MiB body and send a little of it: refused before it is read."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: 2097152\r\n\r\n" + b"x" * 1024)
        status_line = conn.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def _up(driver: SlackDriver) -> bool:
    try:
        return driver.raw("GET", "/healthz").status == 200
    except OSError:
        time.sleep(0.1)
        return False

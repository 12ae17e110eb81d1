"""An installed Headway works anywhere: a wheel in a fresh virtual environment, run from
another folder, finds its prompt packs and every time zone; a platform's HEAD health check
gets 200; the demo leaves a database the other commands can explore.

The wheel is built once per run (`pip wheel --no-deps`, the project's own build backend)
from a copy of the sources, so a concurrent run never shares a `build/` folder, and is
installed with this environment's pip into a venv made without pip of its own; its
dependencies come from the package index or pip's cache.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.http import SlackHTTPServer
from bot.oauth import BOT_SCOPES

ROOT = Path(__file__).resolve().parents[1]
SLACK_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN",
                   "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_API_URL")


@dataclass
class Installed:
    wheel: Path
    venv: Path
    elsewhere: Path  # a folder with no source tree in sight

    def run(self, *args: str, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / "headway"), *args],
                              cwd=cwd or self.elsewhere, env=self.env(env), text=True,
                              capture_output=True, timeout=120)

    def python(self, code: str) -> str:
        done = subprocess.run([str(self.venv / "bin" / "python"), "-c", code],
                              cwd=self.elsewhere, env=self.env(), text=True,
                              capture_output=True, timeout=60, check=True)
        return done.stdout.strip()

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        # Nothing that could lead Python back to the checkout, no Slack settings (the demo
        # runs without them), and no OS zoneinfo files: a slim image has none.
        env = {k: v for k, v in os.environ.items()
               if k not in SLACK_VARIABLES and not k.startswith(("PYTHON", "HEADWAY_"))}
        env["PYTHONTZPATH"] = str(self.elsewhere / "no-zoneinfo-here")
        return {**env, **(extra or {})}


def _pip(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check",
                           "--quiet", *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("bot", "prompts"):
        shutil.copytree(ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = base / "dist"
    _pip("wheel", "--no-deps", "--wheel-dir", str(dist), str(source))
    (wheel,) = dist.glob("headway-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    _pip("--python", str(venv / "bin" / "python"), "install", str(wheel))
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    yield Installed(wheel, venv, elsewhere)


def test_the_wheel_carries_every_module_and_the_prompt_packs(installed):
    # `packages` is listed by hand in pyproject.toml (bot.prompts is mapped from prompts/):
    # a new subpackage missing from the list would be missing from every install.
    import zipfile

    names = set(zipfile.ZipFile(installed.wheel).namelist())
    in_tree = {p.relative_to(ROOT).as_posix() for p in (ROOT / "bot").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
               and p.name != "README.md"}
    assert len(in_tree) > 30  # canary: the source tree was found
    assert in_tree - names == set()
    shipped = {f"bot/prompts/{p.name}" for p in (ROOT / "prompts").glob("*.toml")}
    assert "bot/prompts/default.toml" in shipped and shipped <= names


def test_an_installed_headway_runs_the_demo_from_another_folder(installed):
    where = installed.python("import bot, importlib.metadata as m; "
                             "print(bot.__file__); print(m.version('tzdata'))")
    module_file, tzdata_version = where.splitlines()
    assert Path(module_file).is_relative_to(installed.venv)  # not the checkout
    assert tzdata_version

    done = installed.run("demo")
    assert done.returncode == 0, done.stderr
    # The digest, printed: its sections, the team, and the people of five zones' answers.
    assert "Acme Robotics" in done.stdout
    assert "PROGRESS" in done.stdout and "KEEPING THE LIGHTS ON" in done.stdout
    assert "none twice" in done.stdout
    assert (installed.elsewhere / "out" / "demo" / "digest.json").is_file()
    # Every zone was found without the OS's zoneinfo files: nothing went wrong.
    assert "WARNING" not in done.stderr and "Error" not in done.stderr, done.stderr
    # The demo tells its own story: serve's log lines (a line per fan-out) would bury it.
    assert " INFO " not in done.stderr, done.stderr


def test_the_demo_database_answers_digest_dry_run_and_export(installed, tmp_path):
    """What the README's "explore the demo" commands do, run as printed by the demo."""
    done = installed.run("demo", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    printed = [line.strip() for line in done.stdout.splitlines() if "HEADWAY_DB=" in line]
    assert len(printed) == 3, done.stdout[-600:]
    digest_cmd, rollup_cmd, export_cmd = printed
    db = tmp_path / "out" / "demo" / "headway.db"
    # `headway` is not on this PATH: the demo names the program the way it was run.
    program = str(installed.venv / "bin" / "headway")
    assert digest_cmd.startswith(f"HEADWAY_DB=out/demo/headway.db {program} digest --dry-run")
    assert export_cmd == f"HEADWAY_DB=out/demo/headway.db {program} export"

    env = {"HEADWAY_DB": "out/demo/headway.db"}
    digest = installed.run(*digest_cmd.split()[2:], env=env, cwd=tmp_path)
    assert digest.returncode == 0, digest.stderr
    # Each of the demo's two teams has its digest.
    assert "· Product ·" in digest.stdout and "· Operations ·" in digest.stdout
    assert "KEEPING THE LIGHTS ON" in digest.stdout
    rollup = installed.run(*rollup_cmd.split()[2:], env=env, cwd=tmp_path)
    assert rollup.returncode == 0, rollup.stderr
    assert "Headway rollup · Acme Robotics" in rollup.stdout
    assert "• Product · 4 of 4 replied" in rollup.stdout
    exported = installed.run("export", env=env, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    assert "U01ADA" in exported.stdout and "billing export" in exported.stdout
    assert data  # the members and their replies, from the demo's weeks

    # A second demo replaces its own database; it never replaces someone else's.
    again = installed.run("demo", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    real = tmp_path / "mine"
    real.mkdir()
    (real / "headway.db").write_bytes(b"an operator's database")
    refused = installed.run("demo", "--out", "mine", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "headway: mine/headway.db exists and was not written by the demo; "
        "choose another folder with --out"]
    assert (real / "headway.db").read_bytes() == b"an operator's database"
    assert db.is_file()


def test_an_operators_bad_pack_is_one_line_naming_the_file_in_an_installed_headway(
        installed, tmp_path):
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "team.toml").write_text("name = 'team'\n[[prompts]]\nid = 'w'\nkind = 'work\n")
    db = {"HEADWAY_DB": str(tmp_path / "h.db")}
    assert installed.run("migrate", env=db).returncode == 0  # a database to read
    done = installed.run("digest", "--dry-run", env={**db, "HEADWAY_PROMPTS_DIR": str(packs)})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"headway: {packs / 'team.toml'}: "
                                                   "not valid TOML")


def test_the_oauth_scopes_are_the_manifests():
    # An installed package has no manifest.json to read, so the scopes live in code.
    manifest = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]


def test_nothing_in_the_package_reads_files_beside_its_own_source():
    # Paths built from __file__ point into the checkout, which an install does not have:
    # data ships as package data and is read with importlib.resources.
    offenders = [p.relative_to(ROOT).as_posix() for p in (ROOT / "bot").rglob("*.py")
                 if "__file__" in p.read_text(encoding="utf-8")]
    assert offenders == []


# ── What a platform's health check sees ──────────────────────────────────────


def _request(server: SlackHTTPServer, method: str, path: str) -> http.client.HTTPResponse:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request(method, path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_head_healthz_answers_like_get_without_a_body(server):
    head = _request(server, "HEAD", "/healthz")
    get = _request(server, "GET", "/healthz")
    assert head.status == get.status == 200
    assert head.getheader("Content-Length") == get.getheader("Content-Length") == "3"
    assert _request(server, "HEAD", "/elsewhere").status == 404


def test_head_healthz_says_503_when_the_database_is_unavailable(hw):
    from bot.app import build_app

    srv = SlackHTTPServer(("127.0.0.1", 0), build_app(hw), lambda: False)
    srv.start_background()
    try:
        assert _request(srv, "HEAD", "/healthz").status == 503
    finally:
        srv.shutdown()
        srv.server_close()

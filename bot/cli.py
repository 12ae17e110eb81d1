"""`headway …` (same as `python -m bot …`).

Errors a person can fix (a missing setting, a bad week, an unknown team) print one line on
stderr and exit with code 2; no tracebacks.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from bot import logsafety
from bot.config import (
    ConfigError,
    Settings,
    load_dotenv_file,
    require_serve_settings,
    settings_from_env,
)
from bot.context import Headway, system_clock
from bot.core.commands import USAGE
from bot.core.prompts import PackError, load_packs
from bot.logsetup import configure_logging
from bot.store import Store

log = logging.getLogger("bot")

COMMANDS_HELP = """\
commands:
  serve                      run the bot and its scheduler (Socket Mode when SLACK_APP_TOKEN
                             is set, otherwise HTTP on $PORT: /slack/events, /healthz)
  demo [--out DIR]           the whole weekly cycle offline, no Slack account needed
  nudge --now [--team T] [--user U]
                             send every due-or-forced nudge for the current period now
  digest [--team T] [--week 2026-W47] (--dry-run | --post)
                             print or post a digest (week defaults to the current one)
  classify                   label items from stdin: label<TAB>confidence<TAB>text
  export [--team T]          all data as JSON on stdout
  backup PATH                a consistent copy of the database, safe while the bot runs
  migrate                    apply schema upgrades
  help                       this text, and the /headway slash command's subcommands
"""


class UsageError(Exception):
    """Bad command-line input; exit code 2 with this message."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="headway",
        description="Headway: weekly reflection prompts and progress-vs-KTLO digests for Slack.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=COMMANDS_HELP,
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("serve", help="run the bot and its scheduler")
    demo = sub.add_parser("demo", help="the weekly cycle offline")
    demo.add_argument("--out", default="out/demo",
                      help="where to leave the Block Kit JSON and the demo database")
    nudge = sub.add_parser("nudge", help="send nudges now")
    nudge.add_argument("--now", action="store_true", required=True)
    nudge.add_argument("--team")
    nudge.add_argument("--user")
    digest = sub.add_parser("digest", help="print or post a digest")
    digest.add_argument("--team")
    digest.add_argument("--week", help="ISO week such as 2026-W47")
    mode = digest.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="print it as text")
    mode.add_argument("--post", action="store_true", help="post (or update) it in Slack")
    digest.add_argument("--json", action="store_true", help="with --dry-run: print Block Kit")
    sub.add_parser("classify", help="label items read from stdin")
    export = sub.add_parser("export", help="all data as JSON")
    export.add_argument("--team")
    backup = sub.add_parser("backup", help="consistent copy of the database")
    backup.add_argument("path")
    sub.add_parser("migrate", help="apply schema upgrades")
    sub.add_parser("help", help="commands and slash-command usage")
    return p


def _settings() -> Settings:
    load_dotenv_file()
    return settings_from_env()


def _headway(settings: Settings) -> Headway:
    logsafety.install([settings.bot_token, settings.signing_secret, settings.app_token,
                       settings.client_secret])
    store = Store.open(settings.db_path)
    hw = Headway(settings=settings, store=store, packs=load_packs(settings.prompts_dir),
                 clock=system_clock)
    if settings.oauth and not settings.bot_token:
        from bot.oauth import attach

        attach(hw)  # many workspaces: each one's token comes from its installation
    return hw


def _team(hw: Headway, team_id: str | None) -> str:
    teams = hw.store.teams()
    if team_id:
        if not any(t.team_id == team_id for t in teams):
            raise UsageError(f"unknown team {team_id!r}: known teams are "
                             f"{', '.join(t.team_id for t in teams) or 'none yet'}")
        return team_id
    if len(teams) == 1:
        return teams[0].team_id
    if not teams:
        raise UsageError("no workspace has used Headway yet: run `/headway join` in Slack first")
    raise UsageError("several workspaces: choose one with --team "
                     f"({', '.join(t.team_id for t in teams)})")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(args.verbose)  # redaction first: `--verbose` logs no tokens or text
    try:
        return _run(args)
    except (ConfigError, PackError, UsageError) as exc:
        print(f"headway: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    command = args.command or "help"
    if command == "help":
        _parser().print_help()
        print("\n/headway subcommands (in Slack):")
        for u in USAGE:
            print(f"  /headway {u.syntax:<28} {u.summary}{' (admin)' if u.admin else ''}")
        return 0
    if command == "classify":
        return _classify()
    if command == "demo":
        from bot.demo import run_demo

        return run_demo(Path(args.out))

    settings = _settings()
    if command == "migrate":
        store = Store.open(settings.db_path)
        applied = store.migrate()
        print(f"schema up to date ({len(store.schema_version())} migrations; "
              f"applied now: {', '.join(applied) or 'none'})")
        return 0
    if command == "backup":
        store = Store.open(settings.db_path)
        try:
            store.backup(args.path)
        finally:
            store.close()  # no connection (and no WAL map) left behind in this process
        print(f"backed up {settings.db_path} to {args.path}")
        return 0

    hw = _headway(settings)
    if command == "export":
        team_id = _team(hw, args.team)
        data = {"team_id": team_id, "members": []}
        for member in hw.store.members(team_id, active_only=False):
            data["members"].append(hw.store.export_member(team_id, member.user_id))
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    if command == "digest":
        return _digest(hw, args)
    if command == "nudge":
        if not settings.has_slack:
            raise ConfigError("SLACK_BOT_TOKEN is not set: `nudge --now` sends DMs through Slack")
        from bot.nudges import nudge_now

        result = nudge_now(hw, team_id=args.team, user_id=args.user)
        print(f"nudges: {result.summary()}")
        return 0 if not result.failed else 1
    if command == "serve":
        return _serve(hw)
    raise UsageError(f"unknown command {command!r}")  # argparse stops this earlier


def _classify() -> int:
    from bot.core.classify import classify_many

    lines = [line.rstrip("\n") for line in sys.stdin]
    texts = [line for line in lines if line.strip()]
    for text, c in zip(texts, classify_many(texts), strict=True):
        print(f"{c.label}\t{c.confidence:.2f}\t{text}")
    return 0


def _digest(hw: Headway, args: argparse.Namespace) -> int:
    from bot import digests
    from bot.core.render import render_digest_blocks, render_digest_text
    from bot.core.schedule import parse_period, period_of

    team_id = _team(hw, args.team)
    team = hw.store.get_team(team_id)
    assert team is not None
    period = args.week or period_of(hw.now(), team.tz)
    try:
        parse_period(period)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.dry_run:
        digest = digests.build(hw, team_id, period)
        if args.json:
            message = render_digest_blocks(digest)
            print(json.dumps({"text": message.text, "blocks": message.blocks,
                              "thread": message.thread}, indent=2, ensure_ascii=False))
        else:
            print(render_digest_text(digest))
        return 0
    if not hw.settings.has_slack:
        raise ConfigError("SLACK_BOT_TOKEN is not set: `digest --post` posts through Slack")
    try:
        outcome = digests.post_digest(hw, team_id, period)
    except digests.DigestError as exc:
        raise UsageError(str(exc)) from None
    print(f"digest {period} {outcome.action} in {outcome.channel} (ts {outcome.ts}, "
          f"{outcome.thread_messages} thread messages)")
    return 0


def _serve(hw: Headway) -> int:
    from bot.app import build_app
    from bot.scheduler import start_scheduler

    require_serve_settings(hw.settings)
    app = build_app(hw)
    if hw.settings.bot_token:
        auth = app.client.auth_test()
        hw.store.ensure_team(auth["team_id"], hw.now(), auth.get("team", ""))
    scheduler, lock = start_scheduler(hw)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if hw.settings.socket_mode:
            from bot.socket_mode import open_socket_mode

            open_socket_mode(app, hw.settings.app_token, hw.settings.api_url)
            log.info("Headway is running in Socket Mode")
        else:
            from bot.http import SlackHTTPServer

            server = SlackHTTPServer(("0.0.0.0", hw.settings.port), app, _health(hw))
            server.start_background()
            log.info("Headway is listening on port %d (/slack/events, /healthz)",
                     hw.settings.port)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        hw.stopping.set()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        lock.release()
    return 0


def _health(hw: Headway):
    def check() -> bool:
        try:
            hw.store.count_members("-")
        except Exception:
            return False
        return True

    return check

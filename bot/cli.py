"""`headway …` (same as `python -m bot …`).

Every failure is one line on stderr and a non-zero exit, never a traceback:
- exit 2: something the operator fixes (a setting, an argument, the database file, PORT);
- exit 1: Slack could not be reached or refused the work (run it again later), or an
  unexpected error (`--verbose` logs its traceback).
A reader that stops reading (`headway export | head`) ends the command quietly, with exit
141 like a process stopped by SIGPIPE. The README's Troubleshooting section lists every
message with what to do.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import http.client
import json
import logging
import os
import re
import signal
import sqlite3
import sys
import threading
import time
import urllib.error
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

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
from bot.store import Store, StoreError

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
                             (progress, ktlo or none: no work in it)
  export [--team T]          everything stored for a workspace, as JSON on stdout
  backup PATH                a consistent copy of the database, safe while the bot runs
  migrate                    apply schema upgrades, and say which
  help                       this text, and the /headway slash command's subcommands

exit status: 0 done, 1 Slack failed or an unexpected error, 2 a setting, argument or the
database file needs fixing (see README, Troubleshooting)
"""

# Slack's answers to auth.test that mean "this token is no good", not "try again".
TOKEN_REFUSED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                           "token_expired", "not_allowed_token_type"})
# Backoff between auth.test attempts while Slack cannot be reached: 1 s, 2 s, 4 s… 30 s
# (starting at a tenth of the whole wait when that is shorter).
FIRST_RETRY_S = 1.0
MAX_RETRY_S = 30.0
AUTH_TIMEOUT_S = 10
# Network failures on the way to Slack, as slack_sdk's urllib transport raises them.
NETWORK_ERRORS = (urllib.error.URLError, TimeoutError, ConnectionError,
                  http.client.HTTPException)
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE


class UsageError(Exception):
    """Bad command-line input; exit code 2 with this message."""


class SlackFailure(Exception):
    """Slack could not be reached, or refused the work; exit code 1 with this message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the usage block and then the error: make it the one line.
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="headway",
        description="Headway: weekly reflection prompts and progress-vs-KTLO digests for Slack.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=COMMANDS_HELP,
    )
    p.add_argument("-v", "--verbose", action="store_true",
                   help="log more: each Slack call and retry, and tracebacks of unexpected "
                        "errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("serve", help="run the bot and its scheduler",
                   description="Run the bot and its scheduler (Socket Mode when "
                               "SLACK_APP_TOKEN is set, otherwise HTTP on $PORT).")
    demo = sub.add_parser("demo", help="the weekly cycle offline, no Slack account needed")
    demo.add_argument("--out", default="out/demo", metavar="DIR",
                      help="directory for the digest's Block Kit JSON and the demo database "
                           "(default: out/demo)")
    nudge = sub.add_parser("nudge", help="send this period's nudges now")
    nudge.add_argument("--now", action="store_true", required=True,
                       help="send now every nudge due or not yet sent this period (required; "
                            "the delivery ledger still sends each at most once)")
    nudge.add_argument("--team", metavar="T", help="only this workspace (its Slack team id)")
    nudge.add_argument("--user", metavar="U", help="only this member (Slack user id)")
    digest = sub.add_parser("digest", help="print or post a digest")
    digest.add_argument("--team", metavar="T",
                        help="the workspace (Slack team id); needed when there are several")
    digest.add_argument("--week", metavar="2026-W47",
                        help="ISO week such as 2026-W47 (default: the current one)")
    mode = digest.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true",
                      help="print it as text; reads the database only")
    mode.add_argument("--post", action="store_true", help="post (or update) it in Slack")
    digest.add_argument("--json", action="store_true", help="with --dry-run: print Block Kit")
    sub.add_parser("classify", help="label items read from stdin, one per line")
    export = sub.add_parser("export", help="everything stored for a workspace, as JSON")
    export.add_argument("--team", metavar="T",
                        help="the workspace (Slack team id); needed when there are several")
    backup = sub.add_parser("backup", help="a consistent copy of the database")
    backup.add_argument("path", metavar="PATH",
                        help="file to write (replaced only by a complete copy)")
    sub.add_parser("migrate", help="apply schema upgrades and say which")
    sub.add_parser("help", help="commands and the /headway slash command's usage")
    return p


def _settings() -> Settings:
    load_dotenv_file()
    return settings_from_env()


def _headway(settings: Settings, store: Store | None = None, *, slack: bool = True) -> Headway:
    """The app's context. `slack=False`: a command that only reads the database (no OAuth
    installation store is set up, so nothing is written)."""
    logsafety.install([settings.bot_token, settings.signing_secret, settings.app_token,
                       settings.client_secret])
    store = store or Store.open(settings.db_path)
    hw = Headway(settings=settings, store=store, packs=load_packs(settings.prompts_dir),
                 clock=system_clock)
    if slack and settings.oauth and not settings.bot_token:
        from bot.oauth import attach

        attach(hw)  # many workspaces: each one's token comes from its installation
    return hw


def _team(store: Store, team_id: str | None, *, include_uninstalled: bool = False) -> str:
    """The workspace a command is for: the one named, or the only one."""
    teams = store.teams(include_uninstalled=include_uninstalled)
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
    try:
        args = _parser().parse_args(argv)
    except UsageError as exc:
        return _fail(exc, 2)
    configure_logging(args.verbose)  # redaction first: `--verbose` logs no tokens or text
    try:
        code = _run(args)
        sys.stdout.flush()  # a reader gone early (`| head`) shows here, not at interpreter exit
        return code
    except (ConfigError, PackError, UsageError, StoreError) as exc:
        return _fail(exc, 2)
    except SlackFailure as exc:
        return _fail(exc, 1)
    except BrokenPipeError:
        return _broken_pipe()
    except KeyboardInterrupt:
        return 130
    except NETWORK_ERRORS as exc:
        return _fail(f"lost the connection to Slack ({_reason(exc)}): run the command again "
                     f"when Slack is reachable", 1)
    except sqlite3.Error as exc:
        log.debug("database error", exc_info=True)
        return _fail(f"database error ({exc}): if it persists, restore the database "
                     f"(HEADWAY_DB) from a backup", 1)
    except Exception as exc:
        # The class only: an exception's message may quote what a member wrote.
        log.debug("unexpected error", exc_info=True)
        return _fail(f"unexpected error ({type(exc).__name__}); run with --verbose for the "
                     f"traceback", 1)


def _fail(message: object, code: int) -> int:
    text = " ".join(str(message).split())  # one line, whatever the message holds
    print(f"headway: {text}", file=sys.stderr)
    return code


def _broken_pipe() -> int:
    # The reader went away: nothing more to tell it. Point stdout at /dev/null so that the
    # interpreter's last flush does not report the closed pipe either.
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


def _run(args: argparse.Namespace) -> int:
    command = args.command
    if command is None:
        print(_parser().format_help(), file=sys.stderr, end="")
        return 2
    if command == "help":
        _parser().print_help()
        print("\n/headway subcommands (in Slack):")
        for u in USAGE:
            print(f"  /headway {u.syntax:<28} {u.summary}{' (admin)' if u.admin else ''}")
        return 0
    if command == "classify":
        return _classify()
    if command == "demo":
        return _demo(Path(args.out))

    settings = _settings()
    if command == "migrate":
        return _migrate(settings)
    if command == "backup":
        return _backup(settings, Path(args.path))
    if command == "export":
        return _export(settings, args.team)
    if command == "digest":
        return _digest(settings, args)
    if command == "nudge":
        return _nudge(settings, args)
    if command == "serve":
        return _serve(settings, verbose=args.verbose)
    raise UsageError(f"unknown command {command!r}")  # argparse stops this earlier


def _classify() -> int:
    from bot.core.classify import classify_many

    lines = [line.rstrip("\n") for line in sys.stdin]
    texts = [line for line in lines if line.strip()]
    for text, c in zip(texts, classify_many(texts), strict=True):
        print(f"{c.label}\t{c.confidence:.2f}\t{text}")
    return 0


def _demo(out: Path) -> int:
    from bot.demo import run_demo

    if out.exists() and not out.is_dir():
        raise UsageError(f"demo --out {out} is a file: give a directory (default: out/demo)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write the demo to {out} ({exc.strerror}): give a writable "
                         f"directory with --out") from None
    return run_demo(out)


# ── the database ─────────────────────────────────────────────────────────────


def _migrate(settings: Settings) -> int:
    created = not settings.db_path.exists()
    store = Store.open(settings.db_path, migrate=False)
    try:
        applied = store.migrate()
        version = store.schema_version()
    finally:
        store.close()
    if not applied:
        print(f"already at schema {version[-1]} ({len(version)} migrations): nothing to apply")
    else:
        what = f"created {settings.db_path}; " if created else ""
        print(f"{what}applied {len(applied)} migration{'s' if len(applied) > 1 else ''} "
              f"({', '.join(applied)}): schema now at {version[-1]}")
    return 0


def _backup(settings: Settings, target: Path) -> int:
    store = Store.open(settings.db_path, create=False, migrate=False)
    try:
        written = store.backup(target)
    finally:
        store.close()  # no connection (and no WAL map) left behind in this process
    print(f"backed up {settings.db_path} to {written}")
    return 0


def _export(settings: Settings, team_id: str | None) -> int:
    store = Store.open(settings.db_path, create=False, migrate=False)
    try:
        if not store.schema_version():
            raise UsageError(f"the database {settings.db_path} is empty: no workspace has "
                             f"used Headway yet")
        data = store.export(_team(store, team_id, include_uninstalled=True))
    finally:
        store.close()
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0


# ── Slack ────────────────────────────────────────────────────────────────────


def _reason(exc: BaseException) -> str:
    """What went wrong on the way to Slack, in a few words ("Connection refused")."""
    inner = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(inner, TimeoutError):
        return "timed out"
    if isinstance(inner, OSError) and inner.strerror:
        return inner.strerror
    return str(inner) or type(inner).__name__


def check_slack(hw: Headway, *, wait: float, doing: str, verbose: bool = False,
                sleep: Callable[[float], None] = time.sleep,
                monotonic: Callable[[], float] = time.monotonic) -> dict[str, Any] | None:
    """auth.test with the bot token, tried again with backoff for `wait` seconds while
    Slack cannot be reached (one warning per attempt). A token Slack refuses is a
    `ConfigError` naming SLACK_BOT_TOKEN; Slack still unreachable after `wait` is a
    `SlackFailure` that ends with `doing` ("nothing was sent").

    The workspace the token names is served: after an uninstall and a reinstall, the new
    token is the proof, and its `uninstalled_at` is cleared (its data was kept). Without a
    bot token (OAuth installs) there is nothing to check here: None.
    """
    s = hw.settings
    if not s.bot_token:
        return None
    # Under "slack_sdk", so that logsafety cuts request bodies from its DEBUG lines; quiet
    # unless --verbose, as its line per failed attempt repeats ours.
    quiet = logging.getLogger("slack_sdk.headway_check")
    quiet.setLevel(logging.NOTSET if verbose else logging.CRITICAL)
    # No retry handlers: this loop is the retry, with its own budget and one line per try.
    client = WebClient(token=s.bot_token, base_url=s.api_url, timeout=AUTH_TIMEOUT_S,
                       retry_handlers=[], logger=quiet)
    started, attempt, delay = monotonic(), 0, min(FIRST_RETRY_S, wait / 10)
    while True:
        attempt += 1
        try:
            auth = client.auth_test()
            break
        except SlackApiError as exc:
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            error, status = data.get("error"), exc.response.status_code
            if error in TOKEN_REFUSED:
                raise ConfigError(
                    f"SLACK_BOT_TOKEN was refused by Slack ({error}): copy the Bot User OAuth "
                    f"Token (xoxb-…) again from your app's OAuth & Permissions page") from None
            if status < 500 and status != 429:
                raise SlackFailure(
                    f"Slack answered auth.test at {s.api_url} with "
                    f"{error or f'HTTP {status}'}: check SLACK_API_URL; {doing}") from None
            reason = f"HTTP {status}"
        except NETWORK_ERRORS as exc:
            reason = _reason(exc)
        elapsed = monotonic() - started
        left = wait - elapsed
        if left <= 0:
            tries = f"{attempt} attempts in {elapsed:.1f} s" if attempt > 1 else "1 attempt"
            raise SlackFailure(f"cannot reach Slack at {s.api_url} ({reason}; {tries}): check "
                               f"the network, a proxy, or SLACK_API_URL; {doing}")
        pause = min(delay, left)
        log.warning("Slack is not reachable at %s (%s): trying again in %.2g s (attempt %d; "
                    "giving up after %g s, HEADWAY_START_RETRY_SECONDS)",
                    s.api_url, reason, pause, attempt, wait)
        sleep(pause)
        delay = min(delay * 2, MAX_RETRY_S)

    team_id, name = auth["team_id"], auth.get("team") or ""
    known = hw.store.get_team(team_id)
    hw.store.mark_installed(team_id, hw.now(), name)
    if known is not None and known.uninstalled_at is not None:
        log.info("workspace %s had uninstalled Headway; SLACK_BOT_TOKEN is valid for it "
                 "again, so it is served again (its data was kept)", team_id)
    return dict(auth.data) if isinstance(auth.data, dict) else None


class FailureTally(logging.Filter):
    """While a one-shot command talks to Slack, warnings from Headway's loggers are counted
    by kind (numbers and Slack ids taken out) instead of printed one by one, and slack_sdk's
    line per failed attempt (which ours repeat) is held back; `report` then prints one line
    per kind with its count. With --verbose every record is printed as it comes."""

    _IDS = re.compile(r"\b(?:\d+|[A-Z][A-Z0-9]*\d[A-Z0-9]*)\b")  # 42, U07ABC, T0001

    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self.verbose = verbose
        self.kinds: Counter[str] = Counter()
        self._handlers: list[logging.Handler] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        if record.name.startswith("bot."):
            self.kinds[self._IDS.sub("…", record.getMessage())] += 1
            return self.verbose
        return self.verbose or not record.name.startswith("slack_sdk")

    def __enter__(self) -> FailureTally:
        # Only the console: a test's log capture keeps every record.
        self._handlers = [h for h in logging.getLogger().handlers
                          if getattr(h, "stream", None) is sys.stderr]
        for handler in self._handlers:
            handler.addFilter(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for handler in self._handlers:
            handler.removeFilter(self)

    def report(self) -> None:
        for kind, n in self.kinds.most_common():
            print(f"headway: {kind} ({n} time{'s' if n > 1 else ''})", file=sys.stderr)


def _nudge(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.has_slack:
        raise ConfigError("SLACK_BOT_TOKEN is not set: `nudge --now` sends DMs through Slack")
    from bot.nudges import nudge_now

    hw = _headway(settings)
    check_slack(hw, wait=0, doing="nothing was sent", verbose=args.verbose)
    if args.team:
        _team(hw.store, args.team)
    with FailureTally(args.verbose) as tally:
        result = nudge_now(hw, team_id=args.team, user_id=args.user)
    print(f"nudges: {result.summary()}")
    tally.report()
    return 0 if not result.failed else 1


def _digest(settings: Settings, args: argparse.Namespace) -> int:
    from bot import digests
    from bot.core.render import render_digest_blocks, render_digest_text
    from bot.core.schedule import parse_period

    if args.week:
        try:
            parse_period(args.week)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if args.dry_run:
        # Reads only: a missing file is an error, not a new database.
        store = Store.open(settings.db_path, create=False, write=False)
        hw = _headway(settings, store, slack=False)
        team_id = _team(store, args.team)
        digest = digests.build(hw, team_id, _period(hw, team_id, args.week))
        if args.json:
            message = render_digest_blocks(digest)
            print(json.dumps({"text": message.text, "blocks": message.blocks,
                              "thread": message.thread}, indent=2, ensure_ascii=False))
        else:
            print(render_digest_text(digest))
        return 0
    if not settings.has_slack:
        raise ConfigError("SLACK_BOT_TOKEN is not set: `digest --post` posts through Slack")
    hw = _headway(settings)
    check_slack(hw, wait=0, doing="the digest was not posted", verbose=args.verbose)
    team_id = _team(hw.store, args.team)
    period = _period(hw, team_id, args.week)
    with FailureTally(args.verbose) as tally:
        try:
            outcome = digests.post_digest(hw, team_id, period)
        except digests.DigestError as exc:
            raise SlackFailure(f"the {period} digest was not posted: {exc}") from None
        finally:
            tally.report()
    print(f"digest {period} {outcome.action} in {outcome.channel} (ts {outcome.ts}, "
          f"{outcome.thread_messages} thread messages)")
    return 0


def _period(hw: Headway, team_id: str, week: str | None) -> str:
    from bot.core.schedule import period_of

    team = hw.store.get_team(team_id)
    assert team is not None
    return week or period_of(hw.now(), team.tz)


# ── serve ────────────────────────────────────────────────────────────────────


def _listen(port: int, health: Callable[[], bool]) -> Any:
    """Bind PORT now: a busy port stops the start before anything reaches Slack, and in any
    case before the scheduler's first tick could nudge anyone. Serving starts later, once
    the app exists (`server.app` is set then; nothing is served before)."""
    from bot.http import SlackHTTPServer

    try:
        return SlackHTTPServer(("0.0.0.0", port), None, health)  # type: ignore[arg-type]
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"PORT {port} is already in use (another Headway, or another "
                              f"program, listens there): stop it, or set PORT to a free "
                              f"port") from None
        if exc.errno == errno.EACCES:
            raise ConfigError(f"PORT {port} needs privileges this user lacks: use a port "
                              f"above 1023 (the default is 3000)") from None
        raise ConfigError(f"cannot listen on PORT {port} ({exc.strerror})") from None


class _Stopped(Exception):
    """SIGTERM arrived while `serve` was starting."""


def _serve(settings: Settings, *, verbose: bool = False) -> int:
    from bot.app import build_app
    from bot.scheduler import start_scheduler

    require_serve_settings(settings)
    # From the first moment: SIGTERM (a deploy, a test) stops the start cleanly, also while
    # it waits for Slack, instead of killing the process halfway.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def pause(seconds: float) -> None:
        if stop.wait(seconds):
            raise _Stopped

    hw = _headway(settings)
    server = None if settings.socket_mode else _listen(settings.port, _health(hw))
    try:
        check_slack(hw, wait=settings.start_retry_seconds, doing="Headway did not start",
                    verbose=verbose, sleep=pause)
        app = build_app(hw, verify_token=False)  # check_slack has just verified the token
        if server is not None:
            server.app = app
            server.start_background()
            log.info("Headway is listening on port %d (/slack/events, /healthz)",
                     settings.port)
        if stop.is_set():
            raise _Stopped
    except _Stopped:
        if server is not None:
            server.server_close()
        return 0
    except BaseException:
        if server is not None:
            server.server_close()
        raise
    scheduler, lock = start_scheduler(hw)
    try:
        if hw.settings.socket_mode:
            from bot.socket_mode import open_socket_mode

            open_socket_mode(app, hw.settings.app_token, hw.settings.api_url)
            log.info("Headway is running in Socket Mode")
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        hw.stopping.set()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        lock.release()
    return 0


def _health(hw: Headway) -> Callable[[], bool]:
    def check() -> bool:
        try:
            hw.store.count_members("-")
        except Exception:
            return False
        return True

    return check

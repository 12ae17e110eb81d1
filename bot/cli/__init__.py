"""`headway …` (same as `python -m bot …`): the entry point, `main`.

The parts, by what they are about: `parser` (arguments and help text), `failures` (every
failure is one line on stderr and an exit status, never a traceback), `runtime` (settings,
the Headway context, which workspace), `slack_check` (the token checked with Slack, with
backoff), `serve` (start-up and running), and the one-shot commands: `digest`, `rollup`,
`nudge`, `database` (migrate, backup, export), `offline` (classify, demo).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.cli import database, digest, failures, nudge, offline, parser, rollup, runtime, serve
from bot.config import DATABASE_VARIABLES, RENDER_VARIABLES
from bot.logsetup import configure_logging


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser.build_parser().parse_args(argv)
    except failures.UsageError as exc:
        return failures.fail(exc, 2)
    configure_logging(args.verbose)  # redaction first: `--verbose` logs no tokens or text
    try:
        code = _run(args)
        sys.stdout.flush()  # a reader gone early (`| head`) shows here, not at interpreter exit
        return code
    except (Exception, KeyboardInterrupt) as exc:
        return failures.exit_status(exc)


def _run(args: argparse.Namespace) -> int:
    command = args.command
    if command is None:
        print(parser.build_parser().format_help(), file=sys.stderr, end="")
        return 2
    if command == "help":
        parser.print_help()
        return 0
    if command == "classify":
        return offline.classify()
    if command == "demo":
        return offline.demo(Path(args.out))

    # Each command checks only the settings it uses: a bad HEADWAY_SEND_RATE stops `serve`,
    # not `export`.
    if command in ("migrate", "backup", "export"):
        settings = runtime.settings(DATABASE_VARIABLES)
        if command == "migrate":
            return database.migrate(settings)
        if command == "backup":
            return database.backup(settings, args.path)
        return database.export(settings, args.workspace)
    if command == "digest":
        return digest.digest(runtime.settings(RENDER_VARIABLES if args.dry_run else None), args)
    if command == "rollup":
        return rollup.rollup(runtime.settings(RENDER_VARIABLES if args.dry_run else None), args)
    settings = runtime.settings()
    if command == "nudge":
        return nudge.nudge(settings, args)
    if command == "serve":
        return serve.serve(settings, verbose=args.verbose)
    raise failures.UsageError(f"unknown command {command!r}")  # argparse stops this earlier

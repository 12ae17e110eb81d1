"""`headway`'s arguments and help: the parser (an error is one line, exit 2), and the
`help` command's text, which adds the slash command's subcommands."""

from __future__ import annotations

import argparse
from typing import NoReturn

from bot.cli.failures import UsageError
from bot.core.usage import USAGE

COMMANDS_HELP = """\
commands:
  serve                      run the bot and its scheduler (Socket Mode when SLACK_APP_TOKEN
                             is set, otherwise HTTP on $PORT: /slack/events, /healthz;
                             in Socket Mode /healthz only, when PORT is set)
  demo [--out DIR]           the whole weekly cycle offline, no Slack account needed
  nudge --now [--workspace W] [--team NAME] [--user U]
                             send every due-or-forced nudge for the current period now
                             (to one team's people with --team)
  digest [--workspace W] [--team NAME] [--week 2026-W47] (--dry-run | --post)
                             print or post each team's digest, or one team's (the week
                             defaults to the current one in the team's time zone)
  rollup [--workspace W] [--week 2026-W47] (--dry-run | --post)
                             print or post the leaders' rollup of every team (the week
                             defaults to the current one in the workspace's time zone)
  classify                   label items from stdin: label<TAB>confidence<TAB>text
                             (progress, ktlo or none: no work in it)
  export [--workspace W]     everything stored for a workspace, as JSON on stdout
  backup PATH                a consistent copy of the database, safe while the bot runs
  migrate                    apply schema upgrades, and say which
  help                       this text, and the /headway slash command's subcommands

exit status: 0 done, 1 Slack failed or an unexpected error, 2 a setting, argument or the
database file needs fixing (see README, Troubleshooting)
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the usage block and then the error: make it the one line.
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
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
                               "SLACK_APP_TOKEN is set, otherwise HTTP on $PORT). /healthz on "
                               "$PORT answers from the start, 503 until Slack has accepted "
                               "the tokens; in Socket Mode it is served only when PORT is "
                               "set.")
    demo = sub.add_parser(
        "demo", help="the weekly cycle offline, no Slack account needed",
        description="Run Headway's whole weekly cycle offline, with no Slack account: a team "
                    "is nudged, answers, and its digest is printed. The digest's Block Kit "
                    "JSON and the demo's database are written to DIR.")
    demo.add_argument("--out", default="out/demo", metavar="DIR",
                      help="directory for the digest's Block Kit JSON and the demo database "
                           "(default: out/demo)")
    nudge = sub.add_parser(
        "nudge", help="send this period's nudges now",
        description="Send now, through Slack, every nudge of the current period that is due "
                    "or not yet sent. The delivery ledger still applies: a nudge already "
                    "sent is not sent again. Prints what it did; failures are one line per "
                    "kind, with a count (exit 1).")
    nudge.add_argument("--now", action="store_true", required=True,
                       help="send now every nudge due or not yet sent this period (required; "
                            "the delivery ledger still sends each at most once)")
    nudge.add_argument("--workspace", metavar="W",
                       help="only this workspace (its Slack team id, T…)")
    nudge.add_argument("--team", metavar="NAME",
                       help="only the people in this team (its name, any case)")
    nudge.add_argument("--user", metavar="U", help="only this member (Slack user id)")
    digest = sub.add_parser(
        "digest", help="print or post a digest",
        description="Build a week's digest (progress, keep-the-lights-on, trends) and print "
                    "it (--dry-run, which only reads the database) or post it to the "
                    "team's digest channel (--post; posting again updates the message).")
    _workspace_option(digest)
    digest.add_argument("--team", metavar="NAME",
                        help="only this team (its name, any case; default: every team)")
    digest.add_argument("--week", metavar="2026-W47",
                        help="ISO week such as 2026-W47 (default: the current one)")
    mode = digest.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true",
                      help="print it as text; reads the database only")
    mode.add_argument("--post", action="store_true", help="post (or update) it in Slack")
    digest.add_argument("--json", action="store_true", help="with --dry-run: print Block Kit")
    rollup = sub.add_parser(
        "rollup", help="print or post the leaders' rollup",
        description="Build a week's leaders' rollup (one line per team: participation, "
                    "progress share, trend, quarter to date against target, top recurring "
                    "firefight; the whole workspace's share) and print it (--dry-run, which "
                    "only reads the database) or post it to the workspace's rollup channel "
                    "(--post; posting again updates the message).")
    _workspace_option(rollup)
    rollup.add_argument("--week", metavar="2026-W47",
                        help="ISO week such as 2026-W47 (default: the current one)")
    rollup_mode = rollup.add_mutually_exclusive_group(required=True)
    rollup_mode.add_argument("--dry-run", action="store_true",
                             help="print it as text; reads the database only")
    rollup_mode.add_argument("--post", action="store_true",
                             help="post (or update) it in Slack")
    rollup.add_argument("--json", action="store_true", help="with --dry-run: print Block Kit")
    sub.add_parser(
        "classify", help="label items read from stdin, one per line",
        description="Label each line of standard input as Headway's labeller would, offline: "
                    "one line out per line in, label<TAB>confidence<TAB>text. A blank line "
                    "gives 'none<TAB>1.00<TAB>' (no work in it); a tab, CR, NUL or backslash "
                    "in the text is written \\t, \\r, \\0 or \\\\, so that every line "
                    "has three columns.")
    export = sub.add_parser(
        "export", help="everything stored for a workspace, as JSON",
        description="Print everything Headway stores for one workspace as JSON on standard "
                    "output (README: What `headway export` holds). Only reads the database; "
                    "works on a read-only file.")
    _workspace_option(export)
    backup = sub.add_parser(
        "backup", help="a consistent copy of the database",
        description="Copy the database (HEADWAY_DB) to PATH with SQLite's online backup, "
                    "safe while the bot runs. The copy is written beside PATH and renamed "
                    "into place, so PATH is only ever replaced by a complete copy. Only "
                    "reads the database.")
    backup.add_argument("path", metavar="PATH",
                        help="file to write (replaced only by a complete copy)")
    sub.add_parser(
        "migrate", help="apply schema upgrades and say which",
        description="Apply the database's pending schema upgrades (serve also does at every "
                    "start) and say which, or that there were none. Creates the database "
                    "when HEADWAY_DB names no file yet.")
    sub.add_parser(
        "help", help="commands and the /headway slash command's usage",
        description="List headway's commands, then the /headway slash command's subcommands.")
    return p


def _workspace_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--workspace", metavar="W",
                         help="the workspace (Slack team id, T…); needed when there are several")


def print_help() -> None:
    """`headway help`: the commands and options, then the slash command's subcommands."""
    build_parser().print_help()
    print("\n/headway subcommands (in Slack):")
    for u in USAGE:
        print(f"  /headway {u.syntax:<28} {u.summary}{' (admin)' if u.admin else ''}")

"""`headway nudge --now`: every due-or-forced nudge of the current period, sent now."""

from __future__ import annotations

import argparse

from bot.cli import runtime
from bot.cli.failures import FailureTally
from bot.cli.slack_check import check_slack
from bot.config import ConfigError, Settings


def nudge(settings: Settings, args: argparse.Namespace) -> int:
    """Prints what it did; failures are one line per kind, with a count (exit 1)."""
    if not settings.has_slack:
        raise ConfigError("SLACK_BOT_TOKEN is not set: `nudge --now` sends DMs through Slack")
    from bot.nudges import nudge_now

    hw = runtime.headway(settings)
    check_slack(hw, wait=0, doing="nothing was sent", verbose=args.verbose)
    if args.workspace:
        runtime.workspace(hw.store, args.workspace)
    with FailureTally(args.verbose) as tally:
        result = nudge_now(hw, workspace_id=args.workspace, user_id=args.user)
    print(f"nudges: {result.summary()}")
    tally.report()
    return 0 if not result.failed else 1

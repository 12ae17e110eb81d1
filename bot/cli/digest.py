"""`headway digest`: a week's digest printed (`--dry-run`, reading the database only) or
posted (`--post`; posting again updates the message)."""

from __future__ import annotations

import argparse
import json

from bot.cli import runtime
from bot.cli.failures import FailureTally, SlackFailure, UsageError
from bot.cli.slack_check import check_slack
from bot.config import ConfigError, Settings
from bot.context import Headway
from bot.store import Store


def digest(settings: Settings, args: argparse.Namespace) -> int:
    from bot import digests
    from bot.core.periods import parse_period
    from bot.core.render import render_digest_blocks, render_digest_text

    if args.week:
        try:
            parse_period(args.week)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if args.dry_run:
        # Reads only: a missing file is an error, not a new database.
        store = Store.open(settings.db_path, create=False, write=False)
        hw = runtime.headway(settings, store, slack=False)
        workspace_id = runtime.workspace(store, args.workspace)
        built = digests.build(hw, workspace_id, _period(hw, workspace_id, args.week))
        if args.json:
            message = render_digest_blocks(built)
            print(json.dumps({"text": message.text, "blocks": message.blocks,
                              "thread": message.thread}, indent=2, ensure_ascii=False))
        else:
            print(render_digest_text(built))
        return 0
    if not settings.has_slack:
        raise ConfigError("SLACK_BOT_TOKEN is not set: `digest --post` posts through Slack")
    hw = runtime.headway(settings)
    check_slack(hw, wait=0, doing="the digest was not posted", verbose=args.verbose)
    workspace_id = runtime.workspace(hw.store, args.workspace)
    period = _period(hw, workspace_id, args.week)
    with FailureTally(args.verbose) as tally:
        try:
            outcome = digests.post_digest(hw, workspace_id, period)
        except digests.DigestError as exc:
            raise SlackFailure(f"the {period} digest was not posted: {exc}") from None
        finally:
            tally.report()
    print(f"digest {period} {outcome.action} in {outcome.channel} (ts {outcome.ts}, "
          f"{outcome.thread_messages} thread messages)")
    return 0


def _period(hw: Headway, workspace_id: str, week: str | None) -> str:
    """The week asked for, else the current one in the digest's time zone."""
    from bot.core.periods import period_of

    workspace = hw.store.workspaces.get(workspace_id)
    assert workspace is not None
    return week or period_of(hw.now(), workspace.tz)

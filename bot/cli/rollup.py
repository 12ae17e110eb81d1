"""`headway rollup`: the leaders' rollup of a workspace's teams for a week, printed
(`--dry-run`, reading the database only) or posted to the workspace's rollup channel
(`--post`; posting again updates the message)."""

from __future__ import annotations

import argparse
import json

from bot.cli import runtime
from bot.cli.failures import FailureTally, SlackFailure, UsageError
from bot.cli.slack_check import check_slack
from bot.config import ConfigError, Settings


def rollup(settings: Settings, args: argparse.Namespace) -> int:
    from bot import rollups
    from bot.core.periods import period_of
    from bot.core.render_rollup import render_rollup_blocks, render_rollup_text

    runtime.checked_week(args.week)
    if args.dry_run:
        hw = runtime.reading(settings)
        store = hw.store
        workspace_id = runtime.workspace(store, args.workspace)
        workspace = store.workspaces.get(workspace_id)
        assert workspace is not None  # runtime.workspace found it
        built = rollups.build(hw, workspace_id, args.week or period_of(hw.now(), workspace.tz))
        if args.json:
            message = render_rollup_blocks(built)
            print(json.dumps({"text": message.text, "blocks": message.blocks,
                              "thread": message.thread}, indent=2, ensure_ascii=False))
        else:
            print(render_rollup_text(built))
        return 0
    if not settings.has_slack:
        raise ConfigError("SLACK_BOT_TOKEN is not set: `rollup --post` posts through Slack")
    hw = runtime.headway(settings)
    workspace_id = runtime.workspace(hw.store, args.workspace)
    workspace = hw.store.workspaces.get(workspace_id)
    assert workspace is not None
    if not workspace.rollup_channel:
        raise UsageError("this workspace has no rollup channel yet: run `/headway rollup "
                         "here` in the channel that should get it")
    check_slack(hw, wait=0, doing="the rollup was not posted", verbose=args.verbose)
    period = args.week or period_of(hw.now(), workspace.tz)
    with FailureTally(args.verbose) as tally:
        try:
            try:
                outcome = rollups.post_rollup(hw, workspace_id, period)
            except rollups.DigestError as exc:
                raise SlackFailure(f"the {period} rollup was not posted: {exc}") from None
            print(f"rollup {period} {outcome.action} in {outcome.channel} (ts {outcome.ts}, "
                  f"{outcome.thread_messages} thread messages)")
        finally:
            tally.report()
    return 0

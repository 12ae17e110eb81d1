"""`headway digest`: a week's digest of each team (or of the one `--team` names) printed
(`--dry-run`, reading the database only) or posted (`--post`; posting again updates the
message)."""

from __future__ import annotations

import argparse
import json

from bot.cli import runtime
from bot.cli.failures import FailureTally, SlackFailure, UsageError
from bot.cli.slack_check import check_slack
from bot.config import ConfigError, Settings


def digest(settings: Settings, args: argparse.Namespace) -> int:
    from bot import digests
    from bot.core.periods import period_of
    from bot.core.render import render_digest_blocks, render_digest_text

    runtime.checked_week(args.week)
    if args.dry_run:
        hw = runtime.reading(settings)
        store = hw.store
        teams = runtime.teams(store, runtime.workspace(store, args.workspace), args.team)
        built = [digests.build(hw, team, args.week or period_of(hw.now(), team.tz))
                 for team in teams]
        if args.json:
            messages = [render_digest_blocks(b) for b in built]
            shown = [{"team": t.name, "text": m.text, "blocks": m.blocks, "thread": m.thread}
                     for t, m in zip(teams, messages, strict=True)]
            print(json.dumps(shown[0] if len(shown) == 1 else shown, indent=2,
                             ensure_ascii=False))
        else:
            print("\n\n".join(render_digest_text(b) for b in built))
        return 0
    if not settings.has_slack:
        raise ConfigError("SLACK_BOT_TOKEN is not set: `digest --post` posts through Slack")
    hw = runtime.headway(settings)
    check_slack(hw, wait=0, doing="the digest was not posted", verbose=args.verbose)
    teams = runtime.teams(hw.store, runtime.workspace(hw.store, args.workspace), args.team)
    if args.team is None:
        teams = [t for t in teams if t.digest_channel]  # the others have nowhere to go
        if not teams:
            raise UsageError("no team has a digest channel yet: run `/headway digest here` "
                             "in the channel that should get it")
    with FailureTally(args.verbose) as tally:
        try:
            for team in teams:
                period = args.week or period_of(hw.now(), team.tz)
                try:
                    outcome = digests.post_digest(hw, team, period)
                except digests.DigestError as exc:
                    raise SlackFailure(f"{team.name}'s {period} digest was not posted: {exc}"
                                       ) from None
                print(f"digest {period} of {team.name} {outcome.action} in "
                      f"{outcome.channel} (ts {outcome.ts}, {outcome.thread_messages} thread "
                      f"messages)")
        finally:
            tally.report()
    return 0

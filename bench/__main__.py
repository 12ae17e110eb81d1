"""`make bench`: every benchmark, each printed as figures and as ratios against a baseline
measured in the same run. Nothing here asserts a time: shared machines are noisy."""

from __future__ import annotations

import importlib
import sys
import time

SUITES = [
    ("ack latency (issue: core loop)", "bench.ack_latency"),
    ("classifier quality, calibration and speed (issues: progress vs KTLO; 14: every kind "
     "of team)", "bench.eval_classifier"),
    ("KTLO theme accuracy and speed vs the old keyword rules (issue 10: digest)",
     "bench.eval_themes"),
    ("tracked problems: matching a week's KTLO items to them, precision and recall vs "
     "exact text and the plain recurring rule (issue 13)", "bench.eval_problems"),
    ("digest build time, 1 and 5 years of history (issue: progress vs KTLO)",
     "bench.digest_build"),
    ("teams at scale: one team's digest and the leaders' rollup, 50 teams of 20, 1 and 5 "
     "years of history, vs the single-team digest (issue 12)", "bench.rollup_build"),
    ("fan-out to 2,000 members and acks during it (issue: delivery)", "bench.fanout"),
    ("the gentle reminders' share of a tick, 1 and 5 years of history (issue 13)",
     "bench.reminders_tick"),
    ("many workspaces in one process: fan-out, lanes, pace, idle tick, replies (issue 15)",
     "bench.parallel"),
    ("Socket Mode acks across reconnects, aiohttp vs built-in client (issue: what Slack "
     "really sends)", "bench.socket_ack"),
]


def main() -> int:
    failed = 0
    for title, module in SUITES:
        print(f"\n=== {title} ===", flush=True)
        start = time.perf_counter()
        try:
            importlib.import_module(module).main()
        except ModuleNotFoundError as exc:
            print(f"  (not available: {exc})")
        except Exception as exc:  # keep going: one broken bench should not hide the rest
            failed += 1
            print(f"  FAILED: {type(exc).__name__}: {exc}")
        print(f"  ({time.perf_counter() - start:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

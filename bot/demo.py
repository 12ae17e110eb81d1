"""`headway demo`: four weeks of Headway, offline, in a few seconds: two teams (one person
in both), each team's digest, and the leaders' rollup of both.

The real pipeline runs (the schedule maths picks who is due, the ledger claims each nudge,
replies are split and labelled, the digest is built and rendered); only Slack is swapped for
an in-process stand-in that records what would have been sent. The clock is injected and
stepped through each week, so people in six time zones are nudged at their own local time;
sending waits (the pacer's spacing of DMs) pass on that simulated clock, not the real one.

The demo's database stays behind in the output folder (`out/demo/headway.db`), so the
other commands can explore it: `HEADWAY_DB=out/demo/headway.db headway export`.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from bot import rollups
from bot.config import DEFAULT_SEND_RATE, ConfigError, Settings
from bot.context import Headway, system_clock
from bot.core.model import Member, Team
from bot.core.periods import period_of, period_start, shift_period
from bot.core.problems import TrackRef, track_key
from bot.core.prompts import load_packs
from bot.core.render import render_digest_blocks, render_digest_text
from bot.core.render_rollup import render_rollup_blocks, render_rollup_text
from bot.digests import build, record_problems
from bot.nudges import send_due
from bot.pacing import Pacer
from bot.problems import track_entry
from bot.replies import record_answer
from bot.slack_client import PacedClient
from bot.store import Store

TEAM_ID = "T0DEMO"
TEAM_NAME = "Acme Robotics"  # the workspace
# Two teams, Ben in both: (name, digest channel, target, people). The leaders' rollup of
# both goes to ROLLUP_CHANNEL.
TEAMS = [
    ("Product", "C0PRODUCT", 0.5, ("U01ADA", "U02BEN", "U03CHI", "U05EVE")),
    ("Operations", "C0OPS", 0.4, ("U02BEN", "U04DAN", "U06FIN")),
]
ROLLUP_CHANNEL = "C0LEADS"
STEP = timedelta(minutes=15)
DB_NAME = "headway.db"
# Written beside the database; also how a later run knows the database is the demo's own
# and may be replaced (an operator's real database in that folder never is).
NOTE_NAME = "README.txt"
NOTE_FIRST_LINE = "Written by `headway demo`."


class OfflineSlack(WebClient):
    """A WebClient whose every call is answered in-process and remembered."""

    def __init__(self, token: str | None = None, base_url: str = "") -> None:
        super().__init__(token=token)
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self._ts = itertools.count(1)

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        args = {**(kwargs.get("params") or {}), **(kwargs.get("data") or {}),
                **(kwargs.get("json") or {})}
        self.sent.append((api_method, args))
        data: dict[str, Any] = {"ok": True}
        if api_method in {"chat.postMessage", "chat.update"}:
            channel = str(args.get("channel", ""))
            data |= {"channel": "D" + channel[1:] if channel.startswith("U") else channel,
                     "ts": args.get("ts") or f"1700000000.{next(self._ts):06d}"}
        return SlackResponse(client=self, http_verb="POST", api_url=api_method,
                             req_args=kwargs, data=data, headers={}, status_code=200)


class PacedOfflineSlack(PacedClient, OfflineSlack):
    """The stand-in as a workspace's client: its posts take their turn in the workspace's
    pacer (on the demo's clock) before `OfflineSlack` answers them, as real ones do."""


# (user id, name, zone, nudge days, local time)
PEOPLE = [
    ("U01ADA", "Ada", "America/New_York", (4,), time(15, 0)),
    ("U02BEN", "Ben", "Europe/Berlin", (2, 4), time(10, 30)),
    ("U03CHI", "Chitra", "Asia/Kolkata", (4,), time(16, 0)),
    ("U04DAN", "Dan", "Australia/Sydney", (4,), time(9, 0)),
    ("U05EVE", "Eve", "America/Los_Angeles", (3,), time(17, 0)),
    ("U06FIN", "Finn", "Europe/London", (4,), time(14, 0)),
]

# What each person writes for the `work` prompt, week by week (oldest first).
WORK = {
    "U01ADA": [
        "- Shipped the new onboarding checklist to beta customers\n"
        "- Restarted the billing export job again after it hung",
        "1. Prototyped usage-based pricing page\n2. Restarted the billing export job again",
        "- Automated the weekly churn report so nobody builds it by hand\n"
        "- On-call: restarted the billing export job again",
        "- Launched the onboarding checklist to everyone\n- Weekly status meeting with finance\n"
        "- Ran an A/B test on the signup form\n- Restarted the billing export job again",
    ],
    "U02BEN": [
        "- Handled three P1 incidents on the payments API\n- Renewed SSL certificates",
        "- Fixed the flaky deploy pipeline for good by removing the shared cache\n"
        "- Answered support escalations",
        "- Patched the login outage again\n- Quarterly access review for the SOC 2 audit",
        "- Designed the new event-streaming architecture\n- Hotfix for checkout timeout",
    ],
    "U03CHI": [
        "Built the first version of the anomaly detection model\n"
        "Reset passwords for the sales team",
        "Cleaned up stale dashboards\nMentored two new analysts on our data stack",
        "Started a self-serve analytics pilot with marketing",
        "Backfilled the warehouse after last night's failed ETL\nPublished the pilot results",
    ],
    "U04DAN": [
        "- Upgraded Postgres because the old version hits end of life\n"
        "- Weekly vendor sync",
        "- Restarted the billing export job again (third time this month)\n"
        "- Wrote the RFC for regional failover",
        "- Implemented regional failover behind a feature flag",
        "- Triaged the support queue\n- Expense reports and timesheets",
    ],
    "U05EVE": [
        "Interviewed five customers about the reporting gap (<!channel>, notes in the doc)",
        "- Redesigned the settings page\n- Fixed typos reported by support",
        "Usability test of the new settings page with 6 users",
        "Handled the Monday outage postmortem paperwork",
    ],
    "U06FIN": [
        "- Closed the month-end books\n- Negotiated a new contract with our cloud vendor",
        "- Payroll run\n- Built a cash-flow forecast model for the board",
        "- Audit prep: collected invoices for the auditors",
        "- Launched automated invoice reminders, cutting manual chasing",
    ],
}

# How much of their week each person says went to keeping the lights on (the one-tap
# question under the work question). Eve never answers it: it is optional.
EFFORT = {"U01ADA": "half", "U02BEN": "three_quarters", "U03CHI": "quarter",
          "U04DAN": "half", "U06FIN": "three_quarters"}

OTHER = {  # answers to the rotating questions, by prompt kind
    "problem": [
        "Billing export keeps hanging and someone restarts it by hand every week",
        "The billing export job is fragile and eats on-call time",
        "Too many status meetings; nobody has a focus afternoon",
        "We don't have a staging environment that matches production",
    ],
    "opportunity": [
        "Customers keep asking for usage-based pricing",
        "Self-serve analytics could free the data team from ad-hoc requests",
        "Usage-based pricing would win the small teams we lose today",
    ],
    "recognition": [
        "Ben, for staying late to get payments back up during the P1s",
        "Chitra, for mentoring the new analysts so patiently",
    ],
    "reflection": ["Private thought that must never appear in the digest."],
}


def run_demo(out_dir: Path, weeks: int = 4, now: datetime | None = None) -> int:
    now = now or system_clock()
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = _fresh_database(out_dir)
    last = shift_period(period_of(now, "UTC"), -1)  # the last complete week
    store = Store.open(db_path)
    try:
        digests, rollup_text, rollup = _cycle(db_path, weeks, now, store)
    finally:
        store.close()  # checkpointed: whole for the commands that explore it
    blocks = digests[0][1]
    (out_dir / "digest.json").write_text(json.dumps(blocks, indent=2, ensure_ascii=False))
    (out_dir / "rollup.json").write_text(json.dumps(rollup, indent=2, ensure_ascii=False))
    (out_dir / "rollup.txt").write_text(rollup_text + "\n", encoding="utf-8")
    headway = _how_to_run_headway()
    explore = (f"HEADWAY_DB={db_path} {headway} digest --dry-run --week {last}\n"
               f"HEADWAY_DB={db_path} {headway} rollup --dry-run --week {last}\n"
               f"HEADWAY_DB={db_path} {headway} export")
    (out_dir / NOTE_NAME).write_text(
        f"{NOTE_FIRST_LINE}\n\n{DB_NAME}: the demo's database, {weeks} weeks up to {last}. "
        f"Explore it with:\n\n{explore}\n\ndigest.json: the {TEAMS[0][0]} team's last "
        f"digest as Block Kit (paste `blocks` into Slack's Block Kit Builder).\n"
        f"rollup.json, rollup.txt: the leaders' rollup of both teams, as Block Kit and as "
        f"text.\n\nThe next `headway demo` with this folder replaces them all.\n",
        encoding="utf-8")
    print("\n\n".join(text for text, _ in digests))
    print(f"\n{rollup_text}")
    print(f"\nBlock Kit JSON written to {out_dir / 'digest.json'} ({TEAMS[0][0]}'s digest) "
          f"and {out_dir / 'rollup.json'} (the leaders' rollup; its text in rollup.txt): "
          f"paste `blocks` into Slack's Block Kit Builder to see them as Slack shows them.")
    print(f"The demo's database is {db_path}; explore it with\n"
          + "".join(f"  {line}\n" for line in explore.splitlines()), end="")
    return 0


def _how_to_run_headway() -> str:
    """The command the person can paste: `headway` when it is on their PATH, else the path
    they ran it by (`make run` runs `.venv/bin/headway`, which is not on PATH)."""
    argv0 = Path(sys.argv[0])
    if argv0.name != "headway" or shutil.which("headway") == str(argv0.resolve()):
        return "headway"
    return os.path.relpath(argv0) if not argv0.is_absolute() else str(argv0)


def _fresh_database(out_dir: Path) -> Path:
    """`out_dir/headway.db`, with an earlier demo's database (and its WAL and lock files)
    removed; a database (or note) the demo did not write there is never touched."""
    db_path = out_dir / DB_NAME
    siblings = [db_path] + [Path(f"{db_path}{suffix}") for suffix in
                            ("-wal", "-shm", "-journal", ".sending.lock", ".scheduler.lock")]
    for path in (*siblings, out_dir / NOTE_NAME):
        if path.exists() and not _written_by_demo(out_dir):
            raise ConfigError(f"{path} exists and was not written by the demo; "
                              f"choose another folder with --out")
    for path in siblings:
        path.unlink(missing_ok=True)
    return db_path


def _written_by_demo(out_dir: Path) -> bool:
    try:
        with open(out_dir / NOTE_NAME, encoding="utf-8") as note:
            return note.readline().strip() == NOTE_FIRST_LINE
    except (OSError, UnicodeDecodeError):
        return False


def _cycle(db_path: Path, weeks: int, now: datetime, store: Store
           ) -> tuple[list[tuple[str, dict[str, Any]]], str, dict[str, Any]]:
    """The weeks played out; each team's digest (text and Block Kit) and the leaders'
    rollup of the last week."""
    settings = Settings(bot_token="xoxb-demo", signing_secret=None, app_token=None,
                        client_id=None, client_secret=None, api_url="offline://",
                        db_path=db_path, port=0,
                        # No Slack to find the pace from: the demo paces at the start rate.
                        send_rate_max=DEFAULT_SEND_RATE)
    clock = [now]

    def sleep(seconds: float) -> None:  # the pacer's waits pass on the demo's clock
        clock[0] += timedelta(seconds=max(0.0, seconds))

    clients: list[OfflineSlack] = []

    def offline_client(token: str | None, api_url: str, pacer: Pacer, *,
                       sleep: Callable[[float], None]) -> WebClient:
        clients.append(PacedOfflineSlack(token, pacer=pacer))
        return clients[-1]

    hw = Headway(settings=settings, store=store, packs=load_packs(),
                 clock=lambda: clock[0], sleep=sleep, monotonic=lambda: clock[0].timestamp(),
                 client_factory=offline_client)
    last = shift_period(period_of(now, "UTC"), -1)  # the last complete week
    first = shift_period(last, -(weeks - 1))
    start = period_start(first, "Pacific/Kiritimati")  # the earliest zone's Monday
    clock[0] = start
    hw.store.workspaces.ensure(TEAM_ID, start, TEAM_NAME)
    hw.store.workspaces.update(TEAM_ID, tz="Europe/London", rollup_channel=ROLLUP_CHANNEL)
    for uid, name, tz, days, at in PEOPLE:
        hw.store.members.upsert(Member(TEAM_ID, uid, tz=tz, days=days, nudge_time=at, name=name),
                                start)
    teams = []
    for name, channel, target, people in TEAMS:
        team = hw.store.teams.create(TEAM_ID, name, start, digest_channel=channel,
                                     tz="Europe/London")
        teams.append(hw.store.teams.update(TEAM_ID, team.id, target=target))
        for uid in people:
            hw.store.teams.add_member(TEAM_ID, team.id, uid, first, start)
    hw.store.members.update(TEAM_ID, "U05EVE", start, anonymous=True)

    names = dict((p[0], p[1]) for p in PEOPLE)
    split = "; ".join(f"{name}: {', '.join(names[u] for u in people)}"
                      for name, _, _, people in TEAMS)
    print(f"Headway demo — {TEAM_NAME}, {len(PEOPLE)} people in "
          f"{len({p[2] for p in PEOPLE})} time zones and {len(TEAMS)} teams ({split}), "
          f"weeks {first} to {last}\n")
    counters = Counter[str]()
    answered: set[int] = set()
    end = period_start(shift_period(last, 1), "Pacific/Pago_Pago")
    while clock[0] < end:
        sent = send_due(hw).sent  # most steps send nothing: no need to look for new nudges
        for nudge_id, uid, prompt_id, period in (_new_nudges(hw, answered) if sent else []):
            answered.add(nudge_id)
            counters[period] += 1
            text = _answer(hw, uid, prompt_id, period, first)
            if text:
                record_answer(hw, TEAM_ID, uid, text, source="dm", nudge_id=nudge_id)
                if uid in EFFORT and prompt_id == hw.packs["default"].work_prompt.id:
                    hw.store.efforts.answer(TEAM_ID, uid, period, EFFORT[uid], clock[0])
        clock[0] += STEP
    for period in sorted(counters):
        replies = hw.store.replies.count(TEAM_ID, period)
        print(f"  {period}: {counters[period]} nudges sent at local times, {replies} answers")
    dms = sum(1 for c in clients for method, _ in c.sent if method == "chat.postMessage")
    print(f"  ({dms} DMs went to the offline Slack stand-in; none twice)\n")

    _track_a_firefight(hw, teams[0], shift_period(last, -1))
    digests = []
    for team in teams:
        digest = build(hw, team, last)
        message = render_digest_blocks(digest)
        digests.append((render_digest_text(digest), {
            "text": message.text, "blocks": message.blocks, "thread": message.thread}))
    rollup = rollups.build(hw, TEAM_ID, last)
    leaders = render_rollup_blocks(rollup)
    return digests, render_rollup_text(rollup), {
        "text": leaders.text, "blocks": leaders.blocks, "thread": leaders.thread}


def _track_a_firefight(hw: Headway, team: Team, period: str) -> None:
    """Tracked problems: the first recurring firefight of `period`'s digest, tracked by
    the demo's first person as a press of Track it would, and that week counted as posting
    the digest would; the last digest then lists it with the weeks it cost."""
    digest = build(hw, team, period)
    if not digest.recurring:
        return
    ref = TrackRef(team.id, period, "firefight", track_key(digest.recurring[0].text))
    track_entry(hw, team, ref, PEOPLE[0][0])
    record_problems(hw, team, build(hw, team, period))


def _new_nudges(hw: Headway, seen: set[int]) -> list[tuple[int, str, str, str]]:
    return [(n.id, n.user_id, n.prompt_id, n.period) for n in hw.store.nudges.of(TEAM_ID)
            if n.status == "sent" and n.id not in seen]


def _answer(hw: Headway, uid: str, prompt_id: str, period: str, first: str) -> str | None:
    week = _week_index(period, first)
    prompt = hw.packs["default"].get(prompt_id)
    if prompt is None:
        return None
    if prompt.kind == "work":
        answers = WORK[uid]
        return answers[week] if week < len(answers) else None
    choices = OTHER[prompt.kind]
    return choices[(week + int(uid[1:3])) % len(choices)]


def _week_index(period: str, first: str) -> int:
    n = 0
    while shift_period(first, n) != period and n < 60:
        n += 1
    return n



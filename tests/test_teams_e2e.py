"""Teams inside one workspace, driven the way Slack drives them: signed `/headway` commands
and DMs in, Web API calls out to the fake Slack, the scheduler's `tick` at injected times.

Two teams, Platform (#plat) and Support (#supp), made with `team create` in their own
channels; Bo is in both. And the move to teams of a database from before them (m007).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from conftest import answer_to, wait_for
from sqlite_utils import Database

from bot.cli import main
from bot.context import Headway
from bot.core import messages
from bot.core.prompts import load_packs
from bot.core.render import render_digest_blocks
from bot.digests import build, load_input
from bot.replies import record_answer
from bot.scheduler import tick
from bot.store import Store
from bot.store.migrations import migrations

T = "T0001"
PLAT, SUPP = "C0PLAT", "C0SUPP"
PEOPLE = ("UANA", "UBEN", "UBOTH", "ULEAD", "ULEAD2", "UOUT", "UNEW")
ANA = "Shipped the platform billing migration"  # Ana: Platform only
BEN = "Answered the refund tickets queue"  # Ben: Support only
BOTH = "Rebuilt the shared deploy pipeline"  # Bo: both teams


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def hw(settings, clock, tmp_path: Path):
    """The suite's Headway with one more prompt pack, `engineering` (an operator's, as
    HEADWAY_PROMPTS_DIR gives them), whose work question has an id of its own: which pack
    someone was asked from shows in the nudge."""
    folder = tmp_path / "packs"
    folder.mkdir()
    default = (Path(__file__).parent.parent / "prompts" / "default.toml").read_text()
    (folder / "engineering.toml").write_text(
        default.replace('name = "default"', 'name = "engineering"')
        .replace('id = "moved-forward"', 'id = "eng-shipped"'))
    store = Store.open(settings.db_path)
    yield Headway(settings=settings, store=store, packs=load_packs(folder), clock=clock)
    store.close()


def ask(slack, fake, text: str, user: str, channel: str = "C0GENERAL") -> str:
    """The answer to `/headway text` run by `user` in `channel`."""
    return answer_to(fake, slack.command(text, user=user, channel=channel))


def at(uid: str) -> str:
    """A mention as Slack sends it in command text (`should_escape: true`)."""
    return f"<@{uid}|{uid[1:].lower()}>"


def team(hw, name: str):
    found = hw.store.teams.named(T, name)
    assert found is not None, name
    return found


def two_teams(slack, fake, hw, clock, when: datetime | None = None) -> None:
    """Platform in #plat (led by ULEAD: Ana and Bo) and Support in #supp (led by ULEAD2:
    Ben and Bo), made by an admin on a Tuesday of 2026-W46 unless `when` says otherwise."""
    clock.now = when or utc(2026, 11, 10, 10)
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    for uid in PEOPLE:
        fake.add_user(uid, tz="UTC")
    assert "Team *Platform* created" in ask(slack, fake, "team create Platform", "UADMIN", PLAT)
    assert "Team *Support* created" in ask(slack, fake, "team create Support", "UADMIN", SUPP)
    assert "<@ULEAD> now leads *Platform*" in ask(
        slack, fake, f"team lead {at('ULEAD')} for Platform", "UADMIN")
    assert "<@ULEAD2> now leads *Support*" in ask(
        slack, fake, f"team lead {at('ULEAD2')} for Support", "UADMIN")
    # The lead adds their own people; an admin adds Support's. Bo joins Platform first.
    assert "Added 2 members to *Platform*" in ask(
        slack, fake, f"team add {at('UANA')} {at('UBOTH')} to Platform", "ULEAD")
    assert "Added 2 members to *Support*" in ask(
        slack, fake, f"team add {at('UBEN')} {at('UBOTH')} to Support", "UADMIN")


def answer_the_week(slack, fake, hw, clock, settle, friday: datetime,
                    answers: dict[str, str]) -> str:
    """Friday 15:00 UTC: the tick asks everyone; each person in `answers` replies by DM.
    Returns the week."""
    clock.now = friday.replace(hour=15)
    tick(hw)
    period = f"{friday.isocalendar()[0]}-W{friday.isocalendar()[1]:02d}"
    for uid, text in answers.items():
        slack.dm(text, user=uid)
    wait_for(lambda: len(hw.store.replies.of(T, period=period)) == len(answers),
             what=f"the {period} answers")
    settle()  # every DM's listener is done before the clock moves on
    return period


def digest_post(fake, channel: str):
    """The one digest message posted in `channel` (not its thread)."""
    posts = [c for c in fake.calls_to("chat.postMessage")
             if c.args["channel"] == channel and "thread_ts" not in c.args]
    assert len(posts) == 1, posts
    return json.dumps(posts[0].args, ensure_ascii=False)


def tap_effort(slack, fake, hw, user: str, choice: str) -> None:
    """A tap on the effort question under `user`'s work question, as Slack sends it (the
    message clicked on comes along, as it stands in Slack)."""
    [nudge] = [n for n in hw.store.nudges.of(T, user)
               if n.prompt_id in ("moved-forward", "eng-shipped")]
    [message] = [m for m in fake.messages(nudge.channel) if m["ts"] == nudge.ts]
    slack.click(messages.EFFORT_ACTIONS[choice], str(nudge.id), user=user,
                channel=nudge.channel, message_ts=nudge.ts, message=message)


def chart_alt(fake, channel: str) -> str:
    [upload] = [c for c in fake.calls_to("files.completeUploadExternal")
                if c.args["channel_id"] == channel]
    file_id = upload.args["files"][0]["id"]
    [asked] = [c for c in fake.calls_to("files.getUploadURLExternal")
               if c.response and c.response.get("file_id") == file_id]
    return asked.args["alt_txt"]


# ── one person, two teams ────────────────────────────────────────────────────


def test_someone_in_two_teams_is_asked_once_and_is_in_both_digests_each_with_its_own_people(
        slack, fake, hw, clock, settle):
    two_teams(slack, fake, hw, clock)
    assert "`engineering`" in ask(slack, fake, "prompts engineering", "ULEAD", PLAT)
    period = answer_the_week(slack, fake, hw, clock, settle, utc(2026, 11, 13),
                             {"UANA": ANA, "UBEN": BEN, "UBOTH": BOTH})
    assert period == "2026-W46"

    # Asked once: the same two questions as anyone in one team, each once.
    nudged = fake.dms_with_event(["UANA", "UBEN", "UBOTH"], messages.NUDGE_EVENT)
    assert nudged == {"UANA": 2, "UBEN": 2, "UBOTH": 2}
    asked = [(n.prompt_id, n.period) for n in hw.store.nudges.of(T, "UBOTH")]
    assert len(asked) == len(set(asked)) == 2
    # …from the pack of the first team Bo joined (Platform's), as the README says.
    assert ("eng-shipped", period) in asked
    assert ("moved-forward", period) in [(n.prompt_id, n.period)
                                         for n in hw.store.nudges.of(T, "UBEN")]

    clock.now = utc(2026, 11, 16, 9, 0)  # Monday: both teams' digests of W46
    assert tick(hw).digests_posted == 2
    plat, supp = digest_post(fake, PLAT), digest_post(fake, SUPP)
    assert BOTH in plat and BOTH in supp
    assert ANA in plat and BEN not in plat
    assert BEN in supp and ANA not in supp
    assert "Platform" in plat and "Support" in supp
    assert "2 of 2* members replied" in plat and "2 of 2* members replied" in supp


# ── who may ──────────────────────────────────────────────────────────────────


def test_someone_who_is_not_an_admin_cannot_create_a_team(slack, fake, hw, clock):
    two_teams(slack, fake, hw, clock)
    answer = ask(slack, fake, "team create Sales", "UOUT", "C0SALES")
    assert "Only workspace admins and owners" in answer
    assert hw.store.teams.named(T, "Sales") is None
    assert [t.name for t in hw.store.teams.of(T)] == ["Platform", "Support"]
    assert not [c for c in fake.calls_to("conversations.join")
                if c.args.get("channel") == "C0SALES"]


def test_a_lead_manages_their_team_without_being_an_admin_and_is_refused_another(
        slack, fake, hw, clock, settle):
    two_teams(slack, fake, hw, clock)  # ULEAD added Ana and Bo to Platform there
    # Slack says the lead is no admin: an admin's own command is refused to them.
    assert "Only workspace admins" in ask(slack, fake, "team create Ops", "ULEAD", "C0OPS")
    assert hw.store.teams.named(T, "Ops") is None

    # In Platform's channel the lead need not name it; elsewhere `for Platform` does.
    assert "*Platform*'s digest now posts Mon at 10:00 (UTC)" in ask(
        slack, fake, "digest time mon 10:00", "ULEAD", PLAT)
    assert "now aims for 40% progress" in ask(slack, fake, "target 40% for Platform", "ULEAD")
    assert "prompt pack is now `engineering`" in ask(slack, fake, "prompts engineering",
                                                     "ULEAD", PLAT)
    plat = team(hw, "Platform")
    assert (plat.digest_time, plat.target, plat.pack) == (time(10, 0), 0.4, "engineering")

    # Support is not theirs: refused, the answer names Support's leads, nothing changes.
    for text, channel in [("target 50% for Support", "C0GENERAL"),
                          ("digest time tue 08:00", SUPP),
                          (f"team add {at('UNEW')} to Support", "C0GENERAL"),
                          (f"team remove {at('UBEN')} from Support", "C0GENERAL"),
                          ("prompts engineering for Support", "C0GENERAL")]:
        answer = ask(slack, fake, text, "ULEAD", channel)
        assert "Only the leads of *Support* (<@ULEAD2>)" in answer, text
    supp = team(hw, "Support")
    assert (supp.target, supp.digest_time, supp.pack) == (None, time(9, 0), "default")
    assert hw.store.teams.member_ids(supp.id) == ["UBEN", "UBOTH"]
    assert hw.store.members.get(T, "UNEW") is None

    # The digest time the lead set is the one the scheduler keeps.
    answer_the_week(slack, fake, hw, clock, settle, utc(2026, 11, 13), {"UANA": ANA})
    clock.now = utc(2026, 11, 16, 9, 0)
    assert tick(hw).digests_posted == 1  # Support's
    assert digest_post(fake, SUPP) and not [
        c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == PLAT]
    clock.now = utc(2026, 11, 16, 10, 0)
    assert tick(hw).digests_posted == 1
    assert ANA in digest_post(fake, PLAT)


# ── the target ───────────────────────────────────────────────────────────────


def test_a_target_puts_the_quarter_to_date_in_that_teams_digest_and_calls_out_three_weeks_under(
        slack, fake, hw, clock, settle):
    two_teams(slack, fake, hw, clock, when=utc(2026, 10, 27, 10))  # Tuesday of 2026-W44
    assert "now aims for 40% progress" in ask(slack, fake, "target 40%", "ULEAD", PLAT)
    # Two weeks of firefighting for Ana (answers stored as a DM reply stores them)…
    for day, text in [(30, "Restarted the billing export job again after it hung"),
                      (6, "Patched the expired TLS certificate on the gateway")]:
        clock.now = utc(2026, 10 if day == 30 else 11, day, 16)
        record_answer(hw, T, "UANA", text, source="dm")
    # …and a third, through Slack, with one progress item in three.
    period = answer_the_week(slack, fake, hw, clock, settle, utc(2026, 11, 13), {
        "UANA": "Fixed the flaky login alert again\nAnswered customer support tickets all "
                "week\n" + ANA,
        "UBEN": BEN})
    clock.now = utc(2026, 11, 16, 9, 0)
    assert tick(hw).digests_posted == 2

    plat = digest_post(fake, PLAT)
    # W44 0%, W45 0%, W46 33%: 1 progress item of 5 in the quarter so far
    assert "Quarter to date (2026-Q4): `▓▓░░░░░░░░ 20%` against a 40% target — 20 pts under" \
        in plat
    assert "Under the 40% target 3 weeks running* (W44 0% · W45 0% · W46 33%)" in plat
    assert "the team's target, 40%, is the dashed line" in chart_alt(fake, PLAT)
    assert "2026-Q4 so far: 2026-W40: no data" in chart_alt(fake, PLAT)
    assert period in chart_alt(fake, PLAT)

    supp = digest_post(fake, SUPP)  # no target: not a word about one
    assert BEN in supp  # canary: this is Support's digest
    assert "target" not in supp.lower() and "Quarter to date" not in supp
    assert "target" not in chart_alt(fake, SUPP)


# ── listing, joining, stats ──────────────────────────────────────────────────


def test_teams_lists_both_and_stats_team_shows_thirteen_weeks(slack, fake, hw, clock, settle):
    two_teams(slack, fake, hw, clock)
    ask(slack, fake, "target 40%", "ULEAD", PLAT)
    answer_the_week(slack, fake, hw, clock, settle, utc(2026, 11, 13),
                    {"UANA": ANA, "UBOTH": "Restarted the billing export job again"})
    listed = ask(slack, fake, "teams", "UOUT")
    assert "*2 teams*" in listed
    assert "*Platform* — <#C0PLAT>, 2 members" in listed and "target 40% progress" in listed
    assert "*Support* — <#C0SUPP>, 2 members" in listed and "no target" in listed
    assert "leads <@ULEAD>" in listed and "leads <@ULEAD2>" in listed

    stats = ask(slack, fake, "stats team Platform", "UOUT")
    weeks = [line for line in stats.splitlines() if line.startswith("`20")]
    assert len(weeks) == 13
    assert weeks[0].startswith("`2026-W34`") and weeks[-1].startswith("`2026-W46`")
    assert "50%" in weeks[-1]  # Ana's progress and Bo's firefight
    assert "target 40% progress" in stats
    # Run in Support's channel without a name, it is Support's.
    support = ask(slack, fake, "stats team", "UOUT", SUPP)
    assert support.startswith("*Support: progress share*") and "no target" in support


def test_join_with_several_teams_and_no_name_lists_the_teams_and_changes_nothing(
        slack, fake, hw, clock):
    two_teams(slack, fake, hw, clock)
    answer = ask(slack, fake, "join", "UNEW")
    assert "This workspace has 2 teams" in answer
    assert "*Platform*" in answer and "*Support*" in answer
    assert hw.store.members.get(T, "UNEW") is None
    assert hw.store.teams.of_member(T, "UNEW") == []
    # canary: naming the team does enrol
    assert "You're in *Support*!" in ask(slack, fake, "join Support", "UNEW")
    assert [t.name for t in hw.store.teams.of_member(T, "UNEW")] == ["Support"]
    # Someone back in a team's channel joins that team, and is told so (not greeted as it).
    assert "Welcome back, now in *Platform* (your teams: *Support*, *Platform*)" in ask(
        slack, fake, "join", "UNEW", PLAT)


# ── moving someone ───────────────────────────────────────────────────────────


def test_moving_someone_to_another_team_leaves_the_old_teams_past_weeks_as_they_were(
        slack, fake, hw, clock, settle):
    two_teams(slack, fake, hw, clock)
    answer_the_week(slack, fake, hw, clock, settle, utc(2026, 11, 13),
                    {"UANA": ANA, "UBEN": BEN, "UBOTH": BOTH})
    tap_effort(slack, fake, hw, "UANA", "half")  # her W46 effort answer, in Platform's week
    wait_for(lambda: hw.store.efforts.get(T, "UANA", "2026-W46") == "half",
             what="Ana's effort answer")
    settle()
    clock.now = utc(2026, 11, 16, 9, 0)
    assert tick(hw).digests_posted == 2
    plat, supp = team(hw, "Platform"), team(hw, "Support")
    before = render_digest_blocks(build(hw, plat, "2026-W46"))
    assert ANA in json.dumps(before.blocks)
    assert "UANA" in [a.user_id for a in load_input(hw, plat, "2026-W46").effort]

    clock.now = utc(2026, 11, 17, 10)  # Tuesday of W47: Ana moves to Support
    assert "Removed 1 member from *Platform*" in ask(
        slack, fake, f"team remove {at('UANA')} from Platform", "ULEAD")
    assert "Added 1 member to *Support*" in ask(
        slack, fake, f"team add {at('UANA')} to Support", "ULEAD2")

    # Platform's W46 is as it was posted; Support's W46 did not gain her, nor her effort.
    assert render_digest_blocks(build(hw, plat, "2026-W46")) == before
    assert "UANA" in [a.user_id for a in load_input(hw, plat, "2026-W46").effort]
    assert ANA not in json.dumps(render_digest_blocks(build(hw, supp, "2026-W46")).blocks)
    assert "UANA" not in [a.user_id for a in load_input(hw, supp, "2026-W46").effort]
    clock.now = utc(2026, 11, 17, 10, 30)
    tick(hw)
    # the posted digests were not touched
    assert not [c for c in fake.calls_to("chat.update") if c.args["channel"] in (PLAT, SUPP)]

    # From W47 on she counts in Support, asked once as before.
    moved = "Closed the support backlog audit"
    answer_the_week(slack, fake, hw, clock, settle, utc(2026, 11, 20), {"UANA": moved})
    assert fake.dms_with_event(["UANA"], messages.NUDGE_EVENT)["UANA"] == 4  # 2 a week
    w47_supp = build(hw, supp, "2026-W47")
    w47_plat = build(hw, plat, "2026-W47")
    assert moved in json.dumps(render_digest_blocks(w47_supp).blocks)
    assert moved not in json.dumps(render_digest_blocks(w47_plat).blocks)
    assert (w47_supp.members, w47_plat.members) == (3, 1)


def test_taking_someone_out_of_their_only_team_leaves_its_past_weeks_as_they_were(
        slack, fake, hw, clock, settle):
    two_teams(slack, fake, hw, clock)
    answer_the_week(slack, fake, hw, clock, settle, utc(2026, 11, 13), {"UBOTH": BOTH})
    plat = team(hw, "Platform")
    before = build(hw, plat, "2026-W46")
    assert (before.participants, before.members) == (1, 2)  # Ana did not answer

    clock.now = utc(2026, 11, 17, 10)  # W47: Ana leaves Platform, her only team
    answer = ask(slack, fake, f"team remove {at('UANA')} from Platform", "ULEAD")
    assert "1 person in no other team gets no more questions" in answer
    assert not hw.store.members.get(T, "UANA").active
    after = build(hw, plat, "2026-W46")
    assert (after.participants, after.members) == (1, 2)  # she was in it that week
    assert build(hw, plat, "2026-W47").members == 1  # and is not from this week on


# ── `headway nudge --now --team` ─────────────────────────────────────────────


def test_nudge_now_with_a_team_asks_only_its_people_and_someone_in_two_teams_once(
        slack, fake, hw, clock, env, capsys):
    two_teams(slack, fake, hw, clock)
    people = ["UANA", "UBEN", "UBOTH"]
    assert main(["nudge", "--now", "--team", "support"]) == 0  # any case
    assert "sent 2" in capsys.readouterr().out
    assert fake.dms_with_event(people, messages.NUDGE_EVENT) == {"UBEN": 1, "UBOTH": 1}

    assert main(["nudge", "--now", "--team", "Platform"]) == 0
    out = capsys.readouterr().out
    assert "sent 1" in out and "already sent 1" in out  # Bo was asked already
    assert fake.dms_with_event(people, messages.NUDGE_EVENT) == {
        "UANA": 1, "UBEN": 1, "UBOTH": 1}


def test_nudge_now_with_a_team_that_cannot_be_asked_says_why_in_one_line(
        slack, fake, hw, clock, env, capsys):
    two_teams(slack, fake, hw, clock)
    assert "Team *Ops* created" in ask(slack, fake, "team create Ops", "UADMIN", "D0ADMIN")
    for argv, said in [
        (["--team", "Sales"], "There is no team called Sales. The teams are Ops, Platform, "
                              "Support."),
        (["--team", "Ops"], "team Ops has nobody to ask yet: add people with `/headway "
                            "team add @people to Ops`"),
        (["--team", "Platform", "--user", "UBEN"], "UBEN is not in team Platform"),
    ]:
        assert main(["nudge", "--now", *argv]) == 2, argv
        err = capsys.readouterr().err
        assert said in err and len(err.strip().splitlines()) == 1, err
    assert fake.dms_with_event(PEOPLE, messages.NUDGE_EVENT) == {}  # nothing was sent
    # canary: with a team and one of its people, exactly that one is asked
    assert main(["nudge", "--now", "--team", "Platform", "--user", "UANA"]) == 0
    assert fake.dms_with_event(PEOPLE, messages.NUDGE_EVENT) == {"UANA": 1}


# ── from one team per workspace (schema m007) ────────────────────────────────


def test_a_one_team_workspace_from_before_teams_becomes_one_team_with_its_people_and_history(
        settings, clock, tmp_path):
    """A database at m007 (the last schema before teams): a digest channel with its
    schedule, four members (one who left), three weeks of answers, a posted digest."""
    path = tmp_path / "old.db"
    db = Database(sqlite3.connect(path))
    migrations.apply(db, stop_before="m008_teams")
    assert [m.name for m in migrations.applied(db)][-1] == "m007_workspace_id"
    now = utc(2026, 11, 9, 9).isoformat()
    db.execute("INSERT INTO workspaces (workspace_id, name, digest_channel, digest_day, "
               "digest_time, tz, pack, created_at) VALUES (?, 'Acme', 'C0DIGEST', 1, '10:30', "
               "'Europe/Berlin', 'default', ?)", [T, now])
    people = {"U1": ("Ada", 1), "U2": ("Bea", 1), "U3": ("Cy", 1), "U4": ("Di", 0)}
    for uid, (name, active) in people.items():
        db.execute("INSERT INTO members (workspace_id, user_id, name, tz, active, joined_at, "
                   "updated_at) VALUES (?, ?, ?, 'Europe/Berlin', ?, ?, ?)",
                   [T, uid, name, active, now, now])
    answers = [  # (period, user, text, label)
        ("2026-W44", "U1", "Shipped the export API", "progress"),
        ("2026-W44", "U4", "Restarted the queue again", "ktlo"),
        ("2026-W45", "U2", "Answered support tickets", "ktlo"),
        ("2026-W45", "U3", "Prototyped the pricing page", "progress"),
        ("2026-W45", "U3", "Patched the gateway", "ktlo"),
        ("2026-W46", "U1", "Launched the partner portal", "progress"),
    ]
    for reply_id, (period, uid, text, label) in enumerate(answers, start=1):
        db.execute("INSERT INTO replies (id, workspace_id, user_id, prompt_id, kind, period, "
                   "text, source, created_at) VALUES (?, ?, ?, 'moved-forward', 'work', ?, ?, "
                   "'dm', ?)", [reply_id, T, uid, period, text, now])
        db.execute("INSERT INTO items (workspace_id, reply_id, position, text, kind, label) "
                   "VALUES (?, ?, 0, ?, 'work', ?)", [T, reply_id, text, label])
    db.execute("INSERT INTO digests (workspace_id, channel, period, status, ts, thread_ts, "
               "claimed_at, posted_at) VALUES (?, 'C0DIGEST', '2026-W45', 'posted', '5.0', "
               "'[]', ?, ?)", [T, now, now])
    db.conn.commit()
    db.conn.close()

    store = Store.open(path)  # upgrades, as `serve` and `headway migrate` do
    try:
        [one] = store.teams.of(T)
        assert (one.name, one.digest_channel, one.digest_day, one.digest_time, one.tz,
                one.pack, one.target) == ("Acme", "C0DIGEST", 1, time(10, 30),
                                          "Europe/Berlin", "default", None)
        assert store.teams.member_ids(one.id, active_only=False) == ["U1", "U2", "U3", "U4"]
        assert store.teams.member_ids(one.id) == ["U1", "U2", "U3"]  # Di had left
        assert store.digests.get(T, "C0DIGEST", "2026-W45").team_id == one.id
        assert store.digests.latest_posted(T, "C0DIGEST").ts == "5.0"

        clock.now = utc(2026, 11, 17, 10)  # W47: the next digest
        hw = Headway(settings=settings, store=store, packs=load_packs(), clock=clock)
        record_answer(hw, T, "U2", "Shipped the onboarding emails", source="dm")
        digest = build(hw, one, "2026-W47")
        assert (digest.participants, digest.members) == (1, 3)  # everyone still active
        assert digest.trend == (("2026-W43", None), ("2026-W44", 0.5), ("2026-W45", 1 / 3),
                                ("2026-W46", 1.0))
        # The quarter so far counts the old weeks too: 3 progress items of 5, and this week's.
        assert dict(digest.quarter_weeks)["2026-W44"] == 0.5
        assert digest.share == 1.0 and digest.quarter_share == 4 / 7
        assert "Shipped the onboarding emails" in json.dumps(
            render_digest_blocks(digest).blocks)
    finally:
        store.close()


def test_an_admin_renames_a_team_and_deletes_one_whose_people_in_no_other_team_stop(
        slack, fake, hw, clock):
    two_teams(slack, fake, hw, clock)
    assert "Only workspace admins" in ask(slack, fake, "team rename Core", "ULEAD", PLAT)
    assert "*Platform* is now *Ready to Ship*" in ask(
        slack, fake, "team rename Ready to Ship", "UADMIN", PLAT)  # in its channel
    assert "*Support* is now *Customer Care*" in ask(
        slack, fake, "team rename support to Customer Care", "UADMIN")
    assert "already a team called Customer Care" in ask(
        slack, fake, "team rename Ready to Ship to customer care", "UADMIN")
    assert sorted(t.name for t in hw.store.teams.of(T)) == ["Customer Care", "Ready to Ship"]

    care = team(hw, "Customer Care")
    claim = hw.store.digests.claim(T, SUPP, "2026-W46", clock.now, team_id=care.id)
    hw.store.digests.mark_posted(claim.id, "1.0", [], clock.now)
    assert "Name the team" in ask(slack, fake, "team delete", "UADMIN", SUPP)
    answer = ask(slack, fake, "team delete Customer Care", "UADMIN")
    assert "Deleted the team *Customer Care* (2 members)" in answer
    assert "1 person was in no other team" in answer
    assert [t.name for t in hw.store.teams.of(T)] == ["Ready to Ship"]
    assert not hw.store.members.get(T, "UBEN").active  # Support only: no longer asked
    assert hw.store.members.get(T, "UBOTH").active  # still in Ready to Ship
    assert hw.store.digests.get(T, SUPP, "2026-W46").team_id is None  # the record stays

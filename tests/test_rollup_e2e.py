"""The leaders' rollup end to end: `/headway rollup here|time|preview` through signed
requests, members answering by DM, and scheduler ticks at injected times posting the
teams' digests and then the rollup — once per (channel, period), updated when a late
answer changes a team's figures, naming no one's items."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

from conftest import answer_to, wait_for

from bot.core.model import Member
from bot.core.periods import FIRST_YEAR, format_period
from bot.scheduler import post_rollups, tick

TEAM = "T0001"
LEADS, PLATFORM, DESIGN = "C0LEADS", "C0PLAT", "C0DESIGN"
SINCE_EVER = format_period(FIRST_YEAR, 1)
# Platform: four people; Design: SAM (also in Platform) and three more.
PLATFORM_PEOPLE = ("UP1", "UP2", "UP3", "USAM")
DESIGN_PEOPLE = ("USAM", "UD1", "UD2", "UD3")
ANSWERS = {
    "UP1": "Shipped the export API\nOn call: restarted the queue",
    "UP2": "Prototyped the pricing page",
    "UP3": "Answered support tickets\nAutomated the invoice run",
    "USAM": "Redesigned the onboarding flow",
    "UD1": "Ran a usability test with six customers",
}
LATE = ("UD2", "Fixed typos reported by support\nDrew the new settings page")
NAMES = {"UP1": "Priya", "UP2": "Pablo", "UP3": "Petra", "USAM": "Sam", "UD1": "Dana",
         "UD2": "Dmitri", "UD3": "Dora"}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def posts_to(fake, channel):
    return [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == channel]


def updates_to(fake, channel):
    return [c for c in fake.calls_to("chat.update") if c.args["channel"] == channel]


def charts(fake):
    return [c for c in fake.calls_to("files.completeUploadExternal")
            if c.args["channel_id"] == LEADS]


def rollup_calls(fake):
    """Everything Headway sent to the rollup channel (and its chart's upload), as text."""
    return json.dumps([c.args for c in fake.calls if LEADS in (c.args.get("channel"),
                                                               c.args.get("channel_id"))
                       or str(c.args.get("filename", "")).startswith("headway-rollup")],
                      ensure_ascii=False)


def two_teams(hw, clock, fake):
    """Platform and Design, each with its digest channel (Monday 09:00 UTC), SAM in both;
    everyone asked on Fridays at 15:00 UTC."""
    hw.store.workspaces.ensure(TEAM, clock.now, "Acme")
    people = dict.fromkeys((*PLATFORM_PEOPLE, *DESIGN_PEOPLE))
    for uid in people:
        fake.add_user(uid, tz="UTC")
        hw.store.members.upsert(Member(TEAM, uid, tz="UTC", days=(4,), nudge_time=time(15),
                                       name=NAMES[uid]), clock.now)
    for name, channel, who in (("Platform", PLATFORM, PLATFORM_PEOPLE),
                               ("Design", DESIGN, DESIGN_PEOPLE)):
        team = hw.store.teams.create(TEAM, name, clock.now, digest_channel=channel, tz="UTC")
        for uid in who:
            hw.store.teams.add_member(TEAM, team.id, uid, SINCE_EVER, clock.now)


def share_of(hw, name: str) -> int:
    """The team's W47 progress share as its digest counts it, in whole percent."""
    team = hw.store.teams.named(TEAM, name)
    [week] = hw.store.replies.week_shares(TEAM, ["2026-W47"], team_id=team.id)
    assert week.progress and week.ktlo  # canary: both kinds of item, a share to compare
    return round(week.share * 100)


def answer_by_dm(slack, hw, settle, answers):
    before = hw.store.replies.count(TEAM, "2026-W47")
    for uid, text in answers.items():
        slack.dm(text, user=uid)
    wait_for(lambda: hw.store.replies.count(TEAM, "2026-W47") == before + len(answers),
             what="the answers stored")
    settle()  # their listeners are done before the clock moves on


def test_rollup_here_is_for_admins_and_sets_the_channel_and_its_time(slack, fake, hw, clock):
    clock.now = utc(2026, 11, 20, 12, 0)
    fake.add_user("UADMIN", tz="Europe/Berlin", is_admin=True)
    fake.add_user("UP1", tz="UTC")
    refused = answer_to(fake, slack.command("rollup here", user="UP1", channel=LEADS))
    assert "Only workspace admins" in refused
    assert hw.store.workspaces.get(TEAM).rollup_channel is None
    refused = answer_to(fake, slack.command("rollup preview", user="UP1", channel=LEADS))
    assert "Only workspace admins" in refused

    answer = answer_to(fake, slack.command("rollup here", user="UADMIN", channel=LEADS))
    assert "This channel now gets the leaders' weekly rollup, Mon at 10:00 (Europe/Berlin)" \
        in answer
    workspace = hw.store.workspaces.get(TEAM)
    assert (workspace.rollup_channel, workspace.tz) == (LEADS, "Europe/Berlin")

    answer = answer_to(fake, slack.command("rollup time tue 11:30", user="UADMIN",
                                           channel="C0ELSE"))
    assert f"now posts Tue at 11:30 (Europe/Berlin), to <#{LEADS}>" in answer
    workspace = hw.store.workspaces.get(TEAM)
    assert (workspace.rollup_day, workspace.rollup_time) == (1, time(11, 30))
    assert "The rollup is the whole workspace's" in answer_to(
        fake, slack.command("rollup time mon 10:00 for Platform", user="UADMIN"))
    # A DM or a private channel Headway is not in: refused in the rollup's words, as
    # `digest here` refuses them; the channel stays.
    fake.add_channel("G0SECRET", is_private=True, bot_is_member=False)
    private = answer_to(fake, slack.command("rollup here", user="UADMIN", channel="G0SECRET"))
    assert private == ("Headway isn't in this private channel, so it couldn't post the "
                       "leaders' rollup here. Type `/invite @Headway` in this channel, then "
                       "run `/headway rollup here` again.")
    dm = answer_to(fake, slack.command("rollup here", user="UADMIN",
                                       channel=fake.dm_channel("UADMIN")))
    assert "can't receive the leaders' rollup" in dm and "`/headway rollup here`" in dm
    assert hw.store.workspaces.get(TEAM).rollup_channel == LEADS


def test_the_rollup_posts_once_after_the_digests_and_follows_a_late_answer(
        slack, fake, hw, clock, settle):
    clock.now = utc(2026, 11, 20, 14, 0)
    two_teams(hw, clock, fake)
    fake.add_user("UADMIN", tz="UTC", is_owner=True)
    assert "leaders' weekly rollup" in answer_to(
        fake, slack.command("rollup here", user="UADMIN", channel=LEADS))
    clock.now = utc(2026, 11, 20, 15, 0)  # Friday: everyone gets this week's questions
    tick(hw)
    answer_by_dm(slack, hw, settle, ANSWERS)

    clock.now = utc(2026, 11, 23, 9, 0)  # Monday 09:00: the teams' digests, not the rollup
    result = tick(hw)
    assert result.digests_posted == 2
    assert posts_to(fake, LEADS) == []
    clock.now = utc(2026, 11, 23, 10, 0)  # 10:00: the rollup, after the digests
    tick(hw)
    [post] = posts_to(fake, LEADS)
    digests = posts_to(fake, PLATFORM) + posts_to(fake, DESIGN)
    assert all(d.at < post.at for d in digests) and len(digests) == 2
    text = json.dumps(post.args["blocks"], ensure_ascii=False)
    assert "Headway rollup · acme · 2026-W47" in text
    # The team's share is the one its own digest computes from the same items.
    assert f"*Platform* · 4 of 4 replied · progress {share_of(hw, 'Platform')}%" in text
    # Design: SAM and UD1 answered: participation only, whatever they wrote.
    assert "*Design* · 2 of 4 replied · _fewer than 3 answers: no figures this week_" in text
    # SAM counts once in the workspace: 5 of 7 people, the shown team's 4 people's items.
    assert "5 of 7 people replied" in text and "items of 4 people" in text
    [chart] = charts(fake)
    assert chart.args["thread_ts"] == post.response["ts"]
    [asked] = [c for c in fake.calls_to("files.getUploadURLExternal")
               if c.args["filename"] == "headway-rollup-2026-W47.png"]
    assert "Platform: " in asked.args["alt_txt"] and "Design" not in asked.args["alt_txt"]

    # Later ticks the same morning: nothing changed, nothing sent.
    for minutes in (1, 30):
        clock.now = utc(2026, 11, 23, 10, minutes)
        tick(hw)
    assert len(posts_to(fake, LEADS)) == 1 and updates_to(fake, LEADS) == []

    # Tuesday: UD2 answers last week's question; Design now has 3 answers and figures.
    clock.now = utc(2026, 11, 24, 10, 0)
    answer_by_dm(slack, hw, settle, dict([LATE]))
    clock.advance(minutes=1)
    tick(hw)
    updates = updates_to(fake, LEADS)
    assert [u.args["ts"] for u in updates] == [post.response["ts"]]
    updated = json.dumps(updates[0].args["blocks"], ensure_ascii=False)
    assert f"*Design* · 3 of 4 replied · progress {share_of(hw, 'Design')}%" in updated
    assert "6 of 7 people replied" in updated and "items of 6 people" in updated
    assert len(posts_to(fake, LEADS)) == 1, "updated, never posted twice"
    assert len(charts(fake)) == 1

    # Nobody's items reach the leaders' channel, before or after the update.
    sent = rollup_calls(fake)
    assert "Design" in sent and "Platform" in sent and "alt_txt" in sent  # canary
    for line in [*"\n".join([*ANSWERS.values(), LATE[1]]).splitlines()]:
        assert line.split(": ")[-1] not in sent, line
    for name in NAMES.values():  # nor anybody's name
        assert name not in sent, name


def test_the_rollup_slack_refuses_is_tried_again_after_a_backoff_not_every_tick(
        slack, fake, hw, clock, settle):
    clock.now = utc(2026, 11, 20, 14, 0)
    two_teams(hw, clock, fake)
    hw.store.workspaces.update(TEAM, rollup_channel=LEADS)
    fake.fail("chat.postMessage", "not_in_channel", times=None,
              when=lambda args: args.get("channel") == LEADS)
    clock.now = utc(2026, 11, 23, 10, 0)
    tick(hw)
    tries = lambda: [c for c in fake.calls_to("chat.postMessage")  # noqa: E731
                     if c.args["channel"] == LEADS]
    assert len(tries()) == 1 and not tries()[0].ok
    clock.now = utc(2026, 11, 23, 10, 0, 30)  # within the first minute's backoff
    tick(hw)
    assert len(tries()) == 1
    assert hw.store.rollups.get(TEAM, LEADS, "2026-W47") is None  # the claim was released
    fake.reset_faults()
    clock.now = utc(2026, 11, 23, 10, 2)
    tick(hw)
    assert [c.ok for c in tries()] == [False, True]
    assert hw.store.rollups.get(TEAM, LEADS, "2026-W47").ts == tries()[1].response["ts"]


def test_rollup_preview_shows_an_admin_the_week_so_far_only_to_them(slack, fake, hw, clock,
                                                                   settle):
    clock.now = utc(2026, 11, 20, 14, 0)
    two_teams(hw, clock, fake)
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    clock.now = utc(2026, 11, 20, 15, 0)
    tick(hw)
    answer_by_dm(slack, hw, settle, ANSWERS)
    resp = slack.command("rollup preview", user="UADMIN", channel="C0ANY")
    preview = fake.wait_for_response(resp.response_url).args
    blocks = json.dumps(preview["blocks"], ensure_ascii=False)
    assert "Headway rollup · acme · 2026-W47" in blocks and "*Platform* · 4 of 4" in blocks
    assert "only you see this" in blocks
    assert preview.get("response_type", "ephemeral") == "ephemeral"
    assert posts_to(fake, "C0ANY") == [] and posts_to(fake, LEADS) == []


def test_a_workspace_without_teams_posts_no_rollup_at_its_time(fake, hw, clock):
    clock.now = utc(2026, 11, 23, 10, 0)  # Monday 10:00: the rollup's default time
    hw.store.workspaces.ensure(TEAM, clock.now)
    hw.store.workspaces.update(TEAM, rollup_channel=LEADS, tz="UTC")
    assert post_rollups(hw) == (0, 0)
    assert not [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == LEADS]
    hw.store.teams.create(TEAM, "Platform", clock.now, digest_channel="C0PLAT")
    hw.store.workspaces.update(TEAM, rollup_time=time(10, 0))  # looked at again next tick
    assert post_rollups(hw) == (1, 0)  # canary: with a team, the same tick posts it

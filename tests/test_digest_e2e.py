"""The digest leaders act on, end to end: the trend chart, late replies, the follow-up."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime, time

from conftest import wait_for
from fakeslack import DEFAULT_SCOPES
from teams_setup import digest_team

from bot.core.chart import HEIGHT, WIDTH, trend_png
from bot.core.model import Member, PromptPack
from bot.replies import record_answer
from bot.scheduler import tick

TEAM, DIGEST = "T0001", "C0DIGEST"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def setup_team(hw, clock, fake, users=("U1",)) -> None:
    hw.store.workspaces.ensure(TEAM, clock.now, "Acme")
    for uid in users:
        fake.add_user(uid, tz="UTC")
        hw.store.members.upsert(Member(TEAM, uid, tz="UTC", days=(4,), nudge_time=time(15)),
                                clock.now)
    digest_team(hw, TEAM, DIGEST, tz="UTC", digest_day=0, digest_time=time(9))


def channel_posts(fake):
    return [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == DIGEST]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# ── the trend chart ──────────────────────────────────────────────────────────


def digest_after_three_weeks(fake, hw, clock):
    """The W47 digest posted on Monday 9:00 after three weeks with work items, so the
    chart has a trend to draw: returns the channel post."""
    clock.now = utc(2026, 11, 1)
    setup_team(hw, clock, fake)
    for day, text in [(6, "Shipped the export API\nOn call: restarted the queue again"),
                      (13, "Prototyped the pricing page\nAutomated the invoice run"),
                      (20, "Launched the partner portal\nAnswered support tickets")]:
        clock.now = utc(2026, 11, day, 16, 0)
        record_answer(hw, TEAM, "U1", text, source="dm")
    clock.now = utc(2026, 11, 23, 9, 0)
    assert tick(hw).digests_posted == 1
    [post] = channel_posts(fake)
    return post


def test_the_digest_thread_gets_a_png_trend_chart_when_the_app_may_upload(fake, hw, clock):
    post = digest_after_three_weeks(fake, hw, clock)
    uploads = fake.calls_to("files.completeUploadExternal")
    assert len(uploads) == 1
    assert uploads[0].args["channel_id"] == DIGEST
    assert uploads[0].args["thread_ts"] == fake.messages(DIGEST)[0]["ts"]
    file_id = uploads[0].args["files"][0]["id"]
    png = fake.file_content(file_id)
    width, height = png_size(png)
    assert height == HEIGHT and width > WIDTH  # the quarter's 14 weeks widen it
    asked = fake.calls_to("files.getUploadURLExternal")[0].args
    assert "2026-W47" in asked["filename"] and "50%" in asked["alt_txt"]
    # It spans 2026-Q4 from its first week, the weeks before any answer included.
    assert "2026-Q4 so far: 2026-W40: no data" in asked["alt_txt"]
    # A late reply updates the text; the picture is not uploaded again.
    clock.now = utc(2026, 11, 22, 20, 0)  # a late W47 answer, recorded on Sunday
    record_answer(hw, TEAM, "U1", "Ran the quarterly access review", source="dm")
    clock.now = utc(2026, 11, 23, 9, 20)
    tick(hw)
    assert len(fake.calls_to("chat.update")) >= 1
    assert len(fake.calls_to("files.completeUploadExternal")) == 1
    assert post.args["channel"] == DIGEST


def test_without_files_write_the_digest_is_text_only_and_nothing_fails(fake, hw, clock):
    fake.set_scopes(DEFAULT_SCOPES - {"files:write"})
    post = digest_after_three_weeks(fake, hw, clock)
    assert "█" in str(post.args["blocks"]) or "%" in post.args["text"]  # the text bar
    # The scopes header said no files:write, so no upload was even tried.
    assert fake.calls_to("files.getUploadURLExternal") == []


def test_the_chart_draws_a_bar_per_week_with_data_and_none_for_a_gap():
    png = trend_png([("2026-W44", 0.2), ("2026-W45", None), ("2026-W46", 0.8)])
    assert png_size(png) == (WIDTH, HEIGHT)
    # Decode our own filter-0 rows and count the darker "this week" green.
    idat = b"".join(
        png[i + 8:i + 8 + struct.unpack(">I", png[i:i + 4])[0]]
        for i in _chunks(png, b"IDAT"))
    raw = zlib.decompress(idat)
    stride = WIDTH * 3 + 1
    rows = [raw[y * stride + 1:(y + 1) * stride] for y in range(HEIGHT)]
    now_green = bytes((30, 150, 80))
    columns = {x for row in rows for x in range(WIDTH) if row[x * 3:x * 3 + 3] == now_green}
    assert columns and min(columns) > WIDTH * 2 // 3  # only the last week's bar is dark
    tall = sum(1 for row in rows if now_green in row)
    low = trend_png([("2026-W46", 0.2)])
    assert tall > 0 and low != png


def _chunks(png: bytes, kind: bytes):
    i = 8
    while i < len(png):
        length = struct.unpack(">I", png[i:i + 4])[0]
        if png[i + 4:i + 8] == kind:
            yield i
        i += 12 + length


# ── late replies ─────────────────────────────────────────────────────────────


def test_a_late_dm_reply_updates_the_posted_digest_once_batched(slack, fake, hw, clock, settle):
    clock.now = utc(2026, 11, 20, 14, 0)
    setup_team(hw, clock, fake, users=("U1", "U2"))
    clock.now = utc(2026, 11, 20, 15, 0)  # Friday: both get this week's questions
    tick(hw)
    slack.dm("Shipped the self-serve refunds flow", user="U2")
    wait_for(lambda: hw.store.replies.count(TEAM, "2026-W47") == 1, what="U2's reply")
    settle()  # the DM's listener has finished before the clock moves on
    clock.now = utc(2026, 11, 23, 9, 0)  # Monday: the W47 digest
    assert tick(hw).digests_posted == 1
    assert "Shipped the self-serve refunds flow" in str(channel_posts(fake)[0].args["blocks"])

    # Tuesday, past the digest's own 12 h window: U1 answers last week's question.
    clock.now = utc(2026, 11, 24, 10, 0)
    slack.dm("Rebuilt the flaky deploy pipeline for good", user="U1")
    wait_for(lambda: hw.store.replies.count(TEAM, "2026-W47") == 2, what="U1's late reply")
    settle()
    clock.advance(minutes=1)
    assert tick(hw).digests_updated == 1
    main_ts = fake.messages(DIGEST)[0]["ts"]
    [update] = [c for c in fake.calls_to("chat.update") if c.args["ts"] == main_ts]
    assert update.args["channel"] == DIGEST
    assert "Rebuilt the flaky deploy pipeline" in str(update.args["blocks"])
    assert "2 of 2" in update.args["text"] or "2 of 2" in str(update.args["blocks"])
    assert len(channel_posts(fake)) == 1, "updated, never posted again"

    # Nothing new: no update. Something new within 15 minutes: waits, then one update.
    clock.advance(minutes=1)
    assert tick(hw).digests_updated == 0
    record_answer(hw, TEAM, "U1", "Wrote the on-call handbook", source="dm")
    clock.advance(minutes=5)
    assert tick(hw).digests_updated == 0
    clock.advance(minutes=15)
    assert tick(hw).digests_updated == 1
    assert len([c for c in fake.calls_to("chat.update") if c.args["ts"] == main_ts]) == 2
    assert len(channel_posts(fake)) == 1


# ── the agenda follow-up ─────────────────────────────────────────────────────

ANSWERS = {
    "problem": ["The release checklist keeps getting skipped <!here>",
                "release checklist skipped again before the launch",
                "Onboarding docs are out of date"],
    "opportunity": ["A partner API could open the EU market", "Partner API for the EU market",
                    "Sell the reporting add-on to schools"],
}


def test_next_weeks_agenda_nudges_follow_up_on_what_the_team_named(fake, hw, clock):
    default = hw.pack_for(None)
    pack = PromptPack("agenda", "work + the two agenda questions", tuple(
        p for p in default.prompts if p.id in (default.work_prompt.id, "problem", "opportunity")))
    hw.packs["agenda"] = pack
    clock.now = utc(2026, 11, 13, 14, 0)
    setup_team(hw, clock, fake, users=("U1", "U2", "U3", "U4"))
    hw.store.teams.update(TEAM, hw.store.teams.of(TEAM)[0].id, pack="agenda")
    clock.now = utc(2026, 11, 13, 15, 0)  # Friday W46
    tick(hw)
    asked: dict[str, list[str]] = {"problem": [], "opportunity": []}
    for call in fake.calls_to("chat.postMessage"):
        payload = call.args["metadata"]["event_payload"]
        kind = pack.get(payload["prompt_id"]).kind
        if kind in asked:
            text = ANSWERS[kind][len(asked[kind]) % 3]
            asked[kind].append(text)
            record_answer(hw, TEAM, call.args["channel"], text, source="modal",
                          nudge_id=payload["nudge_id"])
    seen = len(fake.calls_to("chat.postMessage"))

    clock.now = utc(2026, 11, 20, 15, 0)  # Friday W47
    tick(hw)
    followed = 0
    for call in fake.calls_to("chat.postMessage")[seen:]:
        payload = call.args["metadata"]["event_payload"]
        kind = pack.get(payload["prompt_id"]).kind
        blocks = str(call.args["blocks"])
        if kind not in asked:
            assert "Last week the team named" not in blocks
        elif asked[kind]:
            followed += 1
            assert "Last week the team named" in blocks
            assert "&lt;!here&gt;" in blocks or "<!here>" not in blocks
            top = asked[kind][0].split(" <!")[0]
            assert top[:20].replace("<", "&lt;") in blocks
        else:
            assert "Last week the team named" not in blocks
    assert followed >= 1


def test_the_follow_up_picks_what_most_people_named_and_counts_them():
    from bot.core.digest import agenda_follow_up
    from bot.core.model import Reply

    def reply(user, kind, text):
        return Reply(id=0, workspace_id=TEAM, user_id=user, prompt_id=kind, kind=kind,
                     period="2026-W46", text=text, anonymous=False, author_name=user)

    last_week = [reply("U1", "problem", "Onboarding docs are out of date"),
                 reply("U2", "problem", "The release checklist keeps getting skipped"),
                 reply("U3", "problem", "release checklist skipped before every launch"),
                 reply("U4", "opportunity", "Partner API for the EU")]
    line = agenda_follow_up("problem", last_week)
    assert line == ("Last week the team named “The release checklist keeps getting skipped” "
                    "as a problem to fix (2 people) — did we move on it?")
    assert "Partner API" in agenda_follow_up("opportunity", last_week)
    assert agenda_follow_up("reflection", last_week) is None
    assert agenda_follow_up("problem", []) is None


def test_app_home_shows_my_own_share_for_each_of_the_last_8_weeks(slack, fake, hw, clock,
                                                                  settle):
    clock.now = utc(2026, 9, 1)
    setup_team(hw, clock, fake, users=("U1", "U2"))
    # U1: W45 all progress, W46 half, W47 all KTLO; U2's items must not count for U1.
    for day, text in [(6, "Shipped the export API\nPrototyped the pricing page"),
                      (13, "Automated the invoice run\nOn call: restarted the queue again"),
                      (20, "Answered support tickets\nWeekly status meeting")]:
        clock.now = utc(2026, 11, day, 16, 0)
        record_answer(hw, TEAM, "U1", text, source="dm")
        record_answer(hw, TEAM, "U2", "Launched the partner portal", source="dm")
    clock.now = utc(2026, 11, 21, 10, 0)
    before = len(fake.calls_to("views.publish"))
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    settle()  # the event's listener is done: its publish is the one after `before`
    [home] = fake.calls_to("views.publish")[before:]
    assert home.ok and home.args["user_id"] == "U1"
    view = home.args["view"]
    text = str(view)
    weeks = [f"2026-W{n}" for n in range(40, 48)]
    assert all(w in text for w in weeks), "one line per week, 8 weeks"
    assert "2026-W39" not in text
    shares = {w: hw.store.replies.week_shares(TEAM, [w], user_id="U1")[0].share for w in weeks[-3:]}
    assert shares == {"2026-W45": 1.0, "2026-W46": 0.5, "2026-W47": 0.0}
    for week, share in shares.items():
        assert f"`{week}` " in text and f"{round(share * 100)}%" in text

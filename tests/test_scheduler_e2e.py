"""The scheduler's tick through the fake Slack: local times, the ledger, the weekly digest."""

from __future__ import annotations

from datetime import UTC, datetime, time

from teams_setup import digest_team

from bot.core.model import Member
from bot.locks import SchedulerLock
from bot.replies import record_answer
from bot.scheduler import tick


def dms(fake, user):
    return [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == user]


def test_members_are_nudged_at_their_own_local_time_once(fake, hw, clock):
    hw.store.workspaces.ensure("T0001", clock.now, "Acme")
    fake.add_user("UIN", tz="Asia/Kolkata")
    fake.add_user("UNY", tz="America/New_York")
    # Friday 20 Nov 2026, 15:00 local: 09:30 UTC in Kolkata, 20:00 UTC in New York
    hw.store.members.upsert(Member("T0001", "UIN", tz="Asia/Kolkata", days=(4,),
                                   nudge_time=time(15)), clock.now)
    hw.store.members.upsert(Member("T0001", "UNY", tz="America/New_York", days=(4,),
                                   nudge_time=time(15)), clock.now)
    clock.now = datetime(2026, 11, 20, 9, 29, tzinfo=UTC)
    tick(hw)
    assert fake.calls_to("chat.postMessage") == []

    clock.now = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    result = tick(hw)
    kinds = [c.args["metadata"]["event_payload"]["prompt_id"] for c in dms(fake, "UIN")]
    assert len(kinds) == 2 and kinds[-1] == "moved-forward"  # one rotating question + work
    assert dms(fake, "UNY") == []
    assert len(result.nudges.sent) == 2

    clock.advance(minutes=1)
    tick(hw)
    assert len(dms(fake, "UIN")) == 2  # the ledger: nothing twice

    clock.now = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)
    tick(hw)
    assert len(dms(fake, "UNY")) == 2


def test_a_member_slack_cannot_reach_is_deactivated_and_the_fanout_goes_on(fake, hw, clock):
    hw.store.workspaces.ensure("T0001", clock.now)
    for uid in ("UA", "UGONE", "UB"):
        fake.add_user(uid, tz="UTC")
        hw.store.members.upsert(Member("T0001", uid, tz="UTC", days=(4,), nudge_time=time(9)),
                                clock.now)
    fake.fail("chat.postMessage", error="account_inactive", times=99,
              when=lambda args: args.get("channel") == "UGONE")
    clock.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    result = tick(hw)
    assert len(dms(fake, "UA")) == 2 and len(dms(fake, "UB")) == 2
    gone = hw.store.members.get("T0001", "UGONE")
    assert not gone.active and gone.inactive_reason == "account_inactive"
    assert len(result.nudges.deactivated) == 1
    clock.advance(minutes=1)
    tick(hw)
    assert len([c for c in fake.calls_to("chat.postMessage")
                if c.args.get("channel") == "UGONE"]) == 1  # not retried forever


def test_429_is_honoured_and_the_nudge_still_goes_out_once(fake, hw, clock):
    hw.store.workspaces.ensure("T0001", clock.now)
    fake.add_user("U1", tz="UTC")
    hw.store.members.upsert(Member("T0001", "U1", tz="UTC", days=(4,), nudge_time=time(9)),
                            clock.now)
    fake.inject_429("chat.postMessage", retry_after=1, times=1)
    clock.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    tick(hw)
    assert len([c for c in dms(fake, "U1") if c.ok]) == 2
    assert fake.stats.ratelimited == 1


def test_the_weekly_digest_posts_once_and_late_replies_update_it(fake, hw, clock):
    clock.now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    hw.store.workspaces.ensure("T0001", clock.now, "Acme")
    hw.store.members.upsert(Member("T0001", "U1", tz="UTC", days=(4,), nudge_time=time(15)),
                            clock.now)
    digest_team(hw, "T0001", "C0DIGEST", tz="UTC", digest_day=0, digest_time=time(9))
    record_answer(hw, "T0001", "U1", "Launched the partner portal", source="dm")

    clock.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday: reviews 2026-W47
    assert tick(hw).digests_posted == 1
    posts = [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C0DIGEST"]
    assert len(posts) == 1 and "Launched the partner portal" in str(posts[0].args["blocks"])

    clock.advance(minutes=1)
    assert tick(hw).digests_posted == 0 and not fake.calls_to("chat.update")

    clock.now = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # a late W47 answer
    record_answer(hw, "T0001", "U1", "Fixed the outage again", source="dm")
    clock.now = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)
    assert tick(hw).digests_updated == 1
    [update] = fake.calls_to("chat.update")
    assert "Fixed the outage again" in str(update.args["blocks"])
    assert len([c for c in fake.calls_to("chat.postMessage")
                if c.args["channel"] == "C0DIGEST"]) == 1


def test_only_one_scheduler_per_database(tmp_path):
    first, second = SchedulerLock(tmp_path / "h.db"), SchedulerLock(tmp_path / "h.db")
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_a_plain_dm_reply_goes_to_the_newest_open_nudge_the_work_question_first(fake, hw,
                                                                                  clock):
    fake.add_user("U1", tz="UTC")
    hw.store.workspaces.ensure("T0001", clock.now)
    hw.store.members.upsert(Member("T0001", "U1", tz="UTC", days=(4,), nudge_time=time(9)),
                            clock.now)
    clock.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    tick(hw)
    first = record_answer(hw, "T0001", "U1", "- Launched X\n- Fixed Y again", source="dm")
    assert first.prompt.kind == "work" and len(first.reply.items) == 2
    second = record_answer(hw, "T0001", "U1", "Billing export keeps hanging", source="dm")
    assert second.prompt.kind != "work" and second.reply.period == "2026-W47"
    assert {n.status for n in hw.store.nudges.of("T0001", "U1")} == {"answered"}


def test_a_digest_claim_left_by_a_crashed_run_is_taken_over_later(fake, hw, clock):
    from bot.digests import DigestError, post_digest

    clock.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    hw.store.workspaces.ensure("T0001", clock.now)
    team = digest_team(hw, "T0001", "C0DIGEST")
    hw.store.digests.claim("T0001", "C0DIGEST", "2026-W47", clock.now)  # then the crash
    try:
        post_digest(hw, team, "2026-W47")
        raise AssertionError("a fresh claim belongs to the run that made it")
    except DigestError as exc:
        assert "another run" in str(exc)
    clock.advance(minutes=11)
    assert post_digest(hw, team, "2026-W47").action == "posted"
    assert len(fake.calls_to("chat.postMessage")) == 1


def _crash_after_claim(fake, hw, clock, *, delivered: bool):
    """Leave the ledger as a process killed mid-send would: claimed, maybe delivered."""
    from bot.core import messages

    fake.add_user("U1", tz="UTC")
    hw.store.workspaces.ensure("T0001", clock.now)
    hw.store.members.upsert(Member("T0001", "U1", tz="UTC", days=(4,), nudge_time=time(9)),
                            clock.now)
    clock.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    pack = hw.packs["default"]
    claims = []
    for prompt in (pack.get("problem"), pack.work_prompt):
        claim = hw.store.nudges.claim("T0001", "U1", prompt.id, "2026-W47", clock.now)
        claims.append(claim)
        if delivered:
            msg = messages.nudge_message(prompt, "2026-W47", claim.id, "T0001", "U1")
            hw.client_for("T0001").chat_postMessage(channel="U1", text=msg.text,
                                                    blocks=msg.blocks, metadata=msg.metadata)
    return claims


def test_a_claim_that_reached_slack_before_the_crash_is_not_sent_again(fake, hw, clock):
    claims = _crash_after_claim(fake, hw, clock, delivered=True)
    clock.advance(minutes=3)
    result = tick(hw)
    assert result.nudges.recovered == 2
    assert len(dms(fake, "U1")) == 2  # the two from before the crash, nothing more
    assert {hw.store.nudges.get(c.id).status for c in claims} == {"sent"}


def test_a_claim_that_never_reached_slack_is_sent_once_after_the_restart(fake, hw, clock):
    _crash_after_claim(fake, hw, clock, delivered=False)
    clock.advance(minutes=3)
    tick(hw)
    sent = dms(fake, "U1")
    assert len(sent) == 2
    tick(hw)
    assert len(dms(fake, "U1")) == 2
    assert {n.status for n in hw.store.nudges.of("T0001", "U1")} == {"sent"}

"""Permissions and privacy through Slack's wire format: admins, team export, anonymous
answers, private reflections, forget me (every table), retention."""

from __future__ import annotations

import json
from datetime import timedelta

from conftest import answer_to, wait_for

from bot.cli import main
from bot.core.model import Reply
from bot.core.periods import period_of
from bot.scheduler import tick

T = "T0001"


def _answer(slack, fake, text: str, user: str, **kw) -> str:
    """Send a command; its answer (inside the ack, or through its own response_url)."""
    return answer_to(fake, slack.command(text, user=user, **kw))


def _enrol_and_answer(slack, fake, hw, user: str, text: str) -> None:
    # Its own answer, not "the member exists": a second join finds the member already there.
    assert "Headway will DM you" in _answer(slack, fake, "join", user)
    assert main(["nudge", "--now", "--user", user]) == 0
    slack.dm(text, user=user)
    wait_for(lambda: any(r.text == text for r in hw.store.replies.of(T, user_id=user)),
             what=f"{text!r} stored")


def _reflection(hw, user: str, text: str) -> Reply:
    member = hw.store.members.get(T, user)
    return hw.store.replies.add(
        Reply(workspace_id=T, user_id=user, prompt_id="values", kind="reflection",
              period=period_of(hw.now(), member.tz), text=text, anonymous=member.anonymous),
        source="dm", now=hw.now())


# ── admins ───────────────────────────────────────────────────────────────────


def test_named_admins_may_use_admin_commands_and_everyone_else_is_refused(slack, fake, hw):
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    fake.add_user("U2", tz="UTC", name="bob")
    fake.add_user("U3", tz="UTC", name="cy")

    refused = _answer(slack, fake, "retention 12", "U2")
    assert "Only workspace admins and owners and the Headway admins they named (none yet)" \
        in refused
    assert hw.store.workspaces.get(T).retention_months is None

    added = _answer(slack, fake, "admins add <@U2|bob>", "UADMIN")
    assert "Added <@U2>" in added
    assert hw.store.admins.of(T) == ["U2"]

    assert "older than 12 months" in _answer(slack, fake, "retention 12", "U2")
    assert hw.store.workspaces.get(T).retention_months == 12

    # A named admin cannot name more admins: only Slack's admins widen the circle.
    widen = _answer(slack, fake, "admins add <@U3|cy>", "U2")
    assert widen.startswith("Only workspace admins and owners can do that")
    assert hw.store.admins.of(T) == ["U2"]

    assert "<@U2>" in _answer(slack, fake, "admins", "U3")  # anyone may see who they are

    assert "Removed <@U2>" in _answer(slack, fake, "admins remove <@U2>", "UADMIN")
    again = _answer(slack, fake, "retention off", "U2")
    assert "(none yet)" in again and hw.store.workspaces.get(T).retention_months == 12

    assert "not a @mention" in _answer(slack, fake, "admins add bob", "UADMIN")


def test_admins_add_names_only_people_slack_knows_here(slack, fake, hw):
    """Found by the property tests: `admins add <@UEVIL1>` stored an id nobody has and
    answered with a mention of it. Like `team add`, it asks Slack (users.info) first."""
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    fake.add_user("U2", tz="UTC", name="bob")
    fake.add_user("UGONE", tz="UTC", deleted=True)
    fake.add_user("UROBOT", tz="UTC", is_bot=True)
    fake.forbid("<@UNOBODY", "<@UGONE", "<@UROBOT")  # refused, not mentioned back

    for who in ("UNOBODY", "UGONE", "UROBOT"):
        refused = _answer(slack, fake, f"admins add <@U2|bob> <@{who}>", "UADMIN")
        assert refused.startswith("Nothing changed: Slack has no active person"), refused
        assert f"`{who}`" in refused and "U2" not in refused
        assert hw.store.admins.of(T) == []  # not even the one who exists
    asked = {c.args["user"] for c in fake.calls_to("users.info")}
    assert {"UNOBODY", "UGONE", "UROBOT", "U2"} <= asked  # Slack was asked about each

    assert "Added <@U2>" in _answer(slack, fake, "admins add <@U2|bob>", "UADMIN")
    assert hw.store.admins.of(T) == ["U2"]
    # Removing needs no lookup: an id that is not an admin changes nothing, and says so.
    assert "were not Headway admins" in _answer(slack, fake, "admins remove <@UNOBODY>",
                                                "UADMIN")


def test_owners_are_admins_too(slack, fake, hw):
    fake.add_user("UOWNER", tz="UTC", is_owner=True)
    assert "Retention off" in _answer(slack, fake, "retention off", "UOWNER")


# ── anonymous, reflections, team export ──────────────────────────────────────


def _team_with_answers(slack, fake, hw):
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    fake.add_user("U1", tz="UTC", name="anonymous-ada")
    fake.add_user("U2", tz="UTC", name="named-bob")
    assert "You're in" in _answer(slack, fake, "join", "U1")
    assert "Anonymous on" in slack.command("anonymous on", user="U1").json()["text"]
    _enrol_and_answer(slack, fake, hw, "U1", "Shipped the quiet refactor of billing")
    _enrol_and_answer(slack, fake, hw, "U2", "Launched the partner pilot in Spain")
    _reflection(hw, "U1", "SECRET-REFLECTION-ONE I doubt my manager")
    _reflection(hw, "U2", "SECRET-REFLECTION-TWO I want a new role")


def test_digest_shows_anonymous_text_without_a_name_and_never_reflections(slack, fake, hw,
                                                                         env):
    _team_with_answers(slack, fake, hw)
    assert "weekly digest" in _answer(slack, fake, "digest here", "UADMIN", channel="C0DIGEST")
    assert main(["digest", "--post"]) == 0
    posted = json.dumps([c.args for c in fake.calls_to("chat.postMessage")
                         if c.args["channel"] == "C0DIGEST"])
    assert "Shipped the quiet refactor of billing" in posted
    assert "Launched the partner pilot in Spain" in posted
    assert "anonymous-ada" not in posted and "U1" not in posted
    assert "SECRET-REFLECTION" not in posted
    # nor in anything else the bot sent anywhere but to the author's own DM
    for call in fake.calls:
        if "SECRET-REFLECTION-ONE" in json.dumps(call.args):
            assert call.args.get("channel") in ("U1", fake.dm_channel("U1")), call.method


def test_admin_team_export_hides_anonymous_authors_and_leaves_reflections_out(slack, fake,
                                                                             hw, env):
    _team_with_answers(slack, fake, hw)

    refused = _answer(slack, fake, "export team", "U2")
    assert "Only workspace admins" in refused
    assert not fake.calls_to("files.completeUploadExternal")

    assert "Sent: 2 answers" in _answer(slack, fake, "export team", "UADMIN")
    [done] = fake.calls_to("files.completeUploadExternal")
    assert done.args["channel_id"] == fake.dm_channel("UADMIN")
    files = {f["title"]: fake.file_content(f["id"]).decode() for f in done.args["files"]}
    data = json.loads(files["Headway team export (JSON)"])
    by_text = {r["text"]: r for r in data["replies"]}
    assert by_text["Shipped the quiet refactor of billing"]["author"] is None
    assert by_text["Launched the partner pilot in Spain"]["author"] == "U2"
    for content in files.values():
        assert "SECRET-REFLECTION" not in content
        assert "U1" not in content and "anonymous-ada" not in content
    assert "Launched the partner pilot in Spain" in files["Headway team export (CSV)"]


def test_my_own_export_has_my_reflections_and_nobody_elses(slack, fake, hw, env):
    _team_with_answers(slack, fake, hw)
    assert "JSON and CSV" in _answer(slack, fake, "export", "U1")
    [done] = fake.calls_to("files.completeUploadExternal")
    assert done.args["channel_id"] == fake.dm_channel("U1")
    content = "".join(fake.file_content(f["id"]).decode() for f in done.args["files"])
    assert "SECRET-REFLECTION-ONE" in content and "Shipped the quiet refactor" in content
    assert "SECRET-REFLECTION-TWO" not in content and "partner pilot" not in content


# ── forget me ────────────────────────────────────────────────────────────────


def _rows_of(hw, user: str) -> dict[str, int]:
    q = {
        "members": "SELECT count(*) n FROM members WHERE workspace_id = ? AND user_id = ?",
        "nudges": "SELECT count(*) n FROM nudges WHERE workspace_id = ? AND user_id = ?",
        "replies": "SELECT count(*) n FROM replies WHERE workspace_id = ? AND user_id = ?",
        "items": "SELECT count(*) n FROM items i JOIN replies r ON r.id = i.reply_id "
                 "WHERE r.workspace_id = ? AND r.user_id = ?",
        "corrections": "SELECT count(*) n FROM corrections WHERE workspace_id = ? AND user_id = ?",
        "skips": "SELECT count(*) n FROM skips WHERE workspace_id = ? AND user_id = ?",
        "headway_admins": "SELECT count(*) n FROM headway_admins WHERE workspace_id = ? "
                          "AND user_id = ?",
    }
    return {t: next(hw.store.db.query(sql, [T, user]))["n"] for t, sql in q.items()}


def _flip_first_label(slack, fake, hw, user: str) -> None:
    """Click the first fix button of `user`'s one confirmation DM (each test answers once)."""
    confirm = fake.wait_for_call(
        "chat.postMessage", lambda c: c.args.get("channel") in (user, fake.dm_channel(user))
        and "Stored your answer" in c.args.get("text", ""), what=f"{user}'s confirmation")
    button = next(e for b in confirm.args["blocks"] if b["type"] == "actions"
                  for e in b["elements"] if e["action_id"].startswith("label_"))
    before = _rows_of(hw, user)["corrections"]
    slack.click(button["action_id"], button["value"], user=user,
                channel=confirm.response["channel"], message_ts=confirm.response["ts"])
    wait_for(lambda: _rows_of(hw, user)["corrections"] > before, what="correction stored")


def test_forget_me_deletes_every_row_of_mine_and_none_of_anyone_elses(slack, fake, hw, env):
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    for user in ("U1", "U2"):
        fake.add_user(user, tz="UTC")
        _enrol_and_answer(slack, fake, hw, user, "- Shipped the importer\n- Fixed the outage")
        _flip_first_label(slack, fake, hw, user)
        slack.command("skip", user=user)
    _answer(slack, fake, "admins add <@U1>", "UADMIN")
    mine, theirs = _rows_of(hw, "U1"), _rows_of(hw, "U2")
    assert all(n >= 1 for n in mine.values()), mine

    ask = _answer(slack, fake, "forget me", "U1")
    assert "Delete everything" in ask
    assert _rows_of(hw, "U1") == mine, "nothing is deleted before the confirmation"
    slack.click("forget_confirm", "yes", user="U1", channel="D1", message_ts="1.0")
    wait_for(lambda: _rows_of(hw, "U1")["members"] == 0, what="forgotten")
    assert _rows_of(hw, "U1") == dict.fromkeys(mine, 0)
    assert _rows_of(hw, "U2") == theirs


def test_forget_me_cancel_keeps_everything(slack, fake, hw, env):
    fake.add_user("U1", tz="UTC")
    _enrol_and_answer(slack, fake, hw, "U1", "Shipped the importer")
    before = _rows_of(hw, "U1")
    _answer(slack, fake, "forget me", "U1")
    click = slack.click("forget_cancel", "no", user="U1", channel="D1", message_ts="1.0")
    kept = fake.wait_for_response(click.response_url)
    assert kept.args["text"].startswith("Kept: nothing was deleted")
    assert _rows_of(hw, "U1") == before


# ── retention ────────────────────────────────────────────────────────────────


def test_retention_purges_replies_older_than_n_months_on_the_scheduler_tick(
    slack, fake, hw, clock, env
):
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    fake.add_user("U1", tz="UTC")
    _enrol_and_answer(slack, fake, hw, "U1", "- Old work from long ago\n- More old work")
    _flip_first_label(slack, fake, hw, "U1")
    clock.advance(days=200)
    recent = hw.store.replies.add(
        Reply(workspace_id=T, user_id="U1", prompt_id="work", kind="work",
              period=period_of(hw.now(), "UTC"), text="Recent work"),
        source="dm", now=hw.now())
    clock.advance(days=200)  # the old reply is ~13 months old, the recent one ~6.5

    assert tick(hw).replies_purged == 0, "no retention set: nothing is purged"
    assert "older than 12 months" in _answer(slack, fake, "retention 12", "UADMIN")
    assert tick(hw).replies_purged == 1
    left = hw.store.replies.of(T)
    assert [r.id for r in left] == [recent.id]
    assert _rows_of(hw, "U1")["corrections"] == 0  # the old item's correction went with it
    assert next(hw.store.db.query("SELECT count(*) n FROM items"))["n"] == 0
    assert tick(hw).replies_purged == 0

    assert "Retention off" in _answer(slack, fake, "retention off", "UADMIN")
    clock.advance(days=3650)
    assert tick(hw).replies_purged == 0 and len(hw.store.replies.of(T)) == 1
    assert "not a number of months" in _answer(slack, fake, "retention forever", "UADMIN")


def test_retention_cutoff_is_calendar_months():
    from datetime import UTC, datetime

    from bot.core.retention import retention_cutoff

    now = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    assert retention_cutoff(now, 12) == datetime(2025, 3, 31, 12, 0, tzinfo=UTC)
    assert retention_cutoff(now, 1) == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    assert retention_cutoff(now, 3) - now < -timedelta(days=89)

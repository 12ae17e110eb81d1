"""Text as Slack sends it, end to end: signed requests in Slack's wire format into the real
Bolt app, Web API calls out to the fake Slack, a real SQLite file in between.

Slack escapes `&`, `<` and `>` in message and slash-command text and writes mentions and
links as `<@U…>`, `<#C…|name>`, `<!here>`, `<url|label>`; modal input comes raw. Headway
stores what the person typed and escapes it exactly once wherever it shows it again.

Fixture shapes (see each builder): message events after bolt-python
tests/scenario_tests/test_message.py (`message_body`), with rich_text elements as in
python-slack-sdk tests/slack_sdk/models/test_blocks.py; slash commands after bolt-python
tests/scenario_tests/test_slash_command.py (`slash_command_body`, via SlackDriver.command);
view submissions after bolt-python tests/scenario_tests/test_view_submission.py;
app_home_opened after bolt-python tests/scenario_tests/test_events_org_apps.py; user_change
after the example payload in Slack's event reference (docs.slack.dev/reference/events/user_change).
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import answer_to, wait_for
from teams_setup import digest_channel

from bot.core import messages
from bot.core.periods import period_of
from bot.digests import post_digest

TEAM, DIGEST = "T0001", "C0DIGEST"
TYPED = "Migrated R&D to the new CI & cut build time to <10 min"
WIRE = "Migrated R&amp;D to the new CI &amp; cut build time to &lt;10 min"
SHOWN = WIRE  # escaped exactly once for mrkdwn: Slack displays TYPED


# ── Slack's payloads ─────────────────────────────────────────────────────────


def message_event(fake, user: str, text: str, elements: list[dict[str, Any]] | None = None
                  ) -> dict[str, Any]:
    """A DM to the bot as the Events API delivers it. Shape: bolt-python
    tests/scenario_tests/test_message.py `message_body["event"]`, in an IM (`channel_type`
    "im", a D… channel). `text` is the escaped wire text; the rich_text block carries the
    same message as elements (python-slack-sdk tests/slack_sdk/models/test_blocks.py), whose
    text Slack does not escape."""
    ts = f"{time.time():.6f}"
    return {
        "client_msg_id": str(uuid.uuid4()),
        "type": "message",
        "text": text,
        "user": user,
        "ts": ts,
        "team": TEAM,
        "blocks": [{"type": "rich_text", "block_id": "ezJ", "elements": [
            {"type": "rich_text_section", "elements": elements or [{"type": "text",
                                                                    "text": text}]}]}],
        "channel": fake.dm_channel(user, TEAM),
        "event_ts": ts,
        "channel_type": "im",
    }


def user_change(user_id: str, display_name: str, real_name: str) -> dict[str, Any]:
    """Shape: the `user_change` example payload in Slack's event reference."""
    return {
        "type": "user_change",
        "user": {
            "id": user_id, "team_id": TEAM, "name": user_id.lower(), "deleted": False,
            "color": "4bbe2e", "real_name": real_name, "tz": "UTC", "tz_label": "UTC",
            "tz_offset": 0,
            "profile": {"title": "", "phone": "", "skype": "", "real_name": real_name,
                        "real_name_normalized": real_name, "display_name": display_name,
                        "display_name_normalized": display_name, "fields": {},
                        "status_text": "", "status_emoji": "", "first_name": real_name,
                        "last_name": ""},
            "is_admin": False, "is_owner": False, "is_bot": False, "updated": int(time.time()),
        },
        "cache_ts": int(time.time()),
        "event_ts": f"{time.time():.6f}",
    }


def home_opened(fake, user: str) -> dict[str, Any]:
    """Shape: bolt-python tests/scenario_tests/test_events_org_apps.py `app_home_opened`."""
    return {"type": "app_home_opened", "user": user, "channel": fake.dm_channel(user, TEAM),
            "tab": "home", "event_ts": f"{time.time():.6f}"}


# ── helpers ──────────────────────────────────────────────────────────────────


def mrkdwn(blocks: list[dict[str, Any]]) -> list[str]:
    """Every mrkdwn string in a list of blocks (section text and context elements)."""
    out = []
    for b in blocks:
        if b.get("text", {}).get("type") == "mrkdwn":
            out.append(b["text"]["text"])
        out += [e["text"] for e in b.get("elements", []) if e.get("type") == "mrkdwn"]
    return out


def enrol(slack, fake, user: str, name: str) -> None:
    fake.add_user(user, tz="UTC", name=name)
    # The answer to this very `join` (its own response_url): an earlier command's answer
    # arriving late must not pass for it, or the DM that follows could beat the enrolment.
    assert "You're in" in answer_to(fake, slack.command("join", user=user))


def confirmations(fake, user: str) -> list[Any]:
    return [c for c in fake.calls_to("chat.postMessage")
            if c.args.get("channel") in (fake.dm_channel(user, TEAM), user)
            and "Stored your answer" in c.args.get("text", "")]


def answer_by_dm(slack, fake, user: str, wire: str, elements=None) -> Any:
    n = len(confirmations(fake, user))
    assert slack.event(message_event(fake, user, wire, elements)).status == 200
    return wait_for(lambda: len(c := confirmations(fake, user)) > n and c[-1],
                    what=f"confirmation to {user}")


def digest_lines(fake, hw, clock) -> list[str]:
    """Post this week's digest (as the scheduler does) and return its mrkdwn."""
    n = len([c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == DIGEST])
    post_digest(hw, hw.store.teams.of(TEAM)[0], period_of(clock.now, "UTC"))
    posts = [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == DIGEST]
    assert len(posts) == n + 1
    return mrkdwn(posts[-1].args["blocks"])


@pytest.fixture
def team(slack, fake, hw, clock):
    """A workspace whose admin named the digest channel; clock on a Wednesday."""
    clock.now = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    fake.add_user("UADMIN", tz="UTC", is_owner=True)
    assert slack.command("digest here", user="UADMIN", channel=DIGEST).status == 200
    wait_for(lambda: digest_channel(hw, TEAM), what="digest channel set")
    return TEAM


# ── decoded on the way in, escaped once on the way out ──────────────────────


def test_an_escaped_dm_is_stored_as_typed_as_one_item_and_shown_escaped_once(
    team, slack, fake, hw, clock
):
    enrol(slack, fake, "U1", "ana")
    confirm = answer_by_dm(slack, fake, "U1", WIRE, [{"type": "text", "text": TYPED}])

    [reply] = hw.store.replies.of(TEAM, user_id="U1")
    assert reply.text == TYPED
    assert [i.text for i in reply.items] == [TYPED]
    assert reply.items[0].label in ("progress", "ktlo")

    shown = mrkdwn(confirm.args["blocks"])
    assert sum(t.count(SHOWN) for t in shown) == 1, shown  # one item, labelled once
    assert ":white_check_mark: Stored your answer for week 2026-W47 (1 item)." in shown
    assert not any("&amp;amp;" in t or "&amp;lt;" in t for t in shown)

    lines = digest_lines(fake, hw, clock)
    assert any(f"• {SHOWN} — _ana_" in t for t in lines), lines
    assert not any("&amp;amp;" in t for t in lines)


def test_the_same_answer_reads_once_escaped_in_app_home_history_and_the_export(
    team, slack, fake, hw
):
    enrol(slack, fake, "U1", "ana")
    answer_by_dm(slack, fake, "U1", WIRE)

    assert slack.event(home_opened(fake, "U1")).status == 200
    home = wait_for(lambda: [c for c in fake.calls_to("views.publish")
                             if c.args["user_id"] == "U1"], what="App Home")[-1]
    texts = mrkdwn(home.args["view"]["blocks"])
    assert any(t.endswith(f"\n{SHOWN}") for t in texts), texts

    history = slack.command("history", user="U1").json()["text"]
    assert f"• {SHOWN} — _" in history and "&amp;amp;" not in history

    assert slack.command("export", user="U1").status == 200
    done = wait_for(lambda: fake.calls_to("files.completeUploadExternal"), what="export")[0]
    files = {f["title"]: fake.file_content(f["id"]).decode() for f in done.args["files"]}
    data = json.loads(files["Headway export (JSON)"])
    assert data["replies"][0]["text"] == TYPED  # the file holds what was typed
    rows = list(csv.reader(io.StringIO(files["Headway export (CSV)"])))
    assert rows[1][3] == TYPED


def test_a_modal_answer_arrives_raw_and_is_not_decoded(team, slack, fake, hw):
    enrol(slack, fake, "U1", "ana")
    typed = "R&amp;D is literally what I typed & <10 min"
    values = {messages.ANSWER_BLOCK: {messages.ANSWER_INPUT: {"type": "plain_text_input",
                                                              "value": typed}}}
    assert slack.submit_view(messages.ANSWER_VIEW, values, "", user="U1").status == 200
    confirm = wait_for(lambda: confirmations(fake, "U1"), what="confirmation")[0]
    assert hw.store.replies.of(TEAM, user_id="U1")[0].text == typed
    assert any("R&amp;amp;D is literally what I typed &amp; &lt;10 min" in t
               for t in mrkdwn(confirm.args["blocks"]))


# ── mentions and links ───────────────────────────────────────────────────────


def test_mentions_and_links_read_as_names_and_labels_and_are_never_live(
    team, slack, fake, hw, clock
):
    bot = "UBOT"  # the fake's bot user in the default workspace
    fake.forbid("<@U2", "<!here", "<#C0OPS", f"<@{bot}")
    enrol(slack, fake, "U1", "ana")
    enrol(slack, fake, "U2", "bo")
    wire = ("hi <@UBOT>!\n"
            "Paired with <@U2> on <https://github.com/acme/api/pull/812|PR 812 &amp; docs> "
            "in <#C0OPS|ops>; told <!here>\n"
            "<@U2>")
    confirm = answer_by_dm(slack, fake, "U1", wire, [
        {"type": "text", "text": "hi "}, {"type": "user", "user_id": bot},
        {"type": "text", "text": "!\nPaired with "}, {"type": "user", "user_id": "U2"},
        {"type": "text", "text": " on "},
        {"type": "link", "url": "https://github.com/acme/api/pull/812", "text": "PR 812 & docs"},
        {"type": "text", "text": " in "}, {"type": "channel", "channel_id": "C0OPS"},
        {"type": "text", "text": "; told "}, {"type": "broadcast", "range": "here"},
        {"type": "text", "text": "\n"}, {"type": "user", "user_id": "U2"},
    ])

    [reply] = hw.store.replies.of(TEAM, user_id="U1")
    assert reply.text == wire  # nothing to decode outside the references: kept as sent
    # The greeting and the lone mention are not work items; the work line is one item.
    assert [i.text for i in reply.items] == [
        "Paired with <@U2> on <https://github.com/acme/api/pull/812|PR 812 &amp; docs> "
        "in <#C0OPS|ops>; told <!here>"]

    readable = ("Paired with @bo on <https://github.com/acme/api/pull/812|PR 812 &amp; docs> "
                "in #ops; told @here")
    assert any(t.endswith(readable) for t in mrkdwn(confirm.args["blocks"]))
    assert any(f"• {readable} — _ana_" in t for t in digest_lines(fake, hw, clock))
    # (the fake also fails the test at teardown if any call carried a live reference)


# ── a renamed member ─────────────────────────────────────────────────────────


def test_a_renamed_member_shows_under_the_new_name_in_the_next_digest(
    team, slack, fake, hw, clock
):
    enrol(slack, fake, "U1", "ana")
    enrol(slack, fake, "U2", "bo")
    answer_by_dm(slack, fake, "U1", "Shipped the export API")
    answer_by_dm(slack, fake, "U2", "Paired with <@U1> on the billing dashboard")
    before = digest_lines(fake, hw, clock)
    assert any("Shipped the export API — _ana_" in t for t in before)
    assert any("Paired with @ana on the billing dashboard — _bo_" in t for t in before)

    assert slack.event(user_change("U1", "Ana Lima", "Ana Lima")).status == 200
    wait_for(lambda: hw.store.members.get(TEAM, "U1").name == "Ana Lima", what="renamed")

    clock.now += timedelta(days=7)
    answer_by_dm(slack, fake, "U1", "Launched the partner portal")
    answer_by_dm(slack, fake, "U2", "Reviewed the roadmap with <@U1>")
    after = digest_lines(fake, hw, clock)
    assert any("Launched the partner portal — _Ana Lima_" in t for t in after), after
    assert any("Reviewed the roadmap with @Ana Lima — _bo_" in t for t in after), after
    assert not any("_ana_" in t or "@ana " in t for t in after)


def test_a_user_change_without_a_name_keeps_the_members_name(team, slack, fake, hw):
    enrol(slack, fake, "U1", "ana")
    event = user_change("U1", "", "")
    event["user"].update(name="", real_name="", tz="Europe/Berlin")
    assert slack.event(event).status == 200
    wait_for(lambda: hw.store.members.get(TEAM, "U1").tz == "Europe/Berlin",
             what="the event handled")
    assert hw.store.members.get(TEAM, "U1").name == "ana"


# ── slash commands ───────────────────────────────────────────────────────────


@pytest.mark.parametrize("wire,shown", [
    ("R&amp;D", "I don't know `R&amp;D`."),
    ("pause 2&amp;3", "`2&amp;3` is not a number of weeks"),
    ("time 9&lt;30", "`9&lt;30` is not a time"),
    ("quiet &lt;!channel&gt;-08:00", "`&lt;!channel&gt;` is not a time"),
])
def test_slash_command_text_is_decoded_then_repeated_escaped_once(slack, fake, wire, shown):
    fake.add_user("U1", tz="UTC")
    fake.forbid("<!channel>")
    body = slack.command(wire, user="U1").json()["text"]
    assert shown in body, body
    assert "&amp;amp;" not in body and "&amp;lt;" not in body


def test_team_add_and_admins_add_take_slacks_escaped_mention_forms(team, slack, fake, hw):
    fake.add_user("U2", tz="UTC", name="bo")
    fake.add_user("U3", tz="UTC", name="cy")
    # With should_escape, Slack sends picked people as <@U…|handle>.
    assert slack.command("team add <@U2|bo>, <@U3|cy>", user="UADMIN").status == 200
    wait_for(lambda: hw.store.members.get(TEAM, "U3"), what="members added")
    assert {m.user_id: m.name for m in hw.store.members.of(TEAM)} == {"U2": "bo", "U3": "cy"}
    assert slack.command("admins add <@U2|bo>", user="UADMIN").status == 200
    wait_for(lambda: hw.store.admins.of(TEAM) == ["U2"], what="admin named")

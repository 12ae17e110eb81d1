"""Proof that the fake Slack server and the spec/Block Kit checkers work — and can fail.

Everything here talks to FakeSlack through a real slack_sdk WebClient, so a test passing
means the bot's own client would get the same answers.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from fakeslack import DEFAULT_TOKEN, FakeSlack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient
from slackspec import (
    Spec,
    check_blocks,
    check_call,
    check_view,
    find_unescaped_broadcasts,
    load_spec,
    spec_missing_message,
)

# 2026-01-15 12:00 UTC: New York is on EST (UTC-5), Berlin on CET (UTC+1).
WINTER_NOON = datetime(2026, 1, 15, 12, tzinfo=UTC).timestamp()


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(clock=lambda: WINTER_NOON) as server:
        server.add_user("U1", tz="America/New_York", name="ada", is_admin=True)
        server.add_user("U2", tz="Europe/Berlin", name="linus")
        server.add_channel("C1", name="team", members=["U1", "U2"])
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=DEFAULT_TOKEN, base_url=fake.api_url)


@pytest.fixture(scope="module")
def spec() -> Spec:
    loaded = load_spec()
    if loaded is None:
        pytest.skip(spec_missing_message())
    return loaded


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# --- the fake as slack_sdk sees it ------------------------------------------------------------


def test_post_message_is_recorded_with_decoded_blocks(fake: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "Week 2026-W03"}}]
    response = client.chat_postMessage(channel="C1", text="Digest", blocks=blocks)

    assert response["ok"] and response["channel"] == "C1"
    assert response["ts"] == "1768478400.000000"  # from the injected clock
    [call] = fake.calls_to("chat.postMessage")
    assert call.token == DEFAULT_TOKEN and call.team_id == "T0001"
    assert call.args == {"channel": "C1", "text": "Digest", "blocks": blocks}
    assert "token" not in call.args
    fake.assert_clean()


def test_form_encoded_json_fields_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    # Most slack_sdk methods send form data, with structured fields JSON-encoded inside.
    blocks = [section("hello")]
    client.api_call(
        "chat.postMessage", params={"channel": "C1", "text": "hi", "blocks": json.dumps(blocks)}
    )
    assert fake.calls_to("chat.postMessage")[0].args["blocks"] == blocks
    fake.assert_clean()


def test_ts_is_unique_and_increasing_under_a_frozen_clock(
    fake: FakeSlack, client: WebClient
) -> None:
    stamps = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(3)]
    assert stamps == ["1768478400.000000", "1768478400.000001", "1768478400.000002"]


def test_dm_by_user_id_lands_in_a_d_channel_with_metadata(
    fake: FakeSlack, client: WebClient
) -> None:
    metadata = {"event_type": "headway_nudge", "event_payload": {"prompt": "work-1"}}
    posted = client.chat_postMessage(channel="U1", text="What moved forward?", metadata=metadata)

    dm = posted["channel"]
    assert dm.startswith("D") and dm == fake.dm_channel("U1")
    assert client.conversations_open(users="U1")["channel"]["id"] == dm  # stable per user

    history = client.conversations_history(channel=dm, include_all_metadata=True)
    assert [m["ts"] for m in history["messages"]] == [posted["ts"]]
    assert history["messages"][0]["metadata"] == metadata
    plain = client.conversations_history(channel=dm)
    assert "metadata" not in plain["messages"][0]  # only on request, as in Slack
    fake.assert_clean()


def test_dm_channel_must_be_used_for_updates(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U1", text="v1")
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="U1", ts=posted["ts"], text="v2")  # a user id: wrong
    assert err.value.response["error"] == "channel_not_found"
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="v2")
    assert fake.messages(posted["channel"])[0]["text"] == "v2"


def test_history_is_newest_first_with_threads_and_ranges(
    fake: FakeSlack, client: WebClient
) -> None:
    first = client.chat_postMessage(channel="C1", text="first")["ts"]
    second = client.chat_postMessage(channel="C1", text="second")["ts"]
    reply = client.chat_postMessage(channel="C1", text="detail", thread_ts=first)["ts"]

    history = client.conversations_history(channel="C1")["messages"]
    assert [m["text"] for m in history] == ["second", "first"]  # the reply stays in its thread
    assert history[1]["reply_count"] == 1
    replies = client.conversations_replies(channel="C1", ts=first)["messages"]
    assert [m["ts"] for m in replies] == [first, reply]
    newer = client.conversations_history(channel="C1", oldest=first)["messages"]
    assert [m["ts"] for m in newer] == [second]

    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x", thread_ts="1.000001")
    assert err.value.response["error"] == "thread_not_found"


def test_users_list_paginates_across_three_pages(fake: FakeSlack, client: WebClient) -> None:
    for i in range(3, 8):
        fake.add_user(f"U{i}")
    # 7 people + the bot user + Slackbot, as real users.list returns them.
    # Iterating a SlackResponse follows next_cursor; it reuses one object, so keep each .data.
    pages = [page.data for page in client.users_list(limit=3)]

    assert [len(p["members"]) for p in pages] == [3, 3, 3]
    assert pages[-1]["response_metadata"]["next_cursor"] == ""
    ids = [m["id"] for p in pages for m in p["members"]]
    assert len(ids) == len(set(ids)) == 9
    assert {"UBOT0001", "USLACKBOT"} <= set(ids)
    with pytest.raises(SlackApiError) as err:
        client.users_list(cursor="not-a-cursor")
    assert err.value.response["error"] == "invalid_cursor"


def test_conversations_members_paginates(fake: FakeSlack, client: WebClient) -> None:
    first = client.conversations_members(channel="C1", limit=2)
    rest = client.conversations_members(
        channel="C1", cursor=first["response_metadata"]["next_cursor"]
    )
    assert first["members"] + rest["members"] == ["U1", "U2", "UBOT0001"]


def test_users_info_returns_seeded_fields(fake: FakeSlack, client: WebClient) -> None:
    user = client.users_info(user="U1")["user"]
    assert user["tz"] == "America/New_York" and user["tz_offset"] == -5 * 3600
    assert user["is_admin"] is True and user["is_bot"] is False and user["deleted"] is False
    assert client.users_info(user="U2")["user"]["tz_offset"] == 3600
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U404")
    assert err.value.response["error"] == "user_not_found"


def test_tokens_identify_workspaces(fake: FakeSlack) -> None:
    fake.add_team("T2", token="xoxb-2", name="Other")
    other = WebClient(token="xoxb-2", base_url=fake.api_url).auth_test()
    assert (other["team_id"], other["user_id"]) == ("T2", "UBOT2")

    with pytest.raises(SlackApiError) as err:
        WebClient(token="xoxb-nope", base_url=fake.api_url).auth_test()
    assert err.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=fake.api_url).auth_test()
    assert err.value.response["error"] == "not_authed"
    fake.revoke_token("xoxb-2")
    with pytest.raises(SlackApiError) as err:
        WebClient(token="xoxb-2", base_url=fake.api_url).auth_test()
    assert err.value.response["error"] == "token_revoked"


# --- fault injection --------------------------------------------------------------------------


# slack_sdk's retry handlers sleep on their module's `time`; these tests record the waits
# instead of sitting through them (a wait the handler skipped would be missing here).
@pytest.fixture
def sdk_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=slept.append))
    return slept


QUICK = FixedValueRetryIntervalCalculator(0.01)  # slack_sdk's own, with a tiny interval


def test_injected_429_raises_then_retry_handler_waits_and_succeeds(
    fake: FakeSlack, client: WebClient, sdk_sleeps: list[float]
) -> None:
    fake.inject_429("chat.postMessage", retry_after=3)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="hi")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "3"
    assert err.value.response["error"] == "ratelimited"

    fake.inject_429("chat.postMessage", retry_after=3)
    patient = WebClient(
        token=DEFAULT_TOKEN,
        base_url=fake.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert patient.chat_postMessage(channel="C1", text="hi")["ok"]
    # slack_sdk read Retry-After: 3 (it waits the header's seconds plus up to 1 s of jitter;
    # without the header it would have waited 1-2 s)
    assert len(sdk_sleeps) == 1 and 3.0 <= sdk_sleeps[0] < 4.0, sdk_sleeps
    assert fake.stats.ratelimited == 2
    assert fake.stats.ratelimited_by_method == {"chat.postMessage": 2}
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 429, 200]


def test_rate_limit_is_a_sliding_window() -> None:
    now = [1000.0]  # the window's clock, moved by hand
    with FakeSlack(monotonic=lambda: now[0]) as fake:
        fake.add_user("U1")
        client = WebClient(token=DEFAULT_TOKEN, base_url=fake.api_url, retry_handlers=[])
        fake.rate_limit("users.info", per_second=2)
        client.users_info(user="U1")
        now[0] += 0.5
        client.users_info(user="U1")
        with pytest.raises(SlackApiError) as err:
            client.users_info(user="U1")
        assert err.value.response.status_code == 429
        assert int(err.value.response.headers["Retry-After"]) >= 1
        client.auth_test()  # other methods are not limited
        now[0] += 0.6  # the first call left the window; the second is still in it
        assert client.users_info(user="U1")["ok"]
        with pytest.raises(SlackApiError):
            client.users_info(user="U1")
        now[0] += 1.0  # the window moved on
        assert client.users_info(user="U1")["ok"]
        fake.assert_clean()


def test_server_error_and_server_error_retry_handler(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("auth.test", status=500)
    with pytest.raises(SlackApiError) as err:
        client.auth_test()
    assert err.value.response.status_code == 500

    fake.fail("auth.test", status=503)
    retrying = WebClient(
        token=DEFAULT_TOKEN,
        base_url=fake.api_url,
        retry_handlers=[ServerErrorRetryHandler(max_retry_count=1, interval_calculator=QUICK)],
    )
    assert retrying.auth_test()["ok"]
    assert fake.stats.server_errors == 2


def test_dropped_connection_and_connection_retry_handler(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.drop("auth.test")
    bare = WebClient(token=DEFAULT_TOKEN, base_url=fake.api_url, retry_handlers=[])
    with pytest.raises(ConnectionError):  # http.client.RemoteDisconnected
        bare.auth_test()

    # WebClient ships a ConnectionErrorRetryHandler (one retry) unless told otherwise; the
    # same handler, with a tiny interval instead of its 0.5 s backoff.
    assert [type(h) for h in client.retry_handlers] == [ConnectionErrorRetryHandler]
    retrying = WebClient(token=DEFAULT_TOKEN, base_url=fake.api_url, retry_handlers=[
        ConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=QUICK)])
    fake.drop("auth.test")
    assert retrying.auth_test()["ok"]
    fake.drop("auth.test", times=2)
    with pytest.raises(ConnectionError):
        retrying.auth_test()
    assert fake.stats.dropped == 4


def test_a_request_cut_off_mid_body_is_neither_answered_nor_judged(fake: FakeSlack) -> None:
    """A sender killed mid-request: Slack never sees a call, so neither does the fake."""
    body = b"channel=C1&text=hello"
    with socket.create_connection(("127.0.0.1", urlsplit(fake.api_url).port), timeout=10) as conn:
        conn.sendall(b"POST /api/chat.postMessage HTTP/1.1\r\nHost: x\r\n"
                     b"Authorization: Bearer " + DEFAULT_TOKEN.encode() + b"\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:7])
        conn.shutdown(socket.SHUT_WR)  # the rest never comes
        assert conn.recv(1024) == b""  # closed without an answer
    WebClient(token=DEFAULT_TOKEN, base_url=fake.api_url).chat_postMessage(channel="C1",
                                                                           text="whole")
    assert [c.args["text"] for c in fake.calls] == ["whole"]  # canary: the fake records
    assert fake.violations == []


def test_fail_can_target_arguments_and_count(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("users.info", "user_not_found", times=None, when=lambda args: args["user"] == "U2")
    assert client.users_info(user="U1")["ok"]
    for _ in range(2):
        with pytest.raises(SlackApiError):
            client.users_info(user="U2")
    fake.fail("chat.postMessage", "not_in_channel")  # times=1 by default
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="a")
    assert client.chat_postMessage(channel="C1", text="b")["ok"]


def test_delay(fake: FakeSlack, client: WebClient) -> None:
    fake.delay("auth.test", 0.2)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.2


def test_concurrent_calls_are_all_recorded(fake: FakeSlack) -> None:
    def post(n: int) -> None:
        worker = WebClient(token=DEFAULT_TOKEN, base_url=fake.api_url)
        for i in range(10):
            worker.chat_postMessage(channel="C1", text=f"{n}-{i}")

    threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.calls_to("chat.postMessage")) == 80
    assert len({m["ts"] for m in fake.messages("C1")}) == 80


# --- other surfaces -------------------------------------------------------------------------


def test_files_upload_v2_round_trip(fake: FakeSlack, client: WebClient) -> None:
    response = client.files_upload_v2(
        channel="C1", content="week,progress\nW03,0.6\n", filename="export.csv", title="Export"
    )
    file_id = response["file"]["id"]
    assert fake.file_content(file_id) == b"week,progress\nW03,0.6\n"
    assert response["file"]["title"] == "Export"
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    assert fake.calls[1].args["files"] == [{"id": file_id, "title": "Export"}]  # decoded
    shared = client.conversations_history(channel="C1")["messages"][0]
    assert shared["files"][0]["id"] == file_id
    fake.assert_clean()


def test_views_open_and_publish(fake: FakeSlack, client: WebClient) -> None:
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Answer"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {
                "type": "input",
                "block_id": "answer",
                "label": {"type": "plain_text", "text": "What moved forward?"},
                "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
            }
        ],
    }
    opened = client.views_open(trigger_id="123.456.abc", view=modal)["view"]
    assert opened["id"].startswith("V") and opened["blocks"] == modal["blocks"]

    home = {"type": "home", "blocks": [section("Your last answers")]}
    client.views_publish(user_id="U1", view=home)
    assert fake.home_view("U1")["blocks"] == home["blocks"]
    fake.assert_clean()

    with pytest.raises(SlackApiError) as err:
        client.views_open(
            trigger_id="1", view={**modal, "title": {"type": "plain_text", "text": "x" * 25}}
        )
    assert err.value.response["error"] == "invalid_arguments"
    assert any("view.title: 25 chars > 24" in v for v in fake.violations)


def test_oauth_code_exchange_installs_a_workspace(fake: FakeSlack) -> None:
    fake.set_oauth_client("cid", "secret")
    fake.add_oauth_code(
        "code-1",
        {"access_token": "xoxb-new", "token_type": "bot", "team": {"id": "T9", "name": "New"}},
    )
    anonymous = WebClient(base_url=fake.api_url)
    with pytest.raises(SlackApiError) as err:
        anonymous.oauth_v2_access(client_id="cid", client_secret="wrong", code="code-1")
    assert err.value.response["error"] == "bad_client_secret"

    granted = anonymous.oauth_v2_access(client_id="cid", client_secret="secret", code="code-1")
    assert granted["access_token"] == "xoxb-new"
    installed = WebClient(token="xoxb-new", base_url=fake.api_url).auth_test()
    assert installed["team_id"] == "T9"
    with pytest.raises(SlackApiError) as err:  # codes are single use
        anonymous.oauth_v2_access(client_id="cid", client_secret="secret", code="code-1")
    assert err.value.response["error"] == "invalid_code"


def test_response_url_posts_are_recorded_and_checked(fake: FakeSlack) -> None:
    url = fake.new_response_url()
    assert WebhookClient(url).send(text="Paused for 2 weeks.", response_type="ephemeral")
    [call] = fake.calls_to("response_url")
    assert call.args["text"] == "Paused for 2 weeks."
    fake.assert_clean()


def test_unknown_method(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("chat.postMessag", params={"channel": "C1"})
    assert err.value.response["error"] == "unknown_method"


# --- the fake reports misuse ------------------------------------------------------------------


def test_fake_rejects_and_reports_too_many_blocks(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="long", blocks=[section("x")] * 51)
    assert err.value.response["error"] == "invalid_blocks"
    assert fake.violations == ["chat.postMessage: blocks: 51 blocks > 50 per message"]
    with pytest.raises(AssertionError, match="51 blocks"):
        fake.assert_clean()


def test_fake_reports_unescaped_broadcasts_and_missing_fallback(
    fake: FakeSlack, client: WebClient
) -> None:
    with pytest.warns(UserWarning, match="top-level `text`"):  # slack_sdk agrees
        client.chat_postMessage(channel="C1", blocks=[section("Ship it <!channel>")])
    problems = "\n".join(fake.violations)
    assert "broadcast mention" in problems
    assert "blocks without top-level text" in problems


def test_fake_reports_spec_problems(spec: Spec, fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="hi @here", link_names=True)
    client.api_call("users.info", params={"user": "U1", "colour": "blue"})
    with pytest.raises(SlackApiError):
        client.api_call("chat.postMessag", params={"channel": "C1"})
    assert fake.violations == [
        "chat.postMessage: link_names must not be used (turns user text into pings)",
        "users.info: unknown argument 'colour'",
        "chat.postMessag: no such Web API method",
    ]


def test_every_method_the_fake_answers_passes_the_spec(
    spec: Spec, fake: FakeSlack, client: WebClient
) -> None:
    # The bot's normal calls, as slack_sdk encodes them, must not trip the checker.
    posted = client.chat_postMessage(channel="U1", text="nudge", unfurl_links=False)
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="nudge (answered)")
    client.chat_postEphemeral(channel="C1", user="U1", text="Only you can see this")
    client.reactions_add(channel=posted["channel"], timestamp=posted["ts"], name="white_check_mark")
    client.conversations_info(channel="C1", include_num_members=True)
    client.team_info()
    client.views_publish(user_id="U2", view={"type": "home", "blocks": [section("hi")]})
    client.chat_delete(channel=posted["channel"], ts=posted["ts"])
    assert all(c.ok for c in fake.calls), [(c.method, c.error) for c in fake.calls]
    fake.assert_clean()


def test_the_fake_refuses_to_touch_a_message_that_is_gone_or_not_the_bots(
    fake: FakeSlack, client: WebClient
) -> None:
    # Slack's errors for chat.update / chat.delete / reactions.add on such messages.
    theirs = fake.add_message("C1", "my own words", user="U1")
    refusals = {
        "cant_update_message": lambda: client.chat_update(channel="C1", ts=theirs, text="x"),
        "cant_delete_message": lambda: client.chat_delete(channel="C1", ts=theirs),
        "message_not_found": lambda: client.chat_update(channel="C1", ts="1.000001", text="x"),
    }
    for error, call in refusals.items():
        with pytest.raises(SlackApiError) as refused:
            call()
        assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError) as refused:
        client.reactions_add(channel="C1", timestamp="1.000001", name="eyes")
    assert refused.value.response["error"] == "message_not_found"
    assert client.reactions_add(channel="C1", timestamp=theirs, name="eyes")["ok"]  # anyone's


# --- slackspec.check_call ---------------------------------------------------------------------


def test_check_call_accepts_a_good_call(spec: Spec) -> None:
    assert check_call(spec, "chat.postMessage", {"channel": "C1", "text": "hi"}) == []
    assert check_call(spec, "users.info", {"user": "U1", "token": "xoxb"}) == []  # token: header
    view = {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": []}
    assert check_call(spec, "views.open", {"trigger_id": "t", "view": view}) == []


def test_check_call_flags_unknown_method_missing_and_unknown_args(spec: Spec) -> None:
    assert check_call(spec, "chat.postMesage", {}) == ["chat.postMesage: no such Web API method"]
    assert check_call(spec, "chat.postMessage", {"text": "hi"}) == [
        "chat.postMessage: missing required argument 'channel'"
    ]
    assert check_call(spec, "chat.postMessage", {"channel": "C1", "txt": "hi"}) == [
        "chat.postMessage: unknown argument 'txt'"
    ]
    # Spec gap patched: users.info's user is required in practice.
    assert check_call(spec, "users.info", {}) == ["users.info: missing required argument 'user'"]


def test_check_call_knows_newer_parameters_and_methods(spec: Spec) -> None:
    meta = {"event_type": "e", "event_payload": {}}
    assert check_call(spec, "chat.postMessage", {"channel": "C", "metadata": meta}) == []
    assert (
        check_call(spec, "conversations.history", {"channel": "D", "include_all_metadata": 1}) == []
    )
    upload = {"filename": "a.csv", "length": 3}
    assert check_call(spec, "files.getUploadURLExternal", upload) == []
    assert check_call(spec, "files.getUploadURLExternal", {"filename": "a.csv"}) == [
        "files.getUploadURLExternal: missing required argument 'length'"
    ]
    refresh = {"grant_type": "refresh_token", "refresh_token": "xoxe-1"}
    assert check_call(spec, "oauth.v2.access", refresh) == []
    assert check_call(spec, "files.upload", {}) != []  # retired


def test_check_call_enforces_headway_rules(spec: Spec) -> None:
    assert check_call(spec, "chat.update", {"channel": "C", "ts": "1.2", "parse": "full"}) == [
        "chat.update: parse=full must not be used (turns user text into pings)"
    ]
    assert check_call(spec, "chat.postMessage", {"channel": "C", "link_names": "0"}) == []
    assert check_call(spec, "users.info", {"user": "U"}, encoding="json") == [
        "users.info: takes form data only; a JSON body is ignored by Slack"
    ]


def test_load_spec_returns_none_when_absent(tmp_path: Any) -> None:
    assert load_spec(tmp_path / "missing.json") is None


# --- slackspec.check_blocks / check_view ------------------------------------------------------


def test_check_blocks_block_counts() -> None:
    assert check_blocks([section("x")] * 50) == []
    assert check_blocks([section("x")] * 51) == ["blocks: 51 blocks > 50 per message"]
    assert check_blocks([section("x")] * 100, "modal") == []
    assert check_blocks([section("x")] * 101, "home") == ["blocks: 101 blocks > 100 per home"]


def test_check_blocks_text_limits() -> None:
    assert check_blocks([section("x" * 3000)]) == []
    assert check_blocks([section("x" * 3001)]) == ["blocks[0].text: 3001 chars > 3000"]
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    assert check_blocks([header]) == ["blocks[0].text: 151 chars > 150"]
    mrkdwn_header = {"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}}
    assert check_blocks([mrkdwn_header]) == ["blocks[0].text: must be plain_text, got mrkdwn"]
    assert check_blocks([section("")]) == ["blocks[0].text: text must be a non-empty string"]


def test_check_blocks_elements_and_fields() -> None:
    fields = {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}
    assert check_blocks([fields]) == ["blocks[0].fields: 11 fields, want 1..10"]
    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}
    assert check_blocks([context]) == ["blocks[0].elements: 11 elements, want 1..10"]
    assert check_blocks([{"type": "actions", "elements": []}]) == [
        "blocks[0].elements: 0 elements, want 1..25"]
    option = {"text": {"type": "plain_text", "text": "o"}, "value": "o"}
    overflow = {"type": "overflow", "action_id": "more", "options": [option] * 6}
    assert check_blocks([{"type": "actions", "elements": [overflow]}]) == [
        "blocks[0].elements[0].options: 6 options, want 1..5"]
    no_list = {"type": "section", "fields": "not a list"}
    assert check_blocks([no_list]) == ["blocks[0].fields: ? fields, want 1..10"]
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "b" * 76},
        "action_id": "a" * 256,
        "value": "v" * 2001,
    }
    assert check_blocks([{"type": "actions", "elements": [button]}]) == [
        "blocks[0].elements[0].action_id: 256 chars > 255",
        "blocks[0].elements[0].text: 76 chars > 75",
        "blocks[0].elements[0].value: 2001 chars > 2000",
    ]
    assert check_blocks([{"type": "headr"}]) == ["blocks[0]: unknown block type 'headr'"]
    twins = [{**section("a"), "block_id": "b"}, {**section("b"), "block_id": "b"}]
    assert check_blocks(twins) == ["blocks[1].block_id: duplicate 'b'"]


def test_check_view() -> None:
    title = {"type": "plain_text", "text": "Settings"}
    assert check_view({"type": "modal", "title": title, "blocks": []}) == []
    long_title = {"type": "plain_text", "text": "t" * 25}
    assert check_view({"type": "modal", "title": long_title, "blocks": []}) == [
        "view.title: 25 chars > 24"
    ]
    inputs = [
        {
            "type": "input",
            "label": {"type": "plain_text", "text": "Time"},
            "element": {"type": "timepicker", "action_id": "t"},
        }
    ]
    assert check_view({"type": "modal", "title": title, "blocks": inputs}) == [
        "view: a modal with input blocks needs a submit button"
    ]


def test_find_unescaped_broadcasts() -> None:
    payload = {
        "text": "fine",
        "blocks": [
            section("ping <!here> now"),
            section("escaped &lt;!channel&gt; is harmless"),
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "<!subteam^S1|@devs>"}]},
        ],
        "other": ["<!channel|@channel>", "<@U1> is a normal mention"],
    }
    assert find_unescaped_broadcasts(payload) == [
        "ping <!here> now",
        "<!subteam^S1|@devs>",
        "<!channel|@channel>",
    ]

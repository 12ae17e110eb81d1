"""Drives Headway the way Slack does: signed HTTP requests in Slack's wire format.

Slash commands and interactivity arrive form-encoded (`payload=` JSON for interactivity),
events as JSON; every request carries `X-Slack-Request-Timestamp` and `X-Slack-Signature`
(`v0=` HMAC-SHA256 of `v0:{ts}:{body}`), made here with slack_sdk's own signature helper.
A redelivered event is the same envelope (same `event_id`) sent again with
`X-Slack-Retry-Num` and `X-Slack-Retry-Reason`, as Slack does when it thinks an event was
not acked in time.

The message event builders at the end are shaped on Slack's own examples in bolt-python's
test suite (the file each comes from is named on it) and are plain functions, so a Socket
Mode driver can wrap the same events in its envelopes.
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "0123456789abcdef0123456789abcdef"


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str]
    # The response_url this command or click carried: its later answers go there, and
    # `fake.wait_for_response(resp.response_url)` waits for exactly those.
    response_url: str | None = None

    def json(self) -> Any:
        return json.loads(self.body)


class SlackDriver:
    def __init__(self, url: str, fake: Any, team_id: str = "T0001",
                 secret: str = SIGNING_SECRET) -> None:
        self.url = url.rstrip("/")
        self.fake = fake
        self.team_id = team_id
        self.secret = secret
        self._ids = itertools.count(1)

    # ── raw ──────────────────────────────────────────────────────────────────

    def post(self, body: str, content_type: str, *, timestamp: int | None = None,
             signature: str | None = None, path: str = "/slack/events",
             headers: dict[str, str] | None = None) -> Response:
        ts = int(time.time()) if timestamp is None else timestamp
        sig = signature or SignatureVerifier(self.secret).generate_signature(
            timestamp=str(ts), body=body
        )
        return self.raw("POST", path, body.encode(), {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sig,
            **(headers or {}),
        })

    def raw(self, method: str, path: str, body: bytes = b"",
            headers: dict[str, str] | None = None) -> Response:
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return Response(resp.status, resp.read().decode("utf-8", "replace"),
                            dict(resp.getheaders()))
        finally:
            conn.close()

    # ── Slack's payloads ─────────────────────────────────────────────────────

    def command(self, text: str, user: str = "U1", channel: str = "C1",
                team_id: str | None = None, **sign: Any) -> Response:
        form = {
            "token": "legacy-verification-token",
            "team_id": team_id or self.team_id,
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/headway",
            "text": text,
            "api_app_id": "A0HEADWAY",
            "response_url": self.fake.new_response_url(),
            "trigger_id": f"{next(self._ids)}.trigger",
        }
        resp = self.post(urlencode(form), "application/x-www-form-urlencoded", **sign)
        resp.response_url = form["response_url"]
        return resp

    def interactive(self, payload: dict[str, Any], **sign: Any) -> Response:
        return self.post(urlencode({"payload": json.dumps(payload)}),
                         "application/x-www-form-urlencoded", **sign)

    def click(self, action_id: str, value: str, user: str = "U1", *,
              channel: str | None = None, message_ts: str | None = None,
              view: dict[str, Any] | None = None, team_id: str | None = None,
              message: dict[str, Any] | None = None, ephemeral: bool = False) -> Response:
        """A button click in a message (`channel`, `message_ts`) or a view (`view`).

        Slack sends the clicked message along, blocks included: give it as `message` (e.g.
        from `fake.messages(channel)`), as in `test_block_actions_respond.py` of
        bolt-python's tests/scenario_tests. `ephemeral`: the message was an ephemeral one
        (a slash command's answer), whose `container` says so.
        """
        team = team_id or self.team_id
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": team, "domain": "acme"},
            "user": {"id": user, "team_id": team},
            "api_app_id": "A0HEADWAY",
            "trigger_id": f"{next(self._ids)}.trigger",
            "response_url": self.fake.new_response_url(),
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b",
                         "value": value, "action_ts": f"{time.time():.6f}"}],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
            payload["view"] = view
        else:
            payload["container"] = {"type": "message", "channel_id": channel,
                                    "message_ts": message_ts, "is_ephemeral": ephemeral}
            payload["channel"] = {"id": channel}
            payload["message"] = message or {"ts": message_ts, "text": ""}
        resp = self.interactive(payload)
        resp.response_url = payload["response_url"]
        return resp

    def select_user(self, action_id: str, block_id: str, selected_user: str,
                    user: str = "U1", *, channel: str, message_ts: str,
                    ephemeral: bool = True, team_id: str | None = None) -> Response:
        """A person picked in a `users_select` of a message (an ephemeral one by default: a
        slash command's answer). Slack sends the select's `block_id` and `selected_user`
        and no `value` (the block_actions payload reference, docs.slack.dev/reference/
        interaction-payloads/block_actions-payload; `UsersSelectAction` in bolt-js's
        src/types/actions/block-action.ts); the rest as in `click`."""
        team = team_id or self.team_id
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": team, "domain": "acme"},
            "user": {"id": user, "team_id": team},
            "api_app_id": "A0HEADWAY",
            "trigger_id": f"{next(self._ids)}.trigger",
            "response_url": self.fake.new_response_url(),
            "container": {"type": "message", "channel_id": channel, "message_ts": message_ts,
                          "is_ephemeral": ephemeral},
            "channel": {"id": channel},
            "message": {"ts": message_ts, "text": ""},
            "actions": [{"type": "users_select", "action_id": action_id, "block_id": block_id,
                         "selected_user": selected_user, "action_ts": f"{time.time():.6f}"}],
        }
        resp = self.interactive(payload)
        resp.response_url = payload["response_url"]
        return resp

    def submit_view(self, callback_id: str, values: dict[str, dict[str, Any]],
                    private_metadata: str = "", user: str = "U1",
                    team_id: str | None = None) -> Response:
        team = team_id or self.team_id
        payload = {
            "type": "view_submission",
            "team": {"id": team, "domain": "acme"},
            "user": {"id": user, "team_id": team},
            "api_app_id": "A0HEADWAY",
            "trigger_id": f"{next(self._ids)}.trigger",
            "view": {
                "id": "V123", "team_id": team, "type": "modal", "callback_id": callback_id,
                "private_metadata": private_metadata, "state": {"values": values},
            },
        }
        return self.interactive(payload)

    def envelope(self, event: dict[str, Any], team_id: str | None = None,
                 event_id: str | None = None) -> dict[str, Any]:
        """The Events API `event_callback` envelope around one event."""
        team = team_id or self.team_id
        return {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": "A0HEADWAY",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": int(float(event.get("event_ts") or event.get("ts") or time.time())),
            "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
        }

    def deliver(self, envelope: dict[str, Any], *, retry_num: int | None = None,
                retry_reason: str = "http_timeout", **sign: Any) -> Response:
        """Send an envelope; with `retry_num`, as Slack's redelivery number `retry_num` of it
        (Slack's reasons: http_timeout, too_many_requests, http_error, unknown_error)."""
        headers = {} if retry_num is None else {"X-Slack-Retry-Num": str(retry_num),
                                                 "X-Slack-Retry-Reason": retry_reason}
        return self.post(json.dumps(envelope), "application/json", headers=headers, **sign)

    def event(self, event: dict[str, Any], team_id: str | None = None, *,
              event_id: str | None = None, retry_num: int | None = None,
              retry_reason: str = "http_timeout", **sign: Any) -> Response:
        """One event; give the `event_id` of an earlier delivery and a `retry_num` to send
        Slack's redelivery of it."""
        return self.deliver(self.envelope(event, team_id, event_id), retry_num=retry_num,
                            retry_reason=retry_reason, **sign)

    def dm(self, text: str, user: str = "U1", team_id: str | None = None) -> Response:
        team = team_id or self.team_id
        return self.event(self.dm_event(text, user, team), team_id=team)

    def dm_event(self, text: str, user: str = "U1", team_id: str | None = None, *,
                 ts: str | None = None, thread_ts: str | None = None,
                 parent_user_id: str = "UBOT") -> dict[str, Any]:
        """A member's message in Headway's DM (in a thread when `thread_ts` is given)."""
        team = team_id or self.team_id
        return dm_message(self.fake.dm_channel(user, team), user, text, ts or next_ts(),
                          team=team, thread_ts=thread_ts, parent_user_id=parent_user_id)


# ── Slack's message events (pure builders) ───────────────────────────────────

_last_ts = 0
_ts_lock = threading.Lock()


def next_ts(at: float | None = None) -> str:
    """A message ts like Slack's ("1665102362.013600"): the moment `at` (epoch seconds)
    as given, or else the wall clock, unique and increasing within the test run."""
    global _last_ts
    if at is not None:
        micros = int(at * 1_000_000)
    else:
        with _ts_lock:
            micros = max(int(time.time() * 1_000_000), _last_ts + 1)
            _last_ts = micros
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _rich_text(text: str) -> list[dict[str, Any]]:
    return [{"type": "rich_text", "block_id": "b1", "elements": [
        {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]}]


def dm_message(channel: str, user: str, text: str, ts: str, *, team: str = "T0001",
               thread_ts: str | None = None, parent_user_id: str = "UBOT") -> dict[str, Any]:
    """A new message in a DM. Shape: `user_message_event_body` in bolt-python's
    tests/scenario_tests/test_events_assistant.py (a DM message, `channel_type` "im"; in
    a thread it carries `thread_ts` and `parent_user_id`)."""
    event: dict[str, Any] = {
        "client_msg_id": f"msg-{ts}", "type": "message", "text": text, "user": user,
        "ts": ts, "blocks": _rich_text(text), "team": team, "channel": channel,
        "event_ts": ts, "channel_type": "im",
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
        event["parent_user_id"] = parent_user_id
    return event


def file_share(channel: str, user: str, caption: str, ts: str,
               *, team: str = "T0001") -> dict[str, Any]:
    """A file shared in a DM, with `caption` as its text ("" for none). Shape:
    bolt-python's tests/scenario_tests/test_message_file_share.py (`subtype` file_share,
    a `files` list, `upload` false)."""
    return {
        "type": "message", "subtype": "file_share", "text": caption,
        "files": [{
            "id": "F0SCREEN", "created": int(float(ts)), "timestamp": int(float(ts)),
            "name": "screenshot.png", "title": "screenshot.png", "mimetype": "image/png",
            "filetype": "png", "pretty_type": "PNG", "user": user, "editable": False,
            "size": 92582, "mode": "hosted", "is_external": False, "is_public": False,
            "url_private": "https://files.slack.com/files-pri/T0001-F0SCREEN/screenshot.png",
        }],
        "upload": False, "user": user, "display_as_bot": False, "ts": ts,
        "blocks": _rich_text(caption) if caption else [],
        "client_msg_id": f"msg-{ts}", "channel": channel, "event_ts": ts,
        "channel_type": "im",
    }


def message_changed(original: dict[str, Any], text: str, *, edited_ts: str | None = None,
                    event_ts: str | None = None) -> dict[str, Any]:
    """The member edited `original` (a DM message event) to `text`. Shape: bolt-python's
    tests/scenario_tests/test_message_changed.py (`message` with `edited`,
    `previous_message`, `hidden`), with the edited message's own `ts` as in
    `message_changed_event_body` of tests/scenario_tests/test_events_assistant.py."""
    edited_ts = edited_ts or next_ts()
    event_ts = event_ts or edited_ts
    keep = {k: original[k] for k in ("type", "user", "bot_id", "team", "ts", "thread_ts",
                                     "parent_user_id", "files") if k in original}
    return {
        "type": "message", "subtype": "message_changed",
        "message": {**keep, "text": text, "blocks": _rich_text(text),
                    "edited": {"user": original["user"], "ts": edited_ts}},
        "previous_message": {**keep, "text": original.get("text", ""),
                             "blocks": original.get("blocks", [])},
        "channel": original["channel"], "hidden": True, "ts": event_ts,
        "event_ts": event_ts, "channel_type": original.get("channel_type", "im"),
    }


def message_deleted(original: dict[str, Any], *, event_ts: str | None = None) -> dict[str, Any]:
    """The member deleted `original`. Shape: bolt-python's
    tests/scenario_tests/test_message_deleted.py (`deleted_ts`, `previous_message`)."""
    event_ts = event_ts or next_ts()
    return {
        "type": "message", "subtype": "message_deleted",
        "previous_message": {k: original[k] for k in ("type", "text", "user", "team", "ts")
                             if k in original},
        "channel": original["channel"], "hidden": True, "deleted_ts": original["ts"],
        "event_ts": event_ts, "ts": event_ts,
        "channel_type": original.get("channel_type", "im"),
    }

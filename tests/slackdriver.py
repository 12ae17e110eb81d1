"""Drives Headway the way Slack does: signed HTTP requests in Slack's wire format.

Slash commands and interactivity arrive form-encoded (`payload=` JSON for interactivity),
events as JSON; every request carries `X-Slack-Request-Timestamp` and `X-Slack-Signature`
(`v0=` HMAC-SHA256 of `v0:{ts}:{body}`), made here with slack_sdk's own signature helper.
"""

from __future__ import annotations

import http.client
import itertools
import json
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
             signature: str | None = None, path: str = "/slack/events") -> Response:
        ts = int(time.time()) if timestamp is None else timestamp
        sig = signature or SignatureVerifier(self.secret).generate_signature(
            timestamp=str(ts), body=body
        )
        return self.raw("POST", path, body.encode(), {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sig,
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
              view: dict[str, Any] | None = None, team_id: str | None = None) -> Response:
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
                                    "message_ts": message_ts, "is_ephemeral": False}
            payload["channel"] = {"id": channel}
            payload["message"] = {"ts": message_ts, "text": ""}
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

    def event(self, event: dict[str, Any], team_id: str | None = None, **sign: Any) -> Response:
        team = team_id or self.team_id
        envelope = {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": "A0HEADWAY",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
        }
        return self.post(json.dumps(envelope), "application/json", **sign)

    def dm(self, text: str, user: str = "U1", team_id: str | None = None) -> Response:
        team = team_id or self.team_id
        return self.event({
            "type": "message", "channel": self.fake.dm_channel(user, team), "user": user,
            "text": text, "ts": f"{time.time():.6f}", "channel_type": "im", "team": team,
        }, team_id=team)

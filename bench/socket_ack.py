"""Socket Mode ack latency across reconnects: Headway's client (slack_sdk's aiohttp one, as
`headway serve` runs it) against slack_sdk's built-in client, the previous wiring.

Each client gets 200 `/headway help` envelopes from the loopback fake (tests/fakesocket.py):
5 rounds of 30 at a steady pace, then a `disconnect` (refresh_requested) and 10 more within
100 ms of it, so 50 arrive while the client is reconnecting. The fake keeps the old
connection open after a `disconnect`, as Slack does. Latency runs from the moment the fake
had the envelope to the moment its ack arrived. Both clients are connected at once, to
their own socket server and app token, and the rounds alternate between them so that
machine noise hits both alike. Slack's limit is 3 s per ack.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.app import build_app
from bot.config import Settings
from bot.context import Headway
from bot.core.prompts import load_packs
from bot.socket_mode import open_socket_mode
from bot.store import Store
from tests.fakeslack import FakeSlack
from tests.fakesocket import FakeSocketMode

ROUNDS = 5
STEADY = 30  # per round, 20 ms apart
AFTER_DISCONNECT = 10  # per round, 10 ms apart: all within 100 ms of the disconnect
STEADY_GAP_S = 0.020
BURST_GAP_S = 0.010
SLACK_LIMIT_S = 3.0
ACK_TIMEOUT_S = 30.0
BASELINE_APP_TOKEN = "xapp-1-A0HEADWAY-2-" + "b" * 64  # the baseline's own socket server


def _help_form(fake: FakeSlack) -> dict[str, str]:
    return {"team_id": "T0001", "team_domain": "acme", "channel_id": "C1", "user_id": "U1",
            "command": "/headway", "text": "help", "api_app_id": "A0HEADWAY",
            "response_url": fake.new_response_url(), "trigger_id": "1.2"}


@contextmanager
def _clients(fake: FakeSlack, hw: Headway) -> Iterator[dict[str, FakeSocketMode]]:
    """Both clients connected, each to its own fake socket server; yields them by name."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler as BuiltinHandler

    servers = {"aiohttp": FakeSocketMode(fake).start(),
               "builtin": FakeSocketMode(fake, app_token=BASELINE_APP_TOKEN).start()}
    chosen = builtin = None
    try:
        chosen = open_socket_mode(build_app(hw), servers["aiohttp"].app_token, fake.api_url)
        builtin = BuiltinHandler(build_app(hw), servers["builtin"].app_token)
        builtin.connect()
        for server in servers.values():
            server.wait_connected(timeout=ACK_TIMEOUT_S)
        yield servers
    finally:
        if chosen is not None:
            chosen.close()
        if builtin is not None:
            builtin.close()
        for server in servers.values():
            server.stop()


def _round(fake: FakeSlack, sock: FakeSocketMode) -> tuple[list[float], list[float]]:
    """One round on one client: (steady latencies, latencies right after the disconnect)."""
    def send() -> str:
        return sock.slash_command(_help_form(fake))

    steady = []
    for _ in range(STEADY):
        steady.append(send())
        time.sleep(STEADY_GAP_S)
    sock.disconnect("refresh_requested")
    burst = []
    for _ in range(AFTER_DISCONNECT):
        burst.append(send())
        time.sleep(BURST_GAP_S)

    def latencies(ids: list[str]) -> list[float]:
        return [sock.wait_for_ack(e, ACK_TIMEOUT_S).at - sock.envelope(e).queued_at
                for e in ids]

    return latencies(steady), latencies(burst)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run() -> dict[str, dict[str, float]]:
    # The clients log every reconnect at INFO; keep the bench's output to its figures.
    logging.getLogger("bot.bolt").setLevel(logging.WARNING)
    with FakeSlack(check_spec=False) as fake, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(bot_token=fake.token, signing_secret=None, app_token=None,
                            client_id=None, client_secret=None, api_url=fake.api_url,
                            db_path=Path(tmp) / "bench.db", port=0)
        store = Store.open(settings.db_path)
        hw = Headway(settings=settings, store=store, packs=load_packs())
        samples: dict[str, dict[str, list[float]]] = {
            name: {"all": [], "after": []} for name in ("aiohttp", "builtin")}
        try:
            with _clients(fake, hw) as servers:
                for i in range(ROUNDS):
                    for name in ("aiohttp", "builtin") if i % 2 == 0 else ("builtin", "aiohttp"):
                        steady, after = _round(fake, servers[name])
                        samples[name]["all"] += steady + after
                        samples[name]["after"] += after
        finally:
            store.close()
    out: dict[str, dict[str, float]] = {}
    for name, s in samples.items():
        out[name] = {
            "n": len(s["all"]), "n_after": len(s["after"]),
            "p50_ms": statistics.median(s["all"]) * 1000, "p99_ms": _pct(s["all"], 0.99) * 1000,
            "after_p50_ms": statistics.median(s["after"]) * 1000,
            "after_max_ms": max(s["after"]) * 1000,
            "over_limit": sum(1 for v in s["all"] if v > SLACK_LIMIT_S),
        }
    return out


def main() -> None:
    r = run()
    a, b = r["aiohttp"], r["builtin"]
    print(f"Socket Mode ack latency, `/headway help`, {a['n']} envelopes per client, "
          f"{a['n_after']} of them within 100 ms of a disconnect (refresh_requested):")
    for label, x in (("aiohttp (Headway)", a), ("builtin (baseline)", b)):
        print(f"  {label:<19}: p50 {x['p50_ms']:7.1f} ms   p99 {x['p99_ms']:7.1f} ms   "
              f"after a disconnect: p50 {x['after_p50_ms']:7.1f} ms, max "
              f"{x['after_max_ms']:7.1f} ms   over 3 s: {x['over_limit']}")
    print(f"  ratio aiohttp/builtin: p50 {a['p50_ms'] / b['p50_ms']:.2f}x   "
          f"p99 {a['p99_ms'] / b['p99_ms']:.3f}x   "
          f"({'meets' if a['over_limit'] == 0 else 'MISSES'} Slack's 3 s limit; "
          f"builtin {'misses' if b['over_limit'] else 'meets'} it)")


if __name__ == "__main__":
    main()

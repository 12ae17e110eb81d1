"""Ack latency of a signed `/headway help`: Headway's `serve` against a bare Bolt app.

Both run as real processes on loopback, both talk to the same fake Slack, and requests
alternate between them so that machine noise hits both alike. Target: p99 ratio <= 1.25.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.fakeslack import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
SECRET = "0123456789abcdef0123456789abcdef"
REQUESTS = int(os.environ.get("BENCH_ACK_REQUESTS", "400"))

BARE_BOLT = textwrap.dedent(
    """
    import os
    from slack_bolt import App
    from slack_sdk import WebClient
    app = App(signing_secret=os.environ["SLACK_SIGNING_SECRET"],
              client=WebClient(token=os.environ["SLACK_BOT_TOKEN"],
                               base_url=os.environ["SLACK_API_URL"]))
    @app.command("/headway")
    def help_(ack):
        ack(text="Usage: /headway join | leave | help")
    app.start(port=int(os.environ["PORT"]), path="/slack/events")
    """
)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(port: int, proc: subprocess.Popen, name: str) -> None:
    import http.client

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited early with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not start")


def _signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }


def _one(conn, body: str) -> float:
    start = time.perf_counter()
    conn.request("POST", "/slack/events", body=body.encode(), headers=_signed(body))
    resp = conn.getresponse()
    resp.read()
    elapsed = time.perf_counter() - start
    if resp.status != 200:
        raise RuntimeError(f"status {resp.status}")
    return elapsed


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextmanager
def headway_and_bare_bolt(env: dict[str, str], cwd: str) -> Iterator[dict[str, int]]:
    """`headway serve` and a bare Bolt app as real processes; yields their ports by name."""
    ports = {"headway": _free_port(), "bare": _free_port()}
    procs = {
        "headway": subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=cwd,
                                    env={**env, "PORT": str(ports["headway"])},
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        "bare": subprocess.Popen([sys.executable, "-c", BARE_BOLT], cwd=cwd,
                                 env={**env, "PORT": str(ports["bare"])},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    }
    try:
        _wait_ready(ports["headway"], procs["headway"], "headway serve")
        _wait_ready(ports["bare"], procs["bare"], "bare Bolt app")  # its 404 is fine
        yield ports
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()  # never leave a server behind on a shared machine
                proc.wait()


def help_command(fake: FakeSlack, team_id: str = "T0001", user_id: str = "U1") -> str:
    return urlencode({"team_id": team_id, "team_domain": "acme", "channel_id": "C1",
                      "user_id": user_id, "command": "/headway", "text": "help",
                      "response_url": fake.new_response_url(), "trigger_id": "1.2"})


def sample_acks(ports: dict[str, int], body: str, requests: int,
                warmup: int = 40) -> dict[str, float]:
    """Interleaved signed requests to both (so machine noise hits both alike), a fresh
    connection each, as Slack's deliveries arrive; p50/p99 per server and their ratios."""
    import http.client

    samples: dict[str, list[float]] = {name: [] for name in ports}
    for i in range(requests + warmup):
        for name in ("headway", "bare") if i % 2 == 0 else ("bare", "headway"):
            conn = http.client.HTTPConnection("127.0.0.1", ports[name], timeout=10)
            elapsed = _one(conn, body)
            conn.close()
            if i >= warmup:
                samples[name].append(elapsed)
    out: dict[str, float] = {}
    for name, values in samples.items():
        out[f"{name}_p50_ms"] = statistics.median(values) * 1000
        out[f"{name}_p99_ms"] = _pct(values, 0.99) * 1000
    out["p99_ratio"] = out["headway_p99_ms"] / out["bare_p99_ms"]
    out["p50_ratio"] = out["headway_p50_ms"] / out["bare_p50_ms"]
    return out


def print_acks(r: dict[str, float]) -> None:
    print(f"  headway serve : p50 {r['headway_p50_ms']:.2f} ms   p99 {r['headway_p99_ms']:.2f} ms")
    print(f"  bare Bolt app : p50 {r['bare_p50_ms']:.2f} ms   p99 {r['bare_p99_ms']:.2f} ms")
    verdict = "meets" if r["p99_ratio"] <= 1.25 else "MISSES"
    print(f"  ratio         : p50 {r['p50_ratio']:.2f}x   p99 {r['p99_ratio']:.2f}x "
          f"({verdict} the <= 1.25x target)")


def run() -> dict[str, float]:
    with FakeSlack(check_spec=False) as fake, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SLACK_BOT_TOKEN": fake.token, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": fake.api_url, "HEADWAY_DB": str(Path(tmp) / "bench.db")}
        env.pop("SLACK_APP_TOKEN", None)
        with headway_and_bare_bolt(env, tmp) as ports:
            return sample_acks(ports, help_command(fake), REQUESTS)


def main() -> None:
    r = run()
    print(f"ack latency, signed `/headway help`, {REQUESTS} requests each, interleaved:")
    print_acks(r)


if __name__ == "__main__":
    main()

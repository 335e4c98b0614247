"""Per-route latency of the HTTP API under load: p50/p95 of every route against ``GET /healthz`` in the same run.

Run: ``.venv/bin/python bench/api_latency_bench.py [--clients 4] [--rounds 50]``.
Starts a throw-away embedded PostgreSQL, seeds one account (simulated days of calls and messages, a Twilio
token, campaigns with contacts, a speed-dial entry) and a real ``voxlink api`` (2 uvicorn workers) on
loopback. N client threads, each on its own keep-alive connection, then send every route once per round in
one fixed order (a request that needs an id uses what the client created earlier in its round: the
campaign it deletes, the number it removes from the DNC list); every answer must be 2xx. Prints
route → requests, p50, p95 and both as a multiple of /healthz's. Targets: the seed's < 200 ms per request;
DESIGN.md's report API p95 ≤ 30 ms.
"""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from bench_args import bench_parser
from local_api import free_port, wait_ready
from throwaway import throwaway_database
from twilio.request_validator import RequestValidator

SLUG, TOKEN, USER = "bench", "bench-twilio-token", "ada"
LINE = "+12125550123"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None
    content_type: str = "application/json"
    extra: dict[str, str] | None = None


@dataclass
class ClientState:
    """What one client made earlier in its round (ids and numbers later requests refer to)."""

    number: int
    key: str
    port: int
    power: int
    parallel: int
    entry: int
    round: int = 0
    created: int = 0


def _phone(state: ClientState, slot: int) -> str:
    """A number unique to this client, round and slot: +1 212 then 7 digits."""
    return f"+1212{state.number}{slot}{state.round:05d}"


def _json(value: Any) -> bytes:
    return orjson.dumps(value)


def _signed(state: ClientState, kind: str, form: dict[str, str]) -> Request:
    url = f"http://127.0.0.1:{state.port}/webhooks/twilio/{SLUG}/{kind}"
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    return Request("POST", url.split(str(state.port), 1)[1], urlencode(form).encode(),
                   "application/x-www-form-urlencoded", {"X-Twilio-Signature": signature})  # fmt: skip


def _events(state: ClientState) -> Request:
    stamp = f"2026-11-02T14:{state.number:02d}:{state.round % 60:02d}+00:00"
    call = f"bench-{state.number}-{state.round}"
    events = [{"event_id": f"{call}-{n}", "type": kind, "occurred_at": stamp, "call_id": call, **fields}
              for n, (kind, fields) in enumerate([
                  ("call.started", {"direction": "inbound", "from": _phone(state, 1), "to": LINE}),
                  ("call.queued", {"queue": "support"}), ("call.ringing", {"agent": "ada"}),
                  ("call.answered", {"answered_by": "human", "agent": "ada"}),
                  ("call.ended", {"reason": "completed"})])]  # fmt: skip
    return Request("POST", "/api/v1/events", _json(events))


# Route label → the request a client sends for it this round (in this order: later ones use earlier ones' ids).
ROUTES: list[tuple[str, Callable[[ClientState], Request]]] = [
    ("GET /healthz", lambda s: Request("GET", "/healthz")),
    ("GET /readyz", lambda s: Request("GET", "/readyz")),
    ("POST /api/v1/events (5 events)", _events),
    ("POST /webhooks/twilio/{account}/voice", lambda s: _signed(s, "voice", {
        "CallSid": f"CA{s.number}{s.round:031d}", "CallStatus": "completed", "CallDuration": "42",
        "Direction": "inbound", "From": _phone(s, 2), "To": LINE,
        "Timestamp": "Mon, 02 Nov 2026 15:00:00 +0000"})),
    ("POST /webhooks/twilio/{account}/messages", lambda s: _signed(s, "messages", {
        "MessageSid": f"SM{s.number}{s.round:031d}", "SmsStatus": "received", "From": _phone(s, 3),
        "To": LINE, "Body": "hello", "NumMedia": "0"})),
    ("GET /api/v1/inbox/messages", lambda s: Request("GET", "/api/v1/inbox/messages?limit=50")),
    ("POST /api/v1/inbox/messages", lambda s: Request("POST", "/api/v1/inbox/messages", _json(
        {"to": _phone(s, 4), "from": LINE, "body": f"round {s.round}"}))),
    ("GET /api/v1/dnc", lambda s: Request("GET", "/api/v1/dnc")),
    ("POST /api/v1/dnc", lambda s: Request("POST", "/api/v1/dnc", _json({"phone": _phone(s, 5)}))),
    ("DELETE /api/v1/dnc/{phone}", lambda s: Request("DELETE", f"/api/v1/dnc/{_phone(s, 5)}")),
    ("GET /api/v1/dialer/campaigns", lambda s: Request("GET", "/api/v1/dialer/campaigns")),
    ("POST /api/v1/dialer/campaigns", lambda s: Request("POST", "/api/v1/dialer/campaigns", _json(
        {"name": f"c{s.number}-{s.round}"}))),
    ("GET /api/v1/dialer/campaigns/{id}", lambda s: Request("GET", f"/api/v1/dialer/campaigns/{s.power}")),
    ("PATCH /api/v1/dialer/campaigns/{id}", lambda s: Request("PATCH", f"/api/v1/dialer/campaigns/{s.created}",
                                                              _json({"retry_minutes": 30}))),
    ("DELETE /api/v1/dialer/campaigns/{id}", lambda s: Request("DELETE", f"/api/v1/dialer/campaigns/{s.created}")),
    ("POST /api/v1/dialer/campaigns/{id}/contacts (10 rows)", lambda s: Request(
        "POST", f"/api/v1/dialer/campaigns/{s.power}/contacts",
        ("phone\n" + "".join(f"{_phone(s, 6)[:-1]}{n}\n" for n in range(10))).encode(), "text/csv")),
    ("GET /api/v1/dialer/campaigns/{id}/decisions", lambda s: Request(
        "GET", f"/api/v1/dialer/campaigns/{s.power}/decisions")),
    ("POST /api/v1/dialer/campaigns/{id}/power/start", lambda s: Request(
        "POST", f"/api/v1/dialer/campaigns/{s.power}/power/start")),
    ("POST /api/v1/dialer/campaigns/{id}/power/stop", lambda s: Request(
        "POST", f"/api/v1/dialer/campaigns/{s.power}/power/stop")),
    ("POST /api/v1/dialer/campaigns/{id}/parallel/start", lambda s: Request(
        "POST", f"/api/v1/dialer/campaigns/{s.parallel}/parallel/start")),
    ("POST /api/v1/dialer/campaigns/{id}/parallel/stop", lambda s: Request(
        "POST", f"/api/v1/dialer/campaigns/{s.parallel}/parallel/stop")),
    ("GET /api/v1/dialer/speed-dial", lambda s: Request("GET", f"/api/v1/dialer/speed-dial?user={USER}")),
    ("POST /api/v1/dialer/speed-dial", lambda s: Request("POST", "/api/v1/dialer/speed-dial", _json(
        {"user": USER, "label": f"l{s.number}-{s.round}", "phone": _phone(s, 7)}))),
    ("POST /api/v1/dialer/speed-dial/{entry}/dial", lambda s: Request(
        "POST", f"/api/v1/dialer/speed-dial/{s.entry}/dial", _json({"caller_id": LINE}))),
]  # fmt: skip


def _client(state: ClientState, rounds: int, timings: dict[str, list[float]], errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", state.port, timeout=60)
    for number in range(rounds):
        state.round = number
        for label, make in ROUTES:
            request = make(state)
            headers = {"Authorization": f"Bearer {state.key}", "Content-Type": request.content_type}
            started = time.perf_counter()
            conn.request(
                request.method, request.path, body=request.body, headers=headers | (request.extra or {})
            )
            response = conn.getresponse()
            payload = response.read()
            timings[label].append(time.perf_counter() - started)
            if response.status >= 300:
                errors.append(f"{label}: HTTP {response.status} {payload[:200]!r}")
            elif label == "POST /api/v1/dialer/campaigns":
                state.created = int(orjson.loads(payload)["id"])
    conn.close()


def _seed(url: str, clients: int, days: int) -> tuple[str, list[tuple[int, int, int]]]:
    """The account, its key, its data; (power campaign, parallel campaign, speed-dial entry) per client."""
    from operational import database
    from operational.accounts import create_account, set_twilio_auth_token
    from operational.dialer import campaigns, speed_dial
    from operational.ingest import ingest_events
    from operational.keys import create_api_key
    from operational.simulator import simulate
    from operational.users import create_user

    engine = database.engine_for(url)
    account = create_account(engine, SLUG, "America/New_York")
    set_twilio_auth_token(engine, SLUG, TOKEN)
    key = create_api_key(engine, account.id, rate_limit_per_minute=2_000_000_000).secret
    events = simulate(days=days, timezone="America/New_York", seed=13, account_slug=SLUG)
    ingest_events(engine, account.id, enumerate(events))
    create_user(engine, account.id, USER, "agent", "a long bench password")
    ids = []
    for n in range(clients):
        power = campaigns.create_campaign(engine, account.id, f"power-{n}", caller_id=LINE)["id"]
        parallel = campaigns.create_campaign(engine, account.id, f"parallel-{n}", caller_id=LINE)["id"]
        rows = "".join(f"+1646{n}{i:06d}\n" for i in range(200))
        campaigns.import_contacts(engine, account.id, power, "phone\n" + rows)
        entry = speed_dial.add_entry(engine, account.id, USER, f"entry-{n}", f"+1718{n}000000")["id"]
        ids.append((power, parallel, entry))
    return key, ids


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (at most 10)")
    parser.add_argument("--rounds", type=int, default=50, help="times each client sends every route")
    parser.add_argument("--days", type=int, default=2, help="simulated days seeded (≈2,400 events a day)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not 1 <= args.clients <= 10:
        parser.error("--clients: 1 to 10")

    with throwaway_database("voxlink-latbench-") as (home, url):
        key, ids = _seed(url, args.clients, args.days)
        port = free_port()
        voxlink = str(Path(sys.executable).with_name("voxlink"))
        env = dict(os.environ, VOXLINK_DATABASE_URL=url)
        api_log = (home / "api.log").open("wb")  # the API logs a line per request
        server = subprocess.Popen([voxlink, "api", "--port", str(port), "--workers", str(args.workers)],
                                  env=env, stdout=api_log, stderr=api_log)  # fmt: skip
        timings: dict[str, list[float]] = {label: [] for label, _ in ROUTES}
        errors: list[str] = []
        try:
            wait_ready(port)
            states = [ClientState(n, key, port, *ids[n]) for n in range(args.clients)]
            threads = [threading.Thread(target=_client, args=(state, args.rounds, timings, errors))
                       for state in states]  # fmt: skip
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)

        total = sum(len(values) for values in timings.values())
        print(f"{args.clients} clients × {args.rounds} rounds × {len(ROUTES)} routes = {total:,} requests "
              f"in {seconds:.1f} s ({total / seconds:,.0f}/s), {args.workers} workers, "
              f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        base50 = statistics.median(timings["GET /healthz"])
        base95 = _percentile(timings["GET /healthz"], 0.95)
        print(f"{'route':<56} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×':>7} {'p95 ×':>7}")
        for label, values in timings.items():
            p50, p95 = statistics.median(values), _percentile(values, 0.95)
            print(f"{label:<56} {len(values):>5} {p50 * 1000:>8.1f} {p95 * 1000:>8.1f} "
                  f"{p50 / base50:>7.1f} {p95 / base95:>7.1f}")  # fmt: skip
        worst = max(_percentile(values, 0.95) for values in timings.values())
        print(f"worst p95 {worst * 1000:.1f} ms: target < 200 ms {'MET' if worst < 0.2 else 'MISSED'}")
        if errors:
            print(f"{len(errors)} non-2xx answers, first: {errors[:3]}")
            return 1
        return 0


if __name__ == "__main__":
    sys.exit(main())

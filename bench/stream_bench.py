"""Event stored → received by live stream clients (p50/p95, share delivered), against a WebSocket echo baseline
in the same run; and the time of one live read-model poll over 100 accounts.

Run: ``.venv/bin/python bench/stream_bench.py [--clients 50 --rate 1000 --seconds 10 --modes ws-batch,sse,ws]``.
Starts a throw-away embedded PostgreSQL and the API (uvicorn, in a thread of this process), then
  echo     a WebSocket round trip on the same server (send → echoed back): the transport's floor,
  stream   per mode, ``--clients`` clients of one account while another process ingests events at ``--rate``
           per second (batches every 50 ms); latency = received − the moment the storing transaction returned.
           Modes: ``ws-batch`` (WebSocket, ``"batch": true``: an array per message), ``sse``, ``ws`` (one
           message per event). The clients run in ``--client-processes`` processes of their own, so the load
           generator's parsing does not share the server's interpreter; every client checks it got every event
           once and in order,
  live     ``operational.live.live_state`` for each of 100 accounts, one after the other (the wallboard polls
           every 2 s). Targets (DESIGN.md): stream p95 ≤ 100 ms; a poll of 100 accounts well under 2 s.
``--profile`` prints where the server's thread spent its time (cProfile). Times across processes come from
``time.monotonic`` (CLOCK_MONOTONIC: one clock for the whole machine).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import multiprocessing as mp
import pstats
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event

import httpx
import orjson
import uvicorn
import websockets
from bench_args import bench_parser
from fastapi import WebSocket, WebSocketDisconnect
from throwaway import throwaway_database

BATCH_EVERY = 0.05
Arrivals = list[tuple[int, float]]  # (event number, received at) in arrival order, per client


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else float("nan")


def serve(app: object, profile: cProfile.Profile | None = None) -> tuple[uvicorn.Server, int]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )  # type: ignore[arg-type]

    def run() -> None:
        if profile is not None:
            profile.enable()
        server.run()

    threading.Thread(target=run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, server.servers[0].sockets[0].getsockname()[1]


async def echo_round_trips(port: int, count: int) -> list[float]:
    took = []
    async with websockets.connect(f"ws://127.0.0.1:{port}/echo") as ws:
        for _ in range(count):
            sent = time.perf_counter()
            await ws.send("x" * 200)
            await ws.recv()
            took.append(time.perf_counter() - sent)
    return took


def number(event: dict) -> int | None:
    event_id = event.get("event_id")
    return int(event_id[1:]) if isinstance(event_id, str) and event_id.startswith("b") else None


async def ws_client(
    port: int, key: str, batched: bool, deflate: bool, ready: asyncio.Semaphore, got: Arrivals
) -> None:
    compression = (
        "deflate" if deflate else None
    )  # browsers offer per-message deflate; the server then compresses
    url = f"ws://127.0.0.1:{port}/api/v1/stream"
    async with websockets.connect(url, max_queue=None, compression=compression) as ws:
        await ws.send(orjson.dumps({"type": "auth", "key": key, "batch": batched}).decode())
        await ws.recv()
        ready.release()
        async for raw in ws:
            at = time.monotonic()
            parsed = orjson.loads(raw)
            for event in parsed if isinstance(parsed, list) else [parsed]:
                if (n := number(event)) is not None:
                    got.append((n, at))


async def sse_client(port: int, key: str, ready: asyncio.Semaphore, got: Arrivals) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        httpx.AsyncClient(timeout=None) as http,
        http.stream("GET", f"http://127.0.0.1:{port}/api/v1/stream/sse", headers=headers) as response,
    ):
        ready.release()
        rest = b""
        async for chunk in response.aiter_bytes():
            at = time.monotonic()
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for line in lines:
                if line.startswith(b"data: ") and (n := number(orjson.loads(line[6:]))) is not None:
                    got.append((n, at))


def client_process(
    port: int, key: str, mode: str, deflate: bool, count: int, ready: Queue, stop: Event, out: Queue
) -> None:
    """``count`` clients in this process: says when all are connected, returns their arrivals when stopped."""

    async def run() -> list[Arrivals]:
        arrivals: list[Arrivals] = [[] for _ in range(count)]
        connected = asyncio.Semaphore(0)
        tasks = [
            asyncio.create_task(
                sse_client(port, key, connected, got)
                if mode == "sse"
                else ws_client(port, key, mode == "ws-batch", deflate, connected, got)
            )
            for got in arrivals
        ]
        for _ in range(count):
            await connected.acquire()
        await asyncio.sleep(0.3)  # the last subscription is registered in the hub after its "ready"
        ready.put(count)
        while not stop.is_set():
            await asyncio.sleep(0.1)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return arrivals

    out.put(asyncio.run(run()))


def produce(url: str, account_id: int, rate: int, seconds: float, first: int, out: Queue) -> None:
    """Ingest ``rate`` events/s for ``seconds``; return when each event's storing transaction returned."""
    from operational import database
    from operational.ingest import ingest_events

    engine = database.engine_for(url)
    statuses, per_batch = ("available", "busy"), max(1, round(rate * BATCH_EVERY))
    stored: dict[int, float] = {}
    started, n = time.monotonic(), 0
    while time.monotonic() - started < seconds:
        now = datetime.now(UTC).isoformat()
        # zero-padded: a batch's events share their time, and the outbox orders them by event_id then
        batch = [
            {"event_id": f"b{first + n + i:09d}", "type": "agent.status", "occurred_at": now,
             "agent": f"agent-{(n + i) % 40}", "status": statuses[((n + i) // 40) % 2]}
            for i in range(per_batch)
        ]  # fmt: skip
        ingest_events(engine, account_id, enumerate(batch))
        at = time.monotonic()
        stored.update((first + n + i, at) for i in range(per_batch))
        n += per_batch
        time.sleep(max(0.0, started + n / rate - time.monotonic()))
    out.put(stored)


def stream_run(
    args: argparse.Namespace, url: str, account_id: int, key: str, port: int, mode: str, first: int
) -> str:
    spawn = mp.get_context("spawn")
    ready, out, stored_q, stop = spawn.Queue(), spawn.Queue(), spawn.Queue(), spawn.Event()
    procs = max(1, min(args.client_processes, args.clients))
    shares = [args.clients // procs + (i < args.clients % procs) for i in range(procs)]
    clients = [
        spawn.Process(
            target=client_process, args=(port, key, mode, not args.no_deflate, share, ready, stop, out)
        )
        for share in shares
    ]
    for proc in clients:
        proc.start()
    for _ in clients:
        ready.get(timeout=120)
    producer = spawn.Process(target=produce, args=(url, account_id, args.rate, args.seconds, first, stored_q))
    producer.start()
    stored: dict[int, float] = stored_q.get()
    producer.join()
    time.sleep(2.0)  # the last events' delivery
    stop.set()
    arrivals: list[Arrivals] = [got for _ in clients for got in out.get(timeout=120)]
    for proc in clients:
        proc.join()
    latencies = [at - stored[n] for got in arrivals for n, at in got if n in stored]
    complete = sum(1 for got in arrivals if [n for n, _ in got] == sorted(stored))
    expected = len(stored) * args.clients
    return (
        f"stream {mode:8} stored → received : p50 {pct(latencies, 0.5):7.2f} ms  p95 {pct(latencies, 0.95):7.2f} ms"
        f"  {len(latencies) / max(1, expected):6.1%} of {expected:,} delivered; {complete}/{args.clients} clients "
        f"got all, once, in order; target p95 ≤ 100 ms: {'met' if pct(latencies, 0.95) <= 100 else 'MISSED'}"
    )


def live_polls(engine: object) -> list[float]:
    """One live read-model poll of 100 accounts with a little of today in each, five times."""
    from operational.accounts import create_account
    from operational.ingest import ingest_events
    from operational.live import live_state

    ids = [create_account(engine, f"live-{i}", "America/New_York").id for i in range(100)]  # type: ignore[arg-type]
    moment = datetime.now(UTC) - timedelta(minutes=5)
    for account_id in ids:
        events = []
        for c in range(20):
            at = (moment + timedelta(seconds=c)).isoformat()
            call = f"c{c}"
            events += [
                {"event_id": f"{call}-s", "type": "call.started", "occurred_at": at, "call_id": call,
                 "direction": "inbound", "from": "+14155552671", "to": "+12125550123", "queue": f"q{c % 3}"},
                {"event_id": f"{call}-a", "type": "agent.status", "occurred_at": at, "agent": f"a{c}",
                 "status": "busy"},
            ]  # fmt: skip
        ingest_events(engine, account_id, enumerate(events))  # type: ignore[arg-type]
    polls = []
    for _ in range(5):
        began = time.perf_counter()
        with engine.connect() as conn:  # type: ignore[attr-defined]
            for account_id in ids:
                live_state(conn, account_id, "America/New_York", datetime.now(UTC))
        polls.append(time.perf_counter() - began)
    return polls


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=int, default=1000, help="events per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--modes", default="ws-batch,sse,ws", help="comma-separated: ws-batch, sse, ws")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument(
        "--no-deflate", action="store_true", help="WebSocket clients do not offer compression"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the server's thread; print the top")
    args = parser.parse_args()

    with throwaway_database() as (_home, url):
        from operational import database
        from operational.accounts import create_account
        from operational.api import create_app
        from operational.keys import create_api_key

        engine = database.engine_for(url)
        account = create_account(engine, "bench", "America/New_York")
        key = create_api_key(engine, account.id).secret
        app = create_app(engine)

        async def echo(ws: WebSocket) -> None:
            await ws.accept()
            with contextlib.suppress(WebSocketDisconnect):
                while True:
                    await ws.send_text(await ws.receive_text())

        app.add_api_websocket_route("/echo", echo)
        profile = cProfile.Profile() if args.profile else None
        server, port = serve(app, profile)
        echo_times = asyncio.run(echo_round_trips(port, 500))
        lines = [
            stream_run(args, url, account.id, key, port, mode, first=i * 10_000_000)
            for i, mode in enumerate(args.modes.split(","))
        ]
        server.should_exit = True
        polls = live_polls(engine)

    if profile is not None:
        pstats.Stats(profile).sort_stats("tottime").print_stats(20)
    print(f"{args.clients} clients, {args.rate:,} events/s for {args.seconds:g} s per mode, "
          f"clients in {args.client_processes} processes, WebSocket deflate {'off' if args.no_deflate else 'offered'}")  # fmt: skip
    print(
        f"echo   WebSocket round trip       : p50 {pct(echo_times, 0.5):7.2f} ms  p95 {pct(echo_times, 0.95):7.2f} ms"
    )
    print("\n".join(lines))
    print(f"live   one poll of 100 accounts   : median {statistics.median(polls) * 1000:7.1f} ms "
          f"(max {max(polls) * 1000:.1f} ms; polled every 2,000 ms)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

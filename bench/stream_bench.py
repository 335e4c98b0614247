"""Event stored → received by live stream clients (p50/p95), against a WebSocket echo baseline in the same run;
and the time of one live read-model poll over 100 accounts.

Run: ``.venv/bin/python bench/stream_bench.py [--clients 50 --rate 1000 --seconds 10]``. Starts a throw-away
embedded PostgreSQL and the API (uvicorn, in this process), then
  echo     a WebSocket round trip on the same server (send → echoed back): the transport's floor,
  stream   ``--clients`` WebSocket clients of one account while events are ingested at ``--rate`` per second
           (batches every 50 ms); latency = received − the moment the storing transaction returned,
  live     ``operational.live.live_state`` for each of 100 accounts, one after the other (the wallboard polls
           every 2 s). Targets (DESIGN.md): stream p95 ≤ 100 ms; a poll of 100 accounts well under 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

import orjson
import uvicorn
import websockets
from fastapi import WebSocket
from throwaway import throwaway_database

BATCH_EVERY = 0.05


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else float("nan")


def serve(app: object) -> tuple[uvicorn.Server, int]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )  # type: ignore[arg-type]
    threading.Thread(target=server.run, daemon=True).start()
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


async def stream_latencies(
    port: int, key: str, clients: int, produce: threading.Thread, stored: dict[str, float]
) -> list[float]:
    received: list[tuple[str, float]] = []
    done = asyncio.Event()

    async def client() -> None:
        async with websockets.connect(f"ws://127.0.0.1:{port}/api/v1/stream", max_queue=None) as ws:
            await ws.send(orjson.dumps({"type": "auth", "key": key}).decode())
            await ws.recv()
            ready.release()
            while not done.is_set():
                try:
                    message = orjson.loads(await asyncio.wait_for(ws.recv(), 1.0))
                except TimeoutError:
                    continue
                if message.get("event_id"):
                    received.append((message["event_id"], time.perf_counter()))

    ready = asyncio.Semaphore(0)
    tasks = [asyncio.create_task(client()) for _ in range(clients)]
    for _ in range(clients):
        await ready.acquire()
    produce.start()
    while produce.is_alive():
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.0)  # the last events' delivery
    done.set()
    await asyncio.gather(*tasks)
    return [at - stored[event_id] for event_id, at in received if event_id in stored]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=int, default=1000, help="events per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()

    with throwaway_database() as (_home, url):
        from operational import database
        from operational.accounts import create_account
        from operational.api import create_app
        from operational.ingest import ingest_events
        from operational.keys import create_api_key
        from operational.live import live_state

        engine = database.engine_for(url)
        account = create_account(engine, "bench", "America/New_York")
        key = create_api_key(engine, account.id).secret
        app = create_app(engine)

        async def echo(ws: WebSocket) -> None:
            await ws.accept()
            while True:
                await ws.send_text(await ws.receive_text())

        app.add_api_websocket_route("/echo", echo)
        server, port = serve(app)

        stored: dict[str, float] = {}
        per_batch = max(1, round(args.rate * BATCH_EVERY))

        def produce() -> None:
            statuses = ("available", "busy")
            started, n = time.perf_counter(), 0
            while time.perf_counter() - started < args.seconds:
                now = datetime.now(UTC).isoformat()
                batch = [
                    {"event_id": f"b{n + i}", "type": "agent.status", "occurred_at": now,
                     "agent": f"agent-{(n + i) % 40}", "status": statuses[((n + i) // 40) % 2]}
                    for i in range(per_batch)
                ]  # fmt: skip
                ingest_events(engine, account.id, enumerate(batch))
                at = time.perf_counter()
                for event in batch:
                    stored[event["event_id"]] = at
                n += per_batch
                time.sleep(max(0.0, started + n / args.rate - time.perf_counter()))

        echo_times = asyncio.run(echo_round_trips(port, 500))
        producer = threading.Thread(target=produce)
        latencies = asyncio.run(stream_latencies(port, key, args.clients, producer, stored))
        server.should_exit = True

        # the live read model: 100 accounts with a little of today in each
        ids = [create_account(engine, f"live-{i}", "America/New_York").id for i in range(100)]
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
            ingest_events(engine, account_id, enumerate(events))
        polls = []
        for _ in range(5):
            began = time.perf_counter()
            with engine.connect() as conn:
                for account_id in ids:
                    live_state(conn, account_id, "America/New_York", datetime.now(UTC))
            polls.append(time.perf_counter() - began)

    sent = len(stored)
    print(f"events stored {sent:,} at {args.rate:,}/s target, {args.clients} clients, {len(latencies):,} deliveries "
          f"({len(latencies) / max(1, sent * args.clients):.1%} of expected)")  # fmt: skip
    print(
        f"echo     WebSocket round trip      : p50 {pct(echo_times, 0.5):7.2f} ms  p95 {pct(echo_times, 0.95):7.2f} ms"
    )
    print(f"stream   stored → client received  : p50 {pct(latencies, 0.5):7.2f} ms  p95 {pct(latencies, 0.95):7.2f} ms"
          f"  ({pct(latencies, 0.95) / pct(echo_times, 0.95):.1f}× echo p95)  target p95 ≤ 100 ms: "
          f"{'met' if pct(latencies, 0.95) <= 100 else 'MISSED'}")  # fmt: skip
    print(f"live     one poll of 100 accounts  : median {statistics.median(polls) * 1000:7.1f} ms "
          f"(max {max(polls) * 1000:.1f} ms; polled every 2,000 ms)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

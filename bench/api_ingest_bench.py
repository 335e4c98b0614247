"""HTTP ingest throughput: `POST /api/v1/events` under uvicorn against the JSONL path in the same run.

Run: ``.venv/bin/python bench/api_ingest_bench.py [--days 10] [--clients 4] [--batch 500] [--same-account]``.
Starts a throw-away embedded PostgreSQL and `uvicorn` with 2 workers (uvloop, httptools, no access log) on
loopback, then prints events/s for
  baseline  `voxlink ingest`'s path: the same kind of events from a JSONL file (validate, COPY, state),
  http      N clients, each an account's simulator events in batches, over keep-alive connections (with
            ``--same-account`` all into one account, whose batches then take turns: see ingest.store_batch),
  replay    the same requests again (every event a duplicate),
and the ratios, then the CPU each stored event cost the API's processes and PostgreSQL's (steadier than the rate
on a loaded machine). Target (issue 18): HTTP ≥ 40,000 events/s, call and message state included.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time

import orjson
import psutil
from bench_args import bench_parser
from local_api import free_port, wait_ready
from throwaway import throwaway_database


def _post_all(port: int, key: str, bodies: list[bytes], counts: list[int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    for body in bodies:
        conn.request("POST", "/api/v1/events", body=body, headers=headers)
        response = conn.getresponse()
        result = orjson.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {result}")
        counts[0] += result["stored"]
        counts[1] += result["duplicates"] + result["rejected"]
    conn.close()


def _cpu_seconds(root: psutil.Process) -> float:
    """CPU (user + system) of ``root`` and its children so far; a child that ended meanwhile counts nothing."""
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def _run_clients(port: int, streams: list[tuple[str, list[bytes]]]) -> tuple[float, int, int]:
    counts = [[0, 0] for _ in streams]
    threads = [threading.Thread(target=_post_all, args=(port, key, bodies, counts[i]))
               for i, (key, bodies) in enumerate(streams)]  # fmt: skip
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, sum(c[0] for c in counts), sum(c[1] for c in counts)


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument(
        "--days", type=int, default=10, help="simulated days per client (≈2,400 events a day)"
    )
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--same-account",
        action="store_true",
        help="every client posts to one account (its ingests serialise)",
    )
    args = parser.parse_args()

    with throwaway_database("voxlink-apibench-") as (home, url):
        from operational import database
        from operational.accounts import create_account
        from operational.ingest import ingest_events, read_jsonl
        from operational.keys import create_api_key
        from operational.simulator import simulate

        engine = database.engine_for(url)
        streams: list[tuple[str, list[bytes]]] = []
        total = 0
        shared = create_account(engine, "shared", "America/New_York") if args.same_account else None
        for n in range(args.clients):
            account = shared or create_account(engine, f"client-{n}", "America/New_York")
            events = list(
                simulate(days=args.days, timezone="America/New_York", seed=100 + n, account_slug=f"c{n}")
            )
            total += len(events)
            bodies = [orjson.dumps(events[i : i + args.batch]) for i in range(0, len(events), args.batch)]
            streams.append(
                (create_api_key(engine, account.id, rate_limit_per_minute=1_000_000).secret, bodies)
            )
        where = "one account" if args.same_account else "an account each"
        print(f"{args.clients} clients ({where}), {args.days} simulated days each: {total:,} events")

        path = home / "events.jsonl"
        with path.open("wb") as handle:
            for event in simulate(days=args.days * args.clients, timezone="America/New_York", seed=7):
                handle.write(orjson.dumps(event) + b"\n")
        jsonl_account = create_account(engine, "jsonl", "America/New_York")
        baseline = ingest_events(engine, jsonl_account.id, read_jsonl(path))

        port = free_port()
        env = dict(os.environ, VOXLINK_DATABASE_URL=url)
        command = [
            sys.executable, "-m", "uvicorn", "operational.api.app:create_app", "--factory", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(args.workers), "--loop", "uvloop", "--http", "httptools",
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        api_log = (home / "api.log").open("wb")  # the API logs a line per request
        server = subprocess.Popen(command, env=env, stderr=api_log)
        try:
            wait_ready(port)
            with engine.connect() as conn:
                pid = conn.exec_driver_sql("select pg_backend_pid()").scalar_one()
            postgres, api = psutil.Process(pid).parent(), psutil.Process(server.pid)
            before = _cpu_seconds(api), _cpu_seconds(postgres)
            seconds, stored, other = _run_clients(port, streams)
            api_us = (_cpu_seconds(api) - before[0]) / total * 1e6
            postgres_us = (_cpu_seconds(postgres) - before[1]) / total * 1e6
            assert (stored, other) == (total, 0), (stored, other, total)
            http_rate = total / seconds
            seconds_replay, stored_again, duplicates = _run_clients(port, streams)
            assert (stored_again, duplicates) == (0, total), (stored_again, duplicates)
            replay_rate = total / seconds_replay
        finally:
            server.terminate()
            server.wait(timeout=30)

        print(f"baseline  JSONL ingest (one process)  : {baseline.rate:>10,.0f} events/s  "
              f"({baseline.received:,} events)")  # fmt: skip
        print(f"http      {args.clients} clients, {args.workers} workers     : {http_rate:>10,.0f} events/s  "
              f"({http_rate / baseline.rate:.2f}× baseline)  target ≥ 40,000: "
              f"{'MET' if http_rate >= 40_000 else 'MISSED'}")  # fmt: skip
        print(f"replay    all duplicates over HTTP    : {replay_rate:>10,.0f} events/s  "
              f"({replay_rate / baseline.rate:.2f}× baseline)")  # fmt: skip
        print(f"cpu       per stored event over HTTP  : api {api_us:.1f} µs, postgres {postgres_us:.1f} µs  "
              f"(load {os.getloadavg()[0]:.1f})")  # fmt: skip
        return 0


if __name__ == "__main__":
    sys.exit(main())

"""Reports API latency: p50/p95 of every ``GET /api/v1/reports/{report}`` against ``GET /healthz`` in the same run.

Run: ``.venv/bin/python bench/reports_api_bench.py [--calls 10000000] [--clients 20] [--rounds 20]``.
Loads ``--calls`` calls and twice as many messages into a throw-away embedded PostgreSQL over a year (the set-based
load of ``warehouse_bench.py``), refreshes the warehouse once (full), starts a real ``voxlink api`` (2 uvicorn
workers) on loopback, then N client threads, each on its own keep-alive connection, send /healthz and every
report over a 30-day window of the large account once per round (JSON, first page; each round another
window, see _routes). Every answer must be 200.
Prints route → requests, p50, p95 and both as a multiple of /healthz's. Target (DESIGN.md): report API p95 ≤ 30 ms
at 10 M calls; the seed's < 200 ms per request.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import orjson
from bench_args import bench_parser
from local_api import free_port, wait_ready
from warehouse_bench import END
from warehouse_bench import _load as load_calls_and_messages

REPORTS = ["call-status", "abandon-rate", "outgoing-calls", "dispositions", "user-status", "leaderboard",
           "sms-mms", "dialer-compliance", "user-performance"]  # fmt: skip
TARGET_P95 = 0.030


def _routes(round_number: int = 0) -> list[tuple[str, str]]:
    """(label, path) of the trivial route and of each report over 30 days ending ``round_number`` days before the
    last loaded day: each round asks for another window, so the API's per-version answer cache is missed once per
    round and window (by whichever client asks first) and hit by the other clients."""
    last = END - timedelta(days=round_number)
    span = urlencode({"start": (last - timedelta(days=29)).isoformat(), "end": last.isoformat()})
    return [("GET /healthz", "/healthz")] + [(f"GET /api/v1/reports/{r}", f"/api/v1/reports/{r}?{span}")
                                             for r in REPORTS]  # fmt: skip


def _client(port: int, key: str, rounds: int, timings: dict[str, list[float]], errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {key}"}
    for number in range(rounds):
        for label, path in _routes(number):
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            timings[label].append(time.perf_counter() - started)
            if response.status != 200:
                errors.append(f"{label}: HTTP {response.status} {payload[:200]!r}")
    conn.close()


def _export_job(port: int, key: str, out: dict[str, float | str]) -> None:
    """A year of ``outgoing-calls`` as XLSX through an export job, timed from the POST to ``done``; it runs while
    the clients measure, so the figures include what a large export costs the other requests."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    body = {"report": "outgoing-calls", "format": "xlsx", "start": (END - timedelta(days=364)).isoformat(),
            "end": END.isoformat()}  # fmt: skip
    started = time.perf_counter()
    conn.request("POST", "/api/v1/reports/export", body=orjson.dumps(body), headers=headers)
    job = orjson.loads(conn.getresponse().read())
    while job.get("state") in ("queued", "running"):
        time.sleep(0.2)
        conn.request("GET", f"/api/v1/reports/export/{job['id']}", headers=headers)
        job = orjson.loads(conn.getresponse().read())
    out["seconds"], out["state"], out["rows"] = (
        time.perf_counter() - started,
        str(job.get("state")),
        job.get("rows") or 0,
    )
    conn.close()


def _warm(port: int, key: str) -> None:
    """Each worker opens the warehouse once (a trivial report on a day with no rows) before timing starts."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for _ in range(8):
        conn.request("GET", "/api/v1/reports/call-status?start=2000-01-01&end=2000-01-01",
                     headers={"Authorization": f"Bearer {key}"})  # fmt: skip
        conn.getresponse().read()
    conn.close()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument("--messages", type=int, help="default: twice --calls")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=20, help="times each client sends every route")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="voxlink-reports-bench-"))
    os.environ["VOXLINK_HOME"] = str(home)
    os.environ.pop("VOXLINK_DATABASE_URL", None)
    from operational import database
    from operational.keys import create_api_key
    from pipelines.refresh import run_refresh
    from voxlink import warehouse

    try:
        url = database.prepare()
        engine = database.engine_for(url)
        big = load_calls_and_messages(engine, args.calls, args.messages or 2 * args.calls)
        refresh = run_refresh(full=True)
        print(f"full refresh {refresh.seconds:.1f} s")
        warehouse.close_all()
        key = create_api_key(engine, big.id, rate_limit_per_minute=2_000_000_000).secret
        port = free_port()
        voxlink = str(Path(sys.executable).with_name("voxlink"))
        api_log = (home / "api.log").open("wb")
        server = subprocess.Popen([voxlink, "api", "--port", str(port), "--workers", str(args.workers)],
                                  env=dict(os.environ, VOXLINK_DATABASE_URL=url), stdout=api_log,
                                  stderr=api_log)  # fmt: skip
        timings: dict[str, list[float]] = {label: [] for label, _ in _routes()}
        errors: list[str] = []
        try:
            wait_ready(port)
            _client(
                port, key, 1, {label: [] for label in timings}, errors
            )  # warm: each worker opens the file
            threads = [threading.Thread(target=_client, args=(port, key, args.rounds, timings, errors))
                       for _ in range(args.clients)]  # fmt: skip
            export: dict[str, float | str] = {}
            threads.append(threading.Thread(target=_export_job, args=(port, key, export)))
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
        _print(timings, args, seconds)
        print(f"meanwhile an XLSX export job of a year of outgoing-calls ({export.get('rows', 0):,} rows): "
              f"{export.get('state')} in {float(export.get('seconds', 0)):.1f} s")  # fmt: skip
        if errors:
            print(f"{len(errors)} non-200 answers, first: {errors[:3]}")
            return 1
        return 0
    finally:
        warehouse.close_all()
        database.stop_embedded()
        shutil.rmtree(home, ignore_errors=True)


def _print(timings: dict[str, list[float]], args: argparse.Namespace, seconds: float) -> None:
    total = sum(len(values) for values in timings.values())
    print(f"{args.calls:,} calls; {args.clients} clients × {args.rounds} rounds × {len(timings)} routes = "
          f"{total:,} requests in {seconds:.1f} s ({total / seconds:,.0f}/s), {args.workers} workers, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    base50 = statistics.median(timings["GET /healthz"])
    base95 = _percentile(timings["GET /healthz"], 0.95)
    print(f"{'route':<42} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×':>7} {'p95 ×':>7}")
    for label, values in timings.items():
        p50, p95 = statistics.median(values), _percentile(values, 0.95)
        print(f"{label:<42} {len(values):>5} {p50 * 1000:>8.1f} {p95 * 1000:>8.1f} "
              f"{p50 / base50:>7.1f} {p95 / base95:>7.1f}")  # fmt: skip
    worst = max(_percentile(values, 0.95) for label, values in timings.items() if label != "GET /healthz")
    print(
        f"worst report p95 {worst * 1000:.1f} ms: target ≤ 30 ms {'MET' if worst <= TARGET_P95 else 'MISSED'}"
    )


if __name__ == "__main__":
    sys.exit(main())

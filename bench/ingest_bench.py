"""Ingest throughput from a JSONL file, with the storage-only COPY of the same events as the baseline.

Run: ``.venv/bin/python bench/ingest_bench.py [--days 60]``. Starts a throw-away embedded PostgreSQL,
writes the simulator's events to a file, then prints events/s for
  baseline  COPY of the raw lines into a bare table (no parsing, no validation, no state),
  ingest    `voxlink ingest`'s path: parse, validate, COPY to staging, idempotent insert, call/message state,
  replay    the same file again (every event a duplicate),
and the ratios, then the CPU each event cost this process (parse, validate, COPY rows) and PostgreSQL (every
server process): on a shared, loaded machine the wall-clock rate swings with the load, CPU per event much less;
and the share of the wall time during which a batch's transaction ran (near 100 %: storing is the bottleneck,
reading and checking run beside it). ``--connections 1`` stores with one connection, as before issue 18's second.
Target (issue 18): ingest ≥ 40,000 events/s.
"""

from __future__ import annotations

import os
import sys
import time

import orjson
import psutil
import psycopg
from bench_args import bench_parser
from throwaway import throwaway_database


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:  # a server process that ended meanwhile
            continue
        total += times.user + times.system
    return total


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--days", type=int, default=60, help="simulated days (≈2,400 events per day)")
    parser.add_argument(
        "--connections",
        type=int,
        default=None,
        help="storing connections (default: ingest's, 2); 1 to compare",
    )
    args = parser.parse_args()

    with throwaway_database() as (home, url):
        from operational import database
        from operational.accounts import create_account
        from operational.ingest import STORING_CONNECTIONS, ingest_events, read_jsonl
        from operational.simulator import simulate

        socket_dir = url.rsplit("host=", 1)[1]
        engine = database.engine_for(url)
        account = create_account(engine, "bench", "America/New_York")

        path = home / "events.jsonl"
        with path.open("wb") as handle:
            for event in simulate(days=args.days, timezone="America/New_York", seed=5):
                handle.write(orjson.dumps(event) + b"\n")
        lines = path.read_bytes().count(b"\n")
        print(
            f"events file: {lines:,} events, {path.stat().st_size / 1e6:.1f} MB ({args.days} simulated days)"
        )

        with psycopg.connect(f"dbname=voxlink host={socket_dir} user=postgres") as conn:
            conn.execute("create unlogged table copy_baseline (line jsonb)")
            started = time.perf_counter()
            with (
                conn.cursor().copy("copy copy_baseline (line) from stdin") as copy,
                path.open("rb") as handle,
            ):
                for line in handle:
                    copy.write_row((line.decode().rstrip("\n"),))
            baseline = lines / (time.perf_counter() - started)

        with engine.connect() as conn:
            server = psutil.Process(conn.exec_driver_sql("select pg_backend_pid()").scalar_one()).parent()
        me = psutil.Process()
        cpu_before = me.cpu_times(), _cpu_seconds([server, *server.children()])
        connections = args.connections or STORING_CONNECTIONS
        report = ingest_events(engine, account.id, read_jsonl(path), connections=connections)
        cpu_after = me.cpu_times(), _cpu_seconds([server, *server.children()])
        replay = ingest_events(engine, account.id, read_jsonl(path))
        python_s = sum(cpu_after[0][:2]) - sum(cpu_before[0][:2])
        postgres_s = cpu_after[1] - cpu_before[1]
        python_us, postgres_us = python_s / lines * 1e6, postgres_s / lines * 1e6
        assert report.stored == lines and replay.stored == 0, (report, replay)

        print(f"baseline  COPY lines, no processing : {baseline:>10,.0f} events/s")
        print(f"ingest    validate + store + state  : {report.rate:>10,.0f} events/s  "
              f"({report.rate / baseline:.2f}× baseline)  target ≥ 40,000: "
              f"{'MET' if report.rate >= 40_000 else 'MISSED'}")  # fmt: skip
        print(f"replay    all duplicates            : {replay.rate:>10,.0f} events/s  "
              f"({replay.rate / baseline:.2f}× baseline)")  # fmt: skip
        print(f"cpu       per stored event          : python {python_us:.1f} µs, postgres {postgres_us:.1f} µs  "
              f"(load {os.getloadavg()[0]:.1f})")  # fmt: skip
        print(f"storing   {report.storing_seconds:.2f} s of the {report.seconds:.2f} s wall in the batches' "
              f"transactions on {connections} connection(s), overlaps counted once "
              f"({report.storing_seconds / report.seconds:.0%}; reading and checking run beside it: "
              f"near 100 % storing is the bottleneck); CPU python {python_s:.2f} s, postgres {postgres_s:.2f} s")  # fmt: skip
        return 0


if __name__ == "__main__":
    sys.exit(main())

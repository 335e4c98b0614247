"""Report query latency on a served warehouse: each export query's p50/p95 over 30 days, and its CPU time.

Run: ``.venv/bin/python bench/report_latency_bench.py --home DIR [--account large] [--end YYYY-MM-DD]``, where
``DIR/warehouse/served.duckdb`` is a published warehouse (e.g. a copy of one kept by ``warehouse_bench.py
--keep``). Each report is read exactly as ``warehouse_bench.py``'s report figures read it
(:func:`exports.report_reading.report_frame` on the process's open read-only connection: warm once, then timed
``--repeat`` times), so the two benches' figures compare. Wall time on a busy machine is noisy, so the process CPU
time of each query (DuckDB's worker threads included) is printed beside it.
Target (issue 18): each report's p95 over 30 days ≤ 5 ms at 10 M calls.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path

from bench_args import bench_parser
from warehouse_bench import REPORT_P95_MS, p


def _timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall and process-CPU milliseconds of each of ``repeat`` calls."""
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def _account_and_end(slug: str, end: date | None) -> tuple[int, date]:
    """The account's id and the last local day to report (its latest day of calls unless given)."""
    from voxlink import warehouse

    with warehouse.cursor() as cursor:
        found = cursor.execute("select account_id from dim_accounts where slug = ?", [slug]).fetchone()
        if found is None:
            raise SystemExit(f"no account {slug!r} in the served warehouse")
        latest = cursor.execute(
            "select max(date) from rpt_call_status_daily where account_id = ?", [found[0]]
        ).fetchone()
    last = end or (latest[0] if latest and latest[0] else date.today())
    return int(found[0]), last


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument(
        "--home", type=Path, required=True, help="VOXLINK_HOME holding warehouse/served.duckdb"
    )
    parser.add_argument("--account", default="large", help="account slug (warehouse_bench.py's big one)")
    parser.add_argument(
        "--end", type=date.fromisoformat, help="last local day (default: the account's latest)"
    )
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per report query")
    args = parser.parse_args()
    os.environ["VOXLINK_HOME"] = str(args.home)

    from exports.report_reading import report_frame
    from exports.report_specs import REPORTS
    from voxlink import warehouse

    try:
        account_id, last = _account_and_end(args.account, args.end)
        first = last - timedelta(days=args.days - 1)
        print(f"report queries, {first} – {last} ({args.days} days), account {args.account}, "
              f"{args.repeat} runs each (issue 18: p95 ≤ {REPORT_P95_MS} ms each):")  # fmt: skip
        for name in REPORTS:
            rows = report_frame(name, account_id, first, last).height  # warms the connection
            wall, cpu = _timed(partial(report_frame, name, account_id, first, last), args.repeat)
            verdict = "MET" if p(wall, 95) <= REPORT_P95_MS else "MISSED"
            print(f"  {name:18s} {rows:5d} rows  p50 {p(wall, 50):5.1f} ms  p95 {p(wall, 95):5.1f} ms  "
                  f"CPU p50 {p(cpu, 50):5.1f} ms  {verdict}")  # fmt: skip
        return 0
    finally:
        warehouse.close_all()


if __name__ == "__main__":
    sys.exit(main())

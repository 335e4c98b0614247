"""A 1,000,000-row × 10-column formatted XLSX export: the product's path against pure xlsxwriter, same run.

Builds a served warehouse whose ``rpt_abandon_rate_daily`` mart yields a million report rows (1,000 days ×
1,000 queues), then runs the whole export as `voxlink export --format xlsx` does (``exports.export.export_file``: the
report queries and the writer) in a fresh child process per writer, so each peak RSS is that export's
alone (the kernel's ru_maxrss for that child, read with wait4), interpreter and imports included; the
RSS after the imports is printed beside it, and a third child only reads the report the way the product
does, so the peak splits into imports, reading and writing. Linux carries the peak RSS of the process that
starts a child into the child's ru_maxrss (exec keeps the old address space's high-water mark), so the
warehouse is built and the file read back in children too: this process stays ~20 MB and never sets a
floor under the figures (it prints its own peak to show it). The product streams the report a month of
dates at a time into rvgsrust-xlsxwriter; the baseline loads the whole frame and writes it with xlsxwriter in constant-memory
mode. Target (DESIGN.md): ≤ 15 s and ≤ 250 MB.

    python bench/xlsx_bench.py [--rows 1000000] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench_args import bench_parser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUEUES = 1_000
START = date(2024, 1, 1)
TARGET_SECONDS, TARGET_MB = 15.0, 250.0


def build_warehouse(served: Path, rows: int) -> tuple[date, date]:
    """A served file with the abandon-rate mart and a publish record; the inclusive range covering it."""
    import duckdb

    days = max(rows // QUEUES, 1)
    served.parent.mkdir(parents=True, exist_ok=True)
    from pipelines.metric_functions import metric_functions_sql

    functions = metric_functions_sql(served.with_name("scratch.duckdb"), served.parent / "target")
    with duckdb.connect(str(served)) as con:
        # the report query calls the warehouse's metric functions, as a publish leaves them
        con.execute(functions)
        con.execute(
            f"""
            create table rpt_abandon_rate_daily as
            select 1 as account_id,
                   cast(date '{START}' + d * interval 1 day as date) as date,
                   'queue-' || lpad(cast(q as varchar), 4, '0') as queue_name,
                   cast(20 + (d * 7 + q) % 80 as bigint) as offered,
                   cast(15 + (d * 7 + q) % 60 as bigint) as answered,
                   cast((d + q) % 5 as bigint) as abandoned,
                   cast((d + q) % 2 as bigint) as short_abandoned,
                   cast(10 + (d * 3 + q) % 40 as bigint) as answered_within_sl,
                   cast(((d * 13 + q * 7) % 90000) / 10.0 as decimal(18, 6)) as answered_wait_seconds
            from range({days}) t(d), range({QUEUES}) u(q)
            """
        )
        # the day's ratios the model stores beside its parts, by the same warehouse functions
        con.execute(
            "create or replace table rpt_abandon_rate_daily as select *, "
            "abandon_rate(abandoned, short_abandoned, offered) as abandon_rate, "
            "service_level(answered_within_sl, answered, abandoned, short_abandoned) as service_level, "
            "asa_seconds(answered_wait_seconds, answered) as asa_seconds from rpt_abandon_rate_daily"
        )
        con.execute(
            "create table _publish as select 1 as version, now() as published_at, 0.0 as built_seconds"
        )
    return START, START + timedelta(days=days - 1)


def child(writer: str, out: Path, start: date, end: date) -> None:
    """One export in this process, the way `voxlink export --format xlsx` runs it; prints figures as JSON.

    ``read`` only reads the report the way the product does (a month of dates at a time) and writes nothing:
    the memory the query side needs on its own, so the writer's share of the product's peak shows.
    """
    began = time.perf_counter()
    from exports import xlsx
    from exports.export import EXPORT_THREADS, export_file
    from exports.report_reading import report_chunks

    imported = time.perf_counter()
    import_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if writer == "read":
        chunks = report_chunks("abandon-rate", 1, start, end, threads=EXPORT_THREADS)  # as export_file reads
        rows = sum(chunk.height for chunk in chunks)
    else:
        if writer == "xlsxwriter":  # the everyday path: the whole frame, xlsxwriter in constant-memory mode
            xlsx.LARGE_ROWS = sys.maxsize
        rows = export_file(1, "bench", "UTC", "abandon-rate", start, end, "xlsx", str(out))
    done = time.perf_counter()
    figures = {
        "rows": rows,
        "columns": 10,
        "import_s": imported - began,
        "export_s": done - imported,
        "import_mb": import_mb,
        "file_mb": out.stat().st_size / 1e6 if out.exists() else 0.0,
        "pyarrow": "pyarrow" in sys.modules,  # the product's read path streams DuckDB → polars without it
    }
    print(json.dumps(figures))


def run_child(writer: str, home: Path, out: Path, start: date, end: date, rows: int = 0) -> dict[str, Any]:
    """Run one step in a fresh interpreter; its peak RSS is the child's own, as the kernel saw it (wait4)."""
    env = dict(os.environ, VOXLINK_HOME=str(home))
    command = [sys.executable, __file__, "--child", writer, "--out", str(out), "--start", str(start),
               "--end", str(end), "--rows", str(rows)]  # fmt: skip
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        proc = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # reaps the child: its own rusage, nobody else's
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        output, errors = stdout.read(), stderr.read()
    if proc.returncode:
        raise RuntimeError(f"{writer} export failed ({proc.returncode}):\n{errors}")
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    figures["peak_mb"] = usage.ru_maxrss / 1024  # Linux reports kilobytes
    # the child's CPU time, imports included: unlike wall time, a busy machine hardly inflates it
    figures["cpu_s"] = usage.ru_utime + usage.ru_stime
    return figures


def check_read_back(path: Path, rows: int) -> str:
    """openpyxl must read the file: the header, the first data row and the row count."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book["abandon-rate"]
    header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True))
    first = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    assert header[0] == "date" and header[-1] == "asa_seconds", header
    assert first[1] == "queue-0000", first
    assert sheet.max_row == rows + 1, sheet.max_row
    return f"read back with openpyxl: {sheet.max_row - 1:,} rows, first row {first[:4]}"


def helper(step: str, out: Path, rows: int) -> None:
    """The steps that are not measured, in a child of their own so their memory stays out of the figures."""
    if step == "build":
        start, end = build_warehouse(out, rows)
        print(json.dumps({"start": str(start), "end": str(end)}))
    else:
        print(json.dumps({"message": check_read_back(out, rows)}))


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-baseline", action="store_true", help="skip pure xlsxwriter (~60 s)")
    parser.add_argument(
        "--child", choices=["build", "check", "read", "product", "xlsxwriter"], help=argparse.SUPPRESS
    )
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--start", type=date.fromisoformat, help=argparse.SUPPRESS)
    parser.add_argument("--end", type=date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child in ("build", "check"):
        helper(args.child, args.out, args.rows)
        return 0
    if args.child:
        child(args.child, args.out, args.start, args.end)
        return 0

    with tempfile.TemporaryDirectory(prefix="xlsx-bench-") as folder:
        home = Path(folder) / "home"
        served = home / "warehouse" / "served.duckdb"
        started = time.perf_counter()
        built = run_child("build", home, served, START, START, args.rows)
        start, end = date.fromisoformat(built["start"]), date.fromisoformat(built["end"])
        print(f"warehouse: {args.rows:,} report rows built in {time.perf_counter() - started:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (figures are wall time)")  # fmt: skip
        results = {}
        labels = {"read": "reading only (no writer)", "product": "product (streamed, Rust writer)",
                  "xlsxwriter": "baseline (xlsxwriter)"}  # fmt: skip
        for writer in ("read", "product", "xlsxwriter"):
            if writer == "xlsxwriter" and args.skip_baseline:
                continue
            out = Path(folder) / f"{writer}.xlsx"
            results[writer] = figures = run_child(writer, home, out, start, end)
            print(f"{labels[writer]:32s} {figures['rows']:,} rows × {figures['columns']} columns: "
                  f"{figures['export_s']:.1f} s (after {figures['import_s']:.1f} s of imports; "
                  f"{figures['cpu_s']:.1f} s CPU in all), "
                  f"peak RSS {figures['peak_mb']:.0f} MB (imports alone {figures['import_mb']:.0f} MB)"
                  + (f", file {figures['file_mb']:.0f} MB" if writer != "read" else "")
                  + ("; pyarrow imported" if figures["pyarrow"] else ""))  # fmt: skip
            if writer == "product":
                print("  " + run_child("check", home, out, start, end, figures["rows"])["message"])
        product, read = results["product"], results["read"]
        print(f"product peak: {product['import_mb']:.0f} MB interpreter and imports, "
              f"+{read['peak_mb'] - read['import_mb']:.0f} MB reading the report, "
              f"+{product['peak_mb'] - read['peak_mb']:.0f} MB the writer; "
              f"{product['peak_mb'] / read['peak_mb']:.2f}× the reading-only peak")  # fmt: skip
        if "xlsxwriter" in results:
            base = results["xlsxwriter"]
            print(f"product vs baseline: {base['export_s'] / product['export_s']:.1f}× faster, "
                  f"{product['peak_mb'] / base['peak_mb']:.2f}× the peak memory")  # fmt: skip
        own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"this process's own peak RSS: {own_mb:.0f} MB (a floor under every child's figure)")
        ok = product["export_s"] <= TARGET_SECONDS and product["peak_mb"] <= TARGET_MB
        print(f"target ≤ {TARGET_SECONDS:.0f} s and ≤ {TARGET_MB:.0f} MB: {'met' if ok else 'MISSED'}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

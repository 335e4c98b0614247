"""Fault figures (issue 12): killed refreshes, a poisoned account, ingest through a PostgreSQL restart, full disk.

Run: ``.venv/bin/python bench/faults.py [--kills 10] [--events 10000] [--clients 8] [--seed 12] [--short]``.

Every scenario runs against the real processes of a temporary home (its own embedded PostgreSQL,
`voxlink refresh` and `voxlink api` subprocesses); the scenario code is bench/fault_scenarios/*_scenario.py, which
tests/faults/ runs in the short form (``--short``: 2 kills, in publish and dbt). Prints, with the number of cases tried:
wedged refreshes, partial warehouses served, healthy accounts held back by another account's data, events
lost and duplicated, and how long recovery took; exits 1 when any failure counter is not 0.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_args import bench_parser

from bench.fault_scenarios.disk_scenario import run_disk_faults  # noqa: E402
from bench.fault_scenarios.fault_home import open_home, prepare_home, remove_home  # noqa: E402
from bench.fault_scenarios.ingest_scenario import run_ingest  # noqa: E402
from bench.fault_scenarios.kill_scenario import run_kills  # noqa: E402
from bench.fault_scenarios.poison_scenario import run_poison  # noqa: E402

T = TypeVar("T")


def timed(label: str, run: Callable[[], T]) -> tuple[T, float]:
    print(f"… {label}", flush=True)
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs of the refresh (default 10)")
    parser.add_argument("--events", type=int, default=10_000, help="unique events ingested (default 10,000)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (default 8)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--short", action="store_true", help="CI's short form: 2 kills")
    args = parser.parse_args()
    kills = 2 if args.short else args.kills
    root = Path(tempfile.mkdtemp(prefix="voxlink-faults-"))
    rows: list[tuple[str, str, str]] = []  # (figure, value, failure counter?)
    failed = 0

    def row(figure: str, value: object, failure: bool = False) -> None:
        nonlocal failed
        rows.append((figure, str(value), "must be 0" if failure else ""))
        if failure and value != 0:
            failed += 1

    try:
        home, seconds = timed(
            "preparing a home (3 accounts, first publish)", lambda: prepare_home(root / "home")
        )
        row("first refresh (prepare), s", f"{seconds:.1f}")
        k, seconds = timed(f"{kills} SIGKILLs of voxlink refresh", lambda: run_kills(home, kills, args.seed))
        row("kills tried", k.tried)
        row("refreshes done before their kill landed (each tried again, sooner)", k.missed, False)
        row(
            "kills landed in extract/checks/dbt/publish",
            "/".join(str(k.hit.get(p, 0)) for p in ("extract", "checks", "dbt", "publish")),
        )
        row("wedged refreshes", k.wedged, True)
        row("refreshes failing after a kill", k.failed_after, True)
        row("partial warehouses served after a kill", k.partial_served, True)
        row("kills after the publish's replace (its new file served whole)", k.after_replace, False)
        if k.recovery_seconds:
            row(
                "next refresh after a kill, median / max s",
                f"{statistics.median(k.recovery_seconds):.1f} / {max(k.recovery_seconds):.1f}",
            )
        row("kill scenario, s", f"{seconds:.1f}")
        d, seconds = timed("full disk and unwritable warehouse directory", lambda: run_disk_faults(home))
        row(f"disk faults tried ({', '.join(d.methods)})", d.tried)
        row("disk faults failing quietly", d.quiet_failures, True)
        row("disk fault messages not naming the cause", d.unnamed_causes, True)
        row("partial warehouses served after a disk fault", d.partial_served, True)
        row("refresh not publishing once the disk is back", d.not_recovered, True)
        row("disk scenario, s", f"{seconds:.1f}")
        p, seconds = timed("one account poisoned, the others fresh", lambda: run_poison(home))
        row(f"blocking rules broken in PostgreSQL (PostgreSQL refused {len(p.refused)})", len(p.violated))
        row(f"healthy accounts held back (of {p.accounts})", p.held_back, True)
        row("poisoned rows served", p.poisoned_served, True)
        row("poison scenario, s", f"{seconds:.1f}")
        remove_home(home)
        ingest_home = open_home(root / "ingest")
        try:
            i, seconds = timed(
                f"{args.events:,} events, 30 % duplicated, {args.clients} clients, PostgreSQL restarted",
                lambda: run_ingest(ingest_home, args.events, args.clients, args.seed),
            )
        finally:
            remove_home(ingest_home)
        row("events sent (unique / with duplicates)", f"{i.events:,} / {i.deliveries:,}")
        row("client retries during the outage", i.retries)
        row("PostgreSQL down, s", f"{i.outage_seconds:.1f}")
        row("events lost", i.lost, True)
        row("events duplicated", i.duplicated, True)
        row("tables differing from one ordered delivery", len(i.tables_differing), True)
        row("ingest scenario, s", f"{seconds:.1f}")
        problems = k.failures + d.failures + p.failures + [f"tables differ: {t}" for t in i.tables_differing]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    for figure, value, note in rows:
        print(f"{figure:<{width}}  {value:>14}  {note}")
    for message in d.messages:
        print(f"  {message}")
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

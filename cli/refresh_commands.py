"""``voxlink refresh|check``: rebuild and publish the warehouse; run the data-quality suites on it."""

from __future__ import annotations

import argparse
import os
import sys

from cli.engine import ready_engine
from cli.errors import CliError
from cli.registry import Add


def add_parsers(add: Add) -> None:
    refresh_parser = add(
        "refresh", refresh, "extract → dbt build → checks → publish (in-process Dagster job)"
    )
    refresh_parser.add_argument("--full", action="store_true", help="rebuild everything from scratch")
    refresh_parser.add_argument(
        "--wait",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for another live refresh to finish before giving up (default 300); runs whose "
        "process died are marked failed and their slots freed at once",
    )
    refresh_parser.add_argument(
        "--every",
        type=float,
        metavar="SECONDS",
        help="stay running and refresh every SECONDS from one warm process (dbt's manifest parsed once, dbt "
        "run in-process); each refresh is still a Dagster run. Stop with Ctrl+C or SIGTERM",
    )

    check_parser = add("check", check, "run the data-quality suites on the working and served warehouses")
    check_parser.add_argument(
        "--no-docs", action="store_true", help="skip writing great-expectations Data Docs"
    )


def refresh(args: argparse.Namespace) -> int:
    from pipelines.refresh import RefreshFailed, run_refresh

    if args.every is not None:
        return refresh_every(args)
    ready_engine()
    try:
        result = run_refresh(
            full=args.full,
            wait_seconds=args.wait,
            say=lambda line: print(f"voxlink refresh: {line}", file=sys.stderr, flush=True),
            watch=True,
        )
    except RefreshFailed as err:
        raise CliError(str(err)) from None
    except KeyboardInterrupt:
        print(
            "voxlink refresh: stopped, interrupted; the last good warehouse is still served", file=sys.stderr
        )
        return 130
    print(result.summary())
    return 0


def refresh_every(args: argparse.Namespace) -> int:
    """The long-lived refresher: refresh now and every ``--every`` seconds until stopped."""
    if args.full:
        raise CliError("--every refreshes incrementally; run `voxlink refresh --full` once on its own")
    if args.every < 1:
        raise CliError(f"--every must be at least 1 second, got {args.every:g}")
    from pipelines.warm_refresher import WarmRefresher

    ready_engine()
    say = lambda line: print(f"voxlink refresh: {line}", flush=True)  # noqa: E731
    refresher = WarmRefresher(every_seconds=args.every, say=say)
    try:
        refresher.run(watch=True)
    except KeyboardInterrupt:
        print("voxlink refresh: stopped; the last good warehouse is still served", file=sys.stderr)
        return 130
    if refresher.restart_needed:
        start_again()
    return 0


def start_again() -> None:
    """Replace this process by the same command (same pid, so whoever started it still owns it): a changed dbt
    project is loaded by a new interpreter. The publish's starting copy, if one is being made, is finished first
    (an exec would leave it half-written)."""
    from pipelines.ready_copy import wait_for_copy
    from voxlink.settings import get_settings

    wait_for_copy(get_settings().served_db)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])


def check(args: argparse.Namespace) -> int:
    from data_tests.check import WarehouseBusy, run_checks

    try:
        report = run_checks(data_docs=not args.no_docs)
    except WarehouseBusy as err:
        raise CliError(str(err)) from None
    if not report.outcomes:
        raise CliError("no warehouse to check yet: run `voxlink refresh` first")
    for outcome in report.outcomes:
        print(f"[{outcome.target}] {outcome.summary()}")
    if report.data_docs:
        print(f"Data Docs: {report.data_docs}")
    if report.blocking:
        print(f"{len(report.blocking)} suite(s) failed a blocking rule", file=sys.stderr)
        return 1
    return 0

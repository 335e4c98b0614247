"""Handlers behind each ``voxlink`` subcommand; thin adapters that turn core errors into CLI messages.

The servers (``app``, ``api``, ``demo``) run as child processes under :func:`~voxlink.process_tree.supervise`:
SIGTERM, SIGINT or SIGHUP to the command stops all of them, and they die with it if it is killed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from voxlink.cli import CliError
from voxlink.process_tree import GRACE_SECONDS, ProcessTree, supervise
from voxlink.settings import REPO_ROOT, get_settings

DEMO_ACCOUNTS = (("acme", "America/New_York", "Acme Support"), ("globex", "Europe/London", "Globex Sales"))


def db(args: argparse.Namespace) -> int:
    from operational import database

    settings = get_settings()
    if args.action == "up":
        url = database.prepare(settings)
        where = settings.database_url and "external server" or f"embedded, data in {settings.pgdata_dir}"
        print(f"PostgreSQL is up ({where}); schema at the newest migration")
        print(f"  {url}")
    elif args.action == "down":
        if settings.database_url:
            raise CliError("VOXLINK_DATABASE_URL points at an external server; nothing embedded to stop")
        print("stopped" if database.stop_embedded(settings) else "not running")
    else:
        status = database.embedded_status(settings)
        if settings.database_url:
            print(f"external server: {settings.database_url}")
        elif status.running:
            print(f"running (pid {status.pid}, socket {status.socket_dir}, data {status.pgdata})")
        else:
            print(f"not running (data {status.pgdata})")
        from voxlink.status_commands import freshness_line

        print(freshness_line())
        if not (settings.database_url or status.running):
            return 3
    return 0


def _engine():  # type: ignore[no-untyped-def]
    from operational import database

    return database.engine_for(database.prepare())


def accounts(args: argparse.Namespace) -> int:
    from operational.accounts import AccountError, create_account, list_accounts

    engine = _engine()
    if args.action == "create":
        try:
            ref = create_account(engine, args.slug, args.timezone, args.name)
        except AccountError as err:
            raise CliError(str(err)) from None
        print(f"created account {ref.slug} (id {ref.id}, time zone {ref.timezone})")
    else:
        for ref in list_accounts(engine):
            print(f"{ref.slug}\t{ref.timezone}")
    return 0


def _report_ingest(report, label: str) -> None:  # type: ignore[no-untyped-def]
    print(
        f"{label}: {report.received:,} events read, {report.stored:,} stored, {report.duplicates:,} duplicates, "
        f"{len(report.rejected):,} rejected in {report.seconds:.1f} s ({report.rate:,.0f} events/s)"
    )
    if not report.rejected:
        return
    per_field = Counter(rejection.field for rejection in report.rejected)
    summary = ", ".join(
        f"{name} {count:,}" for name, count in sorted(per_field.items(), key=lambda x: (-x[1], x[0]))
    )
    print(f"rejected by field: {summary}")
    for rejection in report.rejected[:20]:
        print(f"  rejected {rejection}", file=sys.stderr)
    if len(report.rejected) > 20:
        print(f"  … and {len(report.rejected) - 20} more rejected", file=sys.stderr)


def ingest(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DBAPIError
    from tqdm import tqdm

    from operational.accounts import AccountError, get_account
    from operational.ingest import ingest_events, read_jsonl

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    engine = _engine()
    try:
        account = get_account(engine, args.account)
    except AccountError as err:
        raise CliError(str(err)) from None
    try:
        with tqdm(desc="ingest", unit=" events", disable=args.quiet or None, unit_scale=True) as bar:
            report = ingest_events(engine, account.id, read_jsonl(path), on_batch=bar.update)
    except DBAPIError as err:  # the database went away: every batch stored before stays stored
        problem = str(getattr(err, "orig", err)).splitlines()[0]
        raise CliError(
            f"ingest of {path} stopped, the database failed: {problem}; rerun it (idempotent)"
        ) from None
    except OSError as err:
        raise CliError(f"cannot read {path}: {err.strerror or err}") from None
    _report_ingest(report, str(path))
    return 2 if report.rejected else 0


def _ensure_account(engine, slug: str, timezone: str, name: str | None = None):  # type: ignore[no-untyped-def]
    from operational.accounts import AccountError, create_account, get_account

    try:
        return get_account(engine, slug)
    except AccountError:
        return create_account(engine, slug, timezone, name)


def _simulate_into(
    engine, slug: str, timezone: str, days: int, seed: int, end: date | None, name=None
) -> None:  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    from operational.ingest import ingest_events
    from operational.simulator import simulate as generate

    account = _ensure_account(engine, slug, timezone, name)
    events = generate(days=days, timezone=account.timezone, seed=seed, end_date=end, account_slug=slug)
    with tqdm(desc=f"simulate {slug}", unit=" events", unit_scale=True) as bar:
        report = ingest_events(engine, account.id, enumerate(events, start=1), on_batch=bar.update)
    _report_ingest(report, f"simulated {days} days for {slug}")


def simulate(args: argparse.Namespace) -> int:
    if args.days < 1:
        raise CliError("--days must be at least 1")
    _simulate_into(_engine(), args.account, args.timezone, args.days, args.seed, args.end)
    return 0


def refresh(args: argparse.Namespace) -> int:
    from pipelines.refresh import RefreshFailed, run_refresh

    _engine()
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


def export(args: argparse.Namespace) -> int:
    from exports.export import export_file
    from exports.render import write_csv
    from exports.reports import REPORTS, ReportError, report_frame
    from voxlink.warehouse import WarehouseMissing

    if args.report not in REPORTS:
        raise CliError(f"unknown report {args.report!r}; choose one of: {', '.join(sorted(REPORTS))}")
    if args.end < args.start:
        raise CliError(f"--end {args.end} is before --start {args.start}")
    if args.format != "csv" and not args.out and sys.stdout.isatty():
        raise CliError(
            f"--format {args.format} writes a binary file: give --out PATH (or redirect the output)"
        )
    from operational.accounts import AccountError, get_account

    try:
        account = get_account(_engine(), args.account)
        if args.format == "csv" and not args.out:
            write_csv(report_frame(args.report, account.id, args.start, args.end), sys.stdout)
            return 0
        target = args.out or sys.stdout.buffer
        rows = export_file(account.id, account.slug, account.timezone, args.report, args.start, args.end,
                           args.format, target)  # fmt: skip
    except (AccountError, ReportError, WarehouseMissing) as err:
        raise CliError(str(err)) from None
    if args.out:
        print(f"wrote {rows:,} rows to {args.out}", file=sys.stderr)
    return 0


def app(args: argparse.Namespace) -> int:
    port = args.port or get_settings().app_port
    return supervise(lambda tree: _serve_app(tree, port))


def _serve_app(tree: ProcessTree, port: int) -> int:
    """Streamlit in a child process until it exits, or until the command is asked to stop (then it is stopped)."""
    env = dict(os.environ, VOXLINK_HOME=str(get_settings().home_dir))
    print(f"VoxLink Analytics is serving on http://127.0.0.1:{port}  (Ctrl+C to stop)", flush=True)
    command = [
        sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app" / "streamlit_app.py"),
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    return tree.start(command, cwd=REPO_ROOT, env=env).wait()


def api(port: int, workers: int) -> int:
    """uvicorn (its supervisor and ``workers`` worker processes) in a child process tree, stopped as a whole."""
    _engine()  # start (if embedded) and migrate once, before the workers connect
    print(f"VoxLink API on http://127.0.0.1:{port}  (OpenAPI at /docs; Ctrl+C to stop)", flush=True)
    command = [
        sys.executable, "-m", "uvicorn", "voxlink.api_app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--no-access-log",
        "--loop", "uvloop", "--http", "httptools", "--log-level", "warning",
        # uvicorn would believe X-Forwarded-* from loopback; the app decides whom to believe (edge.py)
        "--no-proxy-headers",
        # open requests (a live stream) get this long to finish before the workers close them
        "--timeout-graceful-shutdown", str(int(GRACE_SECONDS // 2)),
    ]  # fmt: skip
    return supervise(lambda tree: tree.start(command, cwd=REPO_ROOT).wait())


def demo(args: argparse.Namespace) -> int:
    # stoppable from the first step: a signal during the refresh stops its dbt parse too
    return supervise(lambda tree: _demo(tree, args.days, serve=not args.no_serve))


def _demo(tree: ProcessTree, days: int, *, serve: bool) -> int:
    from pipelines.refresh import run_refresh

    engine = _engine()
    for seed, (slug, timezone, name) in enumerate(DEMO_ACCOUNTS, start=1):
        # through each account's own local yesterday: the day its "yesterday" reports and daily e-mails show
        _simulate_into(engine, slug, timezone, days, seed, None, name)
    print(run_refresh().summary())
    from app.demo_users import ensure_demo_users

    print(
        "Sign in to the app as:", *ensure_demo_users(engine, [slug for slug, _, _ in DEMO_ACCOUNTS]), sep="\n"
    )
    print(
        "Report subscriptions (managers and admins) may e-mail any address in:", *_allow_demo_domains(engine)
    )
    if not serve:
        return 0
    from voxlink.background import start_demo_services

    start_demo_services(tree)
    return _serve_app(tree, get_settings().app_port)


def _allow_demo_domains(engine) -> list[str]:  # type: ignore[no-untyped-def]
    """Each demo account lets report e-mails go to ``<slug>.example`` (its users have no addresses)."""
    from exports.recipients import add_allowed_domain
    from operational.accounts import get_account

    return [
        add_allowed_domain(engine, get_account(engine, slug).id, f"{slug}.example")
        for slug, _, _ in DEMO_ACCOUNTS
    ]

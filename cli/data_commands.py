"""``voxlink db|accounts|ingest|simulate``: the operational database, its tenants, and events into it."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from cli.engine import ready_engine
from cli.errors import CliError
from cli.registry import Add, iso_date
from voxlink.settings import get_settings


def add_parsers(add: Add) -> None:
    db_parser = add("db", db, "embedded PostgreSQL lifecycle (up applies migrations)")
    db_parser.add_argument("action", choices=["up", "down", "status"])

    accounts_parser = add("accounts", accounts, "manage accounts (tenants)")
    accounts_sub = accounts_parser.add_subparsers(dest="action", required=True)
    create = accounts_sub.add_parser("create", help="create an account")
    create.add_argument("slug")
    create.add_argument("--timezone", required=True, help="IANA time zone, e.g. America/New_York")
    create.add_argument("--name")
    accounts_sub.add_parser("list", help="list accounts")

    ingest_parser = add("ingest", ingest, "ingest a JSONL file of canonical events (idempotent)")
    ingest_parser.add_argument("file")
    ingest_parser.add_argument("--account", required=True, help="account slug")
    ingest_parser.add_argument("--quiet", action="store_true", help="no progress bar")

    simulate_parser = add("simulate", simulate, "simulate realistic traffic through the ingest path")
    simulate_parser.add_argument("--days", type=int, default=30)
    simulate_parser.add_argument("--account", default="demo", help="account slug (created if missing)")
    simulate_parser.add_argument("--timezone", default="America/New_York", help="time zone for a new account")
    simulate_parser.add_argument("--seed", type=int, default=1)
    simulate_parser.add_argument("--end", type=iso_date, help="last local day simulated (default: yesterday)")


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
        from cli.status_commands import freshness_line

        print(freshness_line())
        if not (settings.database_url or status.running):
            return 3
    return 0


def accounts(args: argparse.Namespace) -> int:
    from operational.accounts import AccountError, create_account, list_accounts

    engine = ready_engine()
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
    engine = ready_engine()
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


def _ensure_account(engine: Engine, slug: str, timezone: str, name: str | None = None):  # type: ignore[no-untyped-def]
    from operational.accounts import AccountError, create_account, get_account

    try:
        return get_account(engine, slug)
    except AccountError:
        return create_account(engine, slug, timezone, name)


def simulate_into(
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
    simulate_into(ready_engine(), args.account, args.timezone, args.days, args.seed, args.end)
    return 0

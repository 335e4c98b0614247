"""The ``voxlink`` command line: composes the operational core, the pipeline, the app and the exports."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from datetime import date

warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit status 1."""


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    from voxlink import commands, operational_commands, quarantine_commands, report_commands, status_commands

    parser = argparse.ArgumentParser(
        prog="voxlink",
        description="VoxLink Analytics: contact-centre analytics on PostgreSQL, Dagster, dbt/DuckDB and Streamlit.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    db = add("db", commands.db, "embedded PostgreSQL lifecycle (up applies migrations)")
    db.add_argument("action", choices=["up", "down", "status"])

    accounts = add("accounts", commands.accounts, "manage accounts (tenants)")
    accounts_sub = accounts.add_subparsers(dest="action", required=True)
    create = accounts_sub.add_parser("create", help="create an account")
    create.add_argument("slug")
    create.add_argument("--timezone", required=True, help="IANA time zone, e.g. America/New_York")
    create.add_argument("--name")
    accounts_sub.add_parser("list", help="list accounts")

    ingest = add("ingest", commands.ingest, "ingest a JSONL file of canonical events (idempotent)")
    ingest.add_argument("file")
    ingest.add_argument("--account", required=True, help="account slug")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")

    operational_commands.add_parsers(add)

    simulate = add("simulate", commands.simulate, "simulate realistic traffic through the ingest path")
    simulate.add_argument("--days", type=int, default=30)
    simulate.add_argument("--account", default="demo", help="account slug (created if missing)")
    simulate.add_argument("--timezone", default="America/New_York", help="time zone for a new account")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--end", type=_iso_date, help="last local day simulated (default: yesterday)")

    refresh = add(
        "refresh", commands.refresh, "extract → dbt build → checks → publish (in-process Dagster job)"
    )
    refresh.add_argument("--full", action="store_true", help="rebuild everything from scratch")
    refresh.add_argument(
        "--wait",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for another live refresh to finish before giving up (default 300); runs whose "
        "process died are marked failed and their slots freed at once",
    )

    check = add("check", commands.check, "run the data-quality suites on the working and served warehouses")
    check.add_argument("--no-docs", action="store_true", help="skip writing great-expectations Data Docs")

    export = add("export", commands.export, "export a report for an account and date range")
    export.add_argument("report")
    export.add_argument("--account", required=True)
    export.add_argument("--start", required=True, type=_iso_date, help="first local day (inclusive)")
    export.add_argument("--end", required=True, type=_iso_date, help="last local day (inclusive)")
    export.add_argument("--format", default="csv", choices=["csv", "xlsx", "pdf"])
    export.add_argument("--out", help="output path (default: standard output)")

    report_commands.add_parsers(add)
    status_commands.add_parsers(add)
    quarantine_commands.add_parsers(add)

    app = add("app", commands.app, "serve the Streamlit app on loopback")
    app.add_argument("--port", type=int)

    demo = add("demo", commands.demo, "db up, simulate 30 days for two demo accounts, refresh, serve the app")
    demo.add_argument("--days", type=int, default=30)
    demo.add_argument("--no-serve", action="store_true", help="prepare the data but do not start the app")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from voxlink.files import owner_only, tighten_home
    from voxlink.settings import get_settings

    owner_only()
    parser = build_parser()
    args = parser.parse_args(argv)
    tighten_home(get_settings().home_dir)
    try:
        return int(args.handler(args) or 0)
    except CliError as err:
        print(f"voxlink {args.command}: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and friends
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

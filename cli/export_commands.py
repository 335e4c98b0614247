"""``voxlink export``: one report for an account and a range of local days, as CSV, XLSX or PDF."""

from __future__ import annotations

import argparse
import sys

from cli.engine import ready_engine
from cli.errors import CliError
from cli.registry import Add, iso_date


def add_parsers(add: Add) -> None:
    export_parser = add("export", export, "export a report for an account and date range")
    export_parser.add_argument("report")
    export_parser.add_argument("--account", required=True)
    export_parser.add_argument("--start", required=True, type=iso_date, help="first local day (inclusive)")
    export_parser.add_argument("--end", required=True, type=iso_date, help="last local day (inclusive)")
    export_parser.add_argument("--format", default="csv", choices=["csv", "xlsx", "pdf"])
    export_parser.add_argument("--out", help="output path (default: standard output)")


def export(args: argparse.Namespace) -> int:
    from exports.export import export_file
    from exports.render import write_csv
    from exports.report_reading import report_frame
    from exports.report_specs import REPORTS, ReportError
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
        account = get_account(ready_engine(), args.account)
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

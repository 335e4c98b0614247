"""The ``voxlink`` command: the parser built from each command module's subcommands, and the error edge."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from cli import (
    data_commands,
    export_commands,
    kiosk_commands,
    operational_commands,
    quarantine_commands,
    refresh_commands,
    report_commands,
    serve_commands,
    status_commands,
    stream_commands,
)
from cli.errors import CliError
from cli.registry import Handler

warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")

# in the order `voxlink --help` lists them
COMMAND_MODULES = (
    data_commands,
    operational_commands,
    kiosk_commands,
    refresh_commands,
    export_commands,
    report_commands,
    status_commands,
    quarantine_commands,
    serve_commands,
    stream_commands,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voxlink",
        description="VoxLink Analytics: contact-centre analytics on PostgreSQL, Dagster, dbt/DuckDB and Streamlit.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    for module in COMMAND_MODULES:
        module.add_parsers(add)
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

"""``voxlink quarantine list|release|drop``: see and settle an account's rows held back by the data checks.

The command never opens the working warehouse file (a refresh may be writing it): ``list`` reads what the
latest refresh saved, and ``release``/``drop`` leave a request that the next refresh applies.
"""

from __future__ import annotations

import argparse
from typing import Any

from cli.errors import CliError
from cli.registry import Add

TABLES = ("calls", "messages", "agent_status_events")  # the raw tables whose checks can quarantine rows

HELP = """\
When new rows of one account fail a blocking data check, the refresh holds all of that account's rows of
that table loaded in the refresh in quarantine, publishes every other account, and e-mails the account's
admins once. Correcting the rows in PostgreSQL (re-ingesting the corrected events, or an UPDATE that also sets
change_seq = nextval('change_seq')) lets them through on the next refresh, with the account's other held rows
of that table.

  list     what is held (per account, table, failed rule, sample keys) as of the latest refresh
  release  put the held rows back to be checked again by the next refresh (they pass if the data or the
           rules were fixed, else they are held again)
  drop     discard the held copies: the rows stay out of the warehouse until they change in PostgreSQL

release and drop take effect on the next refresh (`voxlink refresh`, or the 5-minute schedule)."""


def add_parsers(add: Add) -> None:
    held = add("quarantine", quarantine_command, "rows held back by the data checks: list, release or drop")
    held.formatter_class = argparse.RawDescriptionHelpFormatter
    held.description = HELP
    actions = held.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, text in (
        ("list", "show what is held (every account when ACCOUNT is left out)"),
        ("release", "put an account's held rows back to be re-checked by the next refresh"),
        ("drop", "discard an account's held rows (kept out until they change in PostgreSQL)"),
    ):
        sub = actions.add_parser(action, help=text, description=text)
        sub.add_argument(
            "account", nargs="?" if action == "list" else None, metavar="ACCOUNT", help="account slug"
        )
        sub.add_argument("--table", choices=TABLES, help="only this raw table (default: every table)")


def _accounts() -> dict[int, str]:
    from operational import database
    from operational.accounts import list_accounts

    return {ref.id: ref.slug for ref in list_accounts(database.engine_for(database.prepare()))}


def quarantine_command(args: argparse.Namespace) -> int:
    from data_tests import store
    from pipelines import quarantine_requests

    slugs = _accounts()
    account_id = None
    if args.account is not None:
        ids = {slug: id_ for id_, slug in slugs.items()}
        if args.account not in ids:
            raise CliError(f"unknown account {args.account!r} (known: {', '.join(sorted(ids)) or 'none'})")
        account_id = ids[args.account]
    entries = [e for e in store.quarantined(account_id) if args.table in (None, e["table"])]
    if args.action == "list":
        _print(entries, quarantine_requests.pending(account_id), slugs)
        return 0
    tables = tuple(sorted({e["table"] for e in entries}))
    if not tables:
        where = f" in {args.table}" if args.table else ""
        raise CliError(f"nothing of account {args.account!r} is held{where} (as of the latest refresh)")
    quarantine_requests.request(args.action, int(account_id), tables)  # type: ignore[arg-type]
    rows = sum(max(e["held"] for e in entries if e["table"] == t) for t in tables)
    done = "put back to be checked again" if args.action == "release" else "discarded"
    print(f"{rows} held row(s) of {args.account} ({', '.join(tables)}) will be {done} by the next refresh")
    return 0


def _print(entries: list[dict[str, Any]], requests: list[dict[str, Any]], slugs: dict[int, str]) -> None:
    if not entries:
        print("nothing is held in quarantine (as of the latest refresh)")
    seen: set[tuple[int, str]] = set()
    for e in entries:
        slug = slugs.get(e["account_id"], f"account {e['account_id']}")
        if (e["account_id"], e["table"]) not in seen:
            seen.add((e["account_id"], e["table"]))
            print(f"{slug}\t{e['table']}\t{e['held']} row(s) held since {e['quarantined_at']}")
        keys = ", ".join(e["keys"]) + (" …" if e["failing"] > len(e["keys"]) else "")
        print(f"  {e['rule']}: {e['why']} — {e['failing']} row(s): {keys}")
    for r in requests:
        slug = slugs.get(r["account_id"], f"account {r['account_id']}")
        print(f"pending: {r['action']} of {slug} {r['table']} (asked {r['requested_at']}; next refresh)")

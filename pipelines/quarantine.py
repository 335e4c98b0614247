"""Quarantine: an account whose new raw rows fail a blocking rule is held aside so every other account publishes.

Plain functions over the working DuckDB file (no Dagster). When a raw suite fails a blocking rule and every
failing row names its account, all of that account's rows of the table loaded since the last publish move from
``raw.<table>`` to ``raw_quarantine.<table>`` (the whole batch, not only the failing rows: an account's data
stays as of its last good publish rather than silently missing a few rows) and the suite runs again on what is
left. ``raw_quarantine._log`` says why (account, table, rule, a sample of the offending keys, rows, when).

A held copy leaves when its row changes in PostgreSQL (a new ``change_seq``, see :func:`supersede`): the
account's other held rows of that table go back to ``raw`` with it, to be checked again together. ``release``
puts held rows back to be re-checked; ``drop`` discards them and remembers their versions in
``raw_quarantine.<table>__dropped`` so the extract's look-back does not bring them back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from data_tests import store
from data_tests.runner import EVERYTHING, RuleOutcome, SuiteOutcome, run_suite
from data_tests.suites import RAW_SUITES, Suite
from pipelines.raw_tables import RAW_TABLES

SCHEMA = "raw_quarantine"
LOG = f"{SCHEMA}._log"
TABLES = tuple(suite.asset[-1] for suite in RAW_SUITES)  # the raw tables a suite can quarantine rows of


@dataclass(frozen=True)
class Held:
    """One reason an account's rows of a table are held (one log row: one failed rule of one hold)."""

    account_id: int
    table: str
    rule: str
    why: str
    failing: int  # rows failing this rule
    keys: list[str]  # a sample of their keys
    rows: int  # rows the hold moved (every new row of the account's table)
    quarantined_at: datetime


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    return bool(found[0][0])


def _match(left: str, right: str, table: str) -> str:
    return " and ".join(f"{left}.{k} = {right}.{k}" for k in RAW_TABLES[table].keys)


def ensure(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Create the quarantine tables of ``table`` (shaped like ``raw.<table>``, which must exist) and the log."""
    keys = ", ".join(RAW_TABLES[table].keys)
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(f"create table if not exists {SCHEMA}.{table} as select * from raw.{table} limit 0")
    con.execute(
        f"create table if not exists {SCHEMA}.{table}__dropped as "
        f"select {keys}, change_seq from raw.{table} limit 0"
    )
    con.execute(
        f"create table if not exists {LOG} (account_id bigint, table_name varchar, rule varchar, why varchar, "
        "failing bigint, keys varchar[], rows bigint, quarantined_at timestamptz, notified_at timestamptz, "
        "resolved_at timestamptz)"
    )


def known_versions(con: duckdb.DuckDBPyConnection, table: str, low: int) -> list[str]:
    """Queries of the (keys, change_seq) held or dropped past ``low``: the extract skips them like raw's own."""
    keys = ", ".join(RAW_TABLES[table].keys)
    return [
        f"select {keys}, change_seq from {SCHEMA}.{name} where change_seq > {low}"
        for name in (table, f"{table}__dropped")
        if _exists(con, SCHEMA, name)
    ]


def attribution(outcome: SuiteOutcome) -> dict[int, list[RuleOutcome]] | None:
    """The accounts to hold and the rules their rows failed; None when a failure cannot be pinned on accounts."""
    if outcome.error or not outcome.blocking_failures:
        return None
    failures: dict[int, list[RuleOutcome]] = {}
    for rule in outcome.blocking_failures:
        if rule.unattributed or not rule.accounts:
            return None
        for account in rule.accounts:
            failures.setdefault(account["account_id"], []).append(rule)
    return failures


def check_raw(
    con: duckdb.DuckDBPyConnection, suite: Suite, refresh_at: datetime, loaded_after: datetime | None
) -> SuiteOutcome:
    """Run a raw suite; when its blocking failures belong to known accounts, hold those accounts' new rows and
    return the outcome of the suite run again on the rest (``quarantined`` names them). If the rest still fails,
    nothing is held and the first outcome is returned: the check blocks as before."""
    table = suite.asset[-1]
    keys = RAW_TABLES[table].keys
    outcome = run_suite(con, suite, refresh_at, "working", loaded_after=loaded_after, key_columns=keys)
    failures = attribution(outcome)
    if failures is None:
        return outcome
    con.execute("begin")
    try:
        held = hold(con, table, failures, loaded_after or EVERYTHING)
        again = run_suite(con, suite, refresh_at, "working", loaded_after=loaded_after, key_columns=keys)
        if not again.passed:
            con.execute("rollback")
            return outcome
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    again.quarantined = [_entry(h) for h in held]
    return again


def hold(
    con: duckdb.DuckDBPyConnection, table: str, failures: dict[int, list[RuleOutcome]], loaded_after: datetime
) -> list[Held]:
    """Move the new rows (loaded after ``loaded_after``) of each failing account from raw to the quarantine."""
    ensure(con, table)
    accounts = sorted(failures)
    now = datetime.now(UTC)
    con.execute(
        f"create or replace temp table _held as select * from raw.{table} "
        "where account_id in (select unnest($accounts)) and _loaded_at > $after",
        {"accounts": accounts, "after": loaded_after},
    )
    # a newer failing version of a row replaces its older held copy
    con.execute(f"delete from {SCHEMA}.{table} as q using _held where {_match('q', '_held', table)}")
    con.execute(f"insert into {SCHEMA}.{table} by name select * from _held")
    con.execute(
        f"delete from raw.{table} where account_id in (select unnest($accounts)) and _loaded_at > $after",
        {"accounts": accounts, "after": loaded_after},
    )
    moved = dict(con.execute("select account_id, count(*) from _held group by 1").fetchall())
    con.execute("drop table _held")
    held = [
        Held(account, table, f"{rule.expectation}({rule.column})", rule.why, match["rows"], match["keys"],
             int(moved.get(account, 0)), now)
        for account in accounts
        for rule in failures[account]
        for match in rule.accounts
        if match["account_id"] == account
    ]  # fmt: skip
    con.executemany(
        f"insert into {LOG} values (?, ?, ?, ?, ?, ?, ?, ?, null, null)",
        [[h.account_id, h.table, h.rule, h.why, h.failing, h.keys, h.rows, h.quarantined_at] for h in held],
    )
    # the same rows failing the same rule again (released, still unfixed) are no news to the admins
    con.execute(
        f"update {LOG} as l set notified_at = now() where l.quarantined_at = $now and exists (select 1 from {LOG} "
        "as p where p.notified_at is not null and p.account_id = l.account_id and p.table_name = l.table_name "
        "and p.rule = l.rule and p.keys = l.keys)",
        {"now": now},
    )
    return held


def supersede(con: duckdb.DuckDBPyConnection, table: str, changed: str, loaded_at: datetime) -> int:
    """New versions (``changed``, just merged into raw) replace held or dropped copies of the same rows, and
    the rest of those accounts' held rows of the table go back to raw to be checked with them.

    Returns the rows that left the quarantine.
    """
    if table not in TABLES or not _exists(con, SCHEMA, table):
        return 0
    counts = con.execute(
        f"select q.account_id, count(*) from {SCHEMA}.{table} as q join {changed} as c "
        f"on {_match('q', 'c', table)} group by 1"
    ).fetchall()
    con.execute(f"delete from {SCHEMA}.{table} as q using {changed} as c where {_match('q', 'c', table)}")
    con.execute(
        f"delete from {SCHEMA}.{table}__dropped as q using {changed} as c where {_match('q', 'c', table)}"
    )
    back = sum(release(con, table, account, loaded_at) for account, _ in counts)
    _resolve(con, table)
    return back + sum(count for _, count in counts)


def release(con: duckdb.DuckDBPyConnection, table: str, account_id: int, loaded_at: datetime) -> int:
    """Put an account's held rows of ``table`` back into raw, loaded at ``loaded_at`` so they are checked again."""
    if not _exists(con, SCHEMA, table):
        return 0
    where = f"from {SCHEMA}.{table} where account_id = $account"
    con.execute(
        f"insert into raw.{table} by name select * replace (cast($at as timestamptz) as _loaded_at) {where}",
        {"account": account_id, "at": loaded_at},
    )
    (count,) = con.execute(f"select count(*) {where}", {"account": account_id}).fetchall()[0]
    con.execute(f"delete {where}", {"account": account_id})
    _resolve(con, table)
    return int(count)


def drop(con: duckdb.DuckDBPyConnection, table: str, account_id: int) -> int:
    """Discard an account's held rows of ``table``; they stay out until they change in PostgreSQL."""
    if not _exists(con, SCHEMA, table):
        return 0
    keys = ", ".join(RAW_TABLES[table].keys)
    where = f"from {SCHEMA}.{table} where account_id = $account"
    con.execute(
        f"insert into {SCHEMA}.{table}__dropped select {keys}, change_seq {where}", {"account": account_id}
    )
    (count,) = con.execute(f"select count(*) {where}", {"account": account_id}).fetchall()[0]
    con.execute(f"delete {where}", {"account": account_id})
    _resolve(con, table)
    return int(count)


def _resolve(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Close the log entries of accounts that no longer have held rows of ``table``."""
    con.execute(
        f"update {LOG} set resolved_at = now() where table_name = $table and resolved_at is null "
        f"and account_id not in (select distinct account_id from {SCHEMA}.{table})",
        {"table": table},
    )


def open_entries(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """What is held now: each open log entry with the rows its account still has held in that table."""
    if not _exists(con, SCHEMA, "_log"):
        return []
    held = " union all ".join(
        f"select '{t}' as table_name, account_id, count(*) as held from {SCHEMA}.{t} group by account_id"
        for t in TABLES
        if _exists(con, SCHEMA, t)
    )
    if not held:
        return []
    rows = con.execute(
        f"select l.account_id, l.table_name, l.rule, l.why, l.failing, l.keys, l.rows, l.quarantined_at, "
        f"l.notified_at, h.held from {LOG} as l join ({held}) as h using (table_name, account_id) "
        "where l.resolved_at is null order by l.account_id, l.table_name, l.quarantined_at, l.rule"
    ).fetchall()
    names = ("account_id", "table", "rule", "why", "failing", "keys", "rows", "quarantined_at", "notified_at")
    return [{**dict(zip(names, row[:-1], strict=True)), "held": int(row[-1])} for row in rows]


def write_snapshot(con: duckdb.DuckDBPyConnection) -> None:
    """Save what is held where the app and ``voxlink quarantine list`` read it (they never open the working file)."""
    store.save_quarantine(open_entries(con))


def pending_notices(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Open entries whose account has not been told yet."""
    return [entry for entry in open_entries(con) if entry["notified_at"] is None]


def mark_notified(con: duckdb.DuckDBPyConnection, accounts: list[int]) -> None:
    con.execute(
        f"update {LOG} set notified_at = now() where notified_at is null and resolved_at is null "
        "and account_id in (select unnest($accounts))",
        {"accounts": accounts},
    )


def _entry(held: Held) -> dict[str, Any]:
    return {"account_id": held.account_id, "table": held.table, "rule": held.rule, "why": held.why,
            "failing": held.failing, "keys": held.keys, "rows": held.rows,
            "quarantined_at": held.quarantined_at.isoformat()}  # fmt: skip

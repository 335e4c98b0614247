"""One account's raw rows break every blocking rule of the raw suites; the other accounts still publish.

The bad rows are written straight into PostgreSQL (as a buggy integration or a manual fix would),
bypassing the ingest's validation: each is a copy of one of the account's valid rows with a new key and
one bad value. Rules PostgreSQL itself enforces (not-null keys, unique keys) cannot be broken there and
are listed as such. The healthy accounts get a fresh simulated day; after one refresh every new call
and message of theirs must be in the served warehouse, and none of the poisoned rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import sqlalchemy as sa

from bench.fault_scenarios.fault_home import ACCOUNTS, FaultHome
from bench.fault_scenarios.poisons import KEYS, POISONS, REFUSED_BY_POSTGRES

POISONED = ACCOUNTS[0][0]
# every blocking raw rule, broken in PostgreSQL, and those PostgreSQL refuses to have broken
VIOLATIONS = {**POISONS, **REFUSED_BY_POSTGRES}
FACTS = {"calls": ("fct_calls", "call_id"), "messages": ("fct_messages", "message_id")}


@dataclass
class PoisonFigures:
    accounts: int = 0  # healthy accounts with new data
    held_back: int = 0  # healthy accounts whose new calls or messages were not served
    violated: list[str] = field(default_factory=list)  # rules broken in PostgreSQL
    refused: list[str] = field(default_factory=list)  # rules PostgreSQL itself enforces
    poisoned_served: int = 0  # poisoned rows found in the served warehouse
    refresh_exit: int | None = None
    refresh_output: str = ""
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


def _poison(engine: sa.Engine, account: int, figures: PoisonFigures) -> list[tuple[str, str]]:
    """Insert one bad row per rule; return the (table, key) of each row that went in."""
    inserted: list[tuple[str, str]] = []
    for n, (name, (table, column, bad, rule)) in enumerate(VIOLATIONS.items()):
        new_key, key, label = f"poison-{n}", KEYS[table], f"raw_{table}: {name} ({rule})"
        with engine.connect() as conn:
            columns = list(
                conn.scalars(
                    sa.text(
                        "select column_name from information_schema.columns where table_schema = 'public' "
                        "and table_name = :t and column_name <> 'change_seq' order by ordinal_position"
                    ),
                    {"t": table},
                )
            )
        values = [
            bad if c == column else f"'{new_key}'" if c == key else f'"{c}"' for c in columns
        ]  # a copy of a valid row with a new key (or, for a duplicate rule, the same key) and one bad value
        listed = ", ".join(f'"{c}"' for c in columns)
        statement = (
            f"insert into {table} ({listed}) "
            f"select {', '.join(values)} from {table} where account_id = :a order by {key} limit 1"
        )
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(statement), {"a": account})
        except sa.exc.IntegrityError:
            figures.refused.append(label)
            continue
        figures.violated.append(label)
        inserted.append((table, new_key))
    return inserted


def _keys(engine: sa.Engine, table: str, account: int) -> set[str]:
    key = FACTS[table][1]
    with engine.connect() as conn:
        return set(conn.scalars(sa.text(f"select {key} from {table} where account_id = :a"), {"a": account}))


def run_poison(home: FaultHome) -> PoisonFigures:
    figures = PoisonFigures()
    healthy = [slug for slug, _ in ACCOUNTS if slug != POISONED]
    before = {(slug, t): _keys(home.engine, t, home.accounts[slug]) for slug in healthy for t in FACTS}
    home.add_day()
    poisoned = _poison(home.engine, home.accounts[POISONED], figures)
    run = home.refresh()
    figures.refresh_exit, figures.refresh_output, figures.seconds = run.returncode, run.output, run.seconds
    con = duckdb.connect(str(home.served), read_only=True)
    try:
        for slug in healthy:
            account = home.accounts[slug]
            figures.accounts += 1
            missing = 0
            for table, (fact, key) in FACTS.items():
                new = _keys(home.engine, table, account) - before[(slug, table)]
                served = {
                    r[0]
                    for r in con.execute(
                        f"select {key} from {fact} where account_id = ?", [account]
                    ).fetchall()
                }
                missing += len(new - served)
            if missing:
                figures.held_back += 1
                figures.failures.append(f"{slug}: {missing} new calls/messages not served")
        for table, key in poisoned:
            if table not in FACTS:
                continue  # agent status events reach the served file only as daily totals
            fact, column = FACTS[table]
            (found,) = con.execute(
                f"select count(*) from {fact} where account_id = ? and {column} = ?",
                [home.accounts[POISONED], key],
            ).fetchone()  # type: ignore[misc]
            figures.poisoned_served += found
    finally:
        con.close()
    if figures.poisoned_served:
        figures.failures.append(f"{figures.poisoned_served} poisoned rows were published")
    return figures

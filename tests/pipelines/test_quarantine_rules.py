"""Each blocking raw rule, broken by one row of account A in PostgreSQL, quarantines A's new rows only.

Also the poisoning helper the other quarantine tests reuse: ``poison`` breaks a row of the source the way
one entry of ``POISONS`` says (the list the fault scenario uses too, in bench/fault_scenarios/poisons.py) and
returns the repair. Rules PostgreSQL itself enforces (not-null
keys, one row per key: primary keys) cannot be broken at the source; a duplicate is injected in the working
file instead. These tests call the plain functions (extract, check, quarantine) on a private DuckDB file;
test_quarantine_refresh.py runs the real refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from bench.fault_scenarios.poisons import KEYS, POISONS
from data_tests.suites import RAW_AGENT_STATUS, RAW_CALLS, RAW_MESSAGES, Suite
from operational.accounts import create_account
from operational.database import libpq_uri
from operational.ingest import ingest_events
from pipelines import quarantine
from pipelines.extract_tables import RAW_TABLES, extract_table

BUMP = "change_seq = nextval('change_seq')"
SUITES: dict[str, Suite] = {
    "calls": RAW_CALLS,
    "messages": RAW_MESSAGES,
    "agent_status_events": RAW_AGENT_STATUS,
}


def poison(engine: sa.Engine, name: str, account_id: int, key: str) -> Callable[[], None]:
    """Break row ``key`` of the account in PostgreSQL the way ``POISONS[name]`` says; return its repair.

    Both bump ``change_seq`` as the ingest does when a row changes, so the next extract reads them.
    """
    table, column, value, _ = POISONS[name]
    where = f"where account_id = :account and {KEYS[table]} = :key"
    ids = {"account": account_id, "key": key}
    with engine.begin() as conn:
        original = conn.execute(sa.text(f"select {column} from {table} {where}"), ids).scalar_one()
        conn.execute(sa.text(f"update {table} set {column} = {value}, {BUMP} {where}"), ids)

    def repair() -> None:
        with engine.begin() as conn:
            conn.execute(sa.text(f"update {table} set {column} = :original, {BUMP} {where}"),
                         {**ids, "original": original})  # fmt: skip

    return repair


def traffic(prefix: str, day: datetime) -> list[dict]:
    """Three calls (inbound answered, inbound abandoned, outbound dialer), two messages, two agent statuses."""

    def at(minutes: float) -> str:
        return (day + timedelta(minutes=minutes)).isoformat()

    def e(kind: str, minutes: float, name: str, **fields: object) -> dict:
        return {"event_id": f"{prefix}{name}", "type": kind, "occurred_at": at(minutes), **fields}

    caller, line = "+14155552671", "+12125550123"
    return [
        e("agent.status", 0, "s1", agent="alice", status="available"),
        e("call.started", 1, "c1s", call_id=f"{prefix}c1", direction="inbound", **{"from": caller, "to": line}),
        e("call.queued", 1.1, "c1q", call_id=f"{prefix}c1", queue="support"),
        e("call.answered", 1.5, "c1a", call_id=f"{prefix}c1", answered_by="human", agent="alice"),
        e("call.ended", 5, "c1e", call_id=f"{prefix}c1", reason="completed"),
        e("call.wrapup_ended", 6, "c1w", call_id=f"{prefix}c1", agent="alice"),
        e("call.started", 10, "c2s", call_id=f"{prefix}c2", direction="inbound", **{"from": caller, "to": line}),
        e("call.queued", 10.1, "c2q", call_id=f"{prefix}c2", queue="support"),
        e("call.ended", 11, "c2e", call_id=f"{prefix}c2", reason="caller_hangup"),
        e("call.started", 20, "c3s", call_id=f"{prefix}c3", direction="outbound", campaign="spring",
          **{"from": line, "to": caller}),
        e("call.answered", 20.5, "c3a", call_id=f"{prefix}c3", answered_by="human"),
        e("call.connected", 20.51, "c3c", call_id=f"{prefix}c3", agent="alice"),
        e("call.ended", 25, "c3e", call_id=f"{prefix}c3", reason="completed"),
        e("agent.status", 30, "s2", agent="alice", status="break"),
        e("message.created", 40, "m1c", message_id=f"{prefix}m1", direction="outbound", channel="sms",
          body="hello", media_count=0, **{"from": line, "to": caller}),
        e("message.status", 41, "m1d", message_id=f"{prefix}m1", status="delivered"),
        e("message.created", 50, "m2c", message_id=f"{prefix}m2", direction="inbound", channel="sms",
          body="thanks", media_count=0, **{"from": caller, "to": line}),
    ]  # fmt: skip


FIRST_ROW = {"calls": "c1", "messages": "m1", "agent_status_events": "s1"}
ROWS = {"calls": 3, "messages": 2, "agent_status_events": 2}  # rows per account in traffic()


@pytest.fixture(scope="module")
def accounts(engine: sa.Engine) -> dict[str, int]:
    day = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    ids = {}
    for slug in ("alpha", "bravo"):
        ids[slug] = create_account(engine, slug, "America/New_York").id
        ingest_events(engine, ids[slug], enumerate(traffic(f"{slug[0]}-", day)))
    return ids


@pytest.fixture
def working(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(tmp_path / "working.duckdb"))
    yield con
    con.close()


def extract_all(db_url: str, con: duckdb.DuckDBPyConnection, lookback: int = 0) -> dict[str, int]:
    return {t: extract_table(libpq_uri(db_url), con, t, lookback).rows for t in RAW_TABLES}


def per_account(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[int, int]:
    return dict(con.execute(f"select account_id, count(*) from {schema}.{table} group by 1").fetchall())


@pytest.mark.parametrize("name", sorted(POISONS))
def test_each_blocking_rule_quarantines_only_the_poisoned_account(
    accounts: dict[str, int], engine: sa.Engine, db_url: str, working: duckdb.DuckDBPyConnection, name: str
) -> None:
    table, _, _, rule = POISONS[name]
    alpha, bravo = accounts["alpha"], accounts["bravo"]
    repair = poison(engine, name, alpha, f"a-{FIRST_ROW[table]}")
    try:
        extract_all(db_url, working)
        outcome = quarantine.check_raw(working, SUITES[table], datetime.now(UTC), None)
    finally:
        repair()
    assert outcome.passed, outcome.summary()
    assert [(h["account_id"], h["rule"], h["failing"], h["keys"]) for h in outcome.quarantined] == [
        (alpha, rule, 1, [f"a-{FIRST_ROW[table]}"])
    ]
    # all of alpha's new rows of the table are held (the batch), bravo's stay
    assert per_account(working, "raw", table) == {bravo: ROWS[table]}
    assert per_account(working, "raw_quarantine", table) == {alpha: ROWS[table]}
    assert [e["held"] for e in quarantine.open_entries(working)] == [ROWS[table]]


def test_a_duplicate_key_in_the_working_file_is_quarantined(
    accounts: dict[str, int], db_url: str, working: duckdb.DuckDBPyConnection
) -> None:
    extract_all(db_url, working)
    published = datetime.now(UTC)
    working.execute("insert into raw.calls select * replace (now() as _loaded_at) from raw.calls "
                    "where call_id = 'b-c2'")  # fmt: skip
    outcome = quarantine.check_raw(working, RAW_CALLS, datetime.now(UTC), published)
    assert outcome.passed
    assert [(h["account_id"], h["rule"], h["keys"]) for h in outcome.quarantined] == [
        (accounts["bravo"], "ExpectColumnValuesToBeInSet(has_duplicate_key)", ["b-c2"])
    ]
    # only the copy loaded after the publish moved: the published original stays
    assert per_account(working, "raw", "calls") == {accounts["alpha"]: 3, accounts["bravo"]: 3}
    assert per_account(working, "raw_quarantine", "calls") == {accounts["bravo"]: 1}


def test_a_failure_that_names_no_account_still_blocks(
    accounts: dict[str, int], db_url: str, working: duckdb.DuckDBPyConnection
) -> None:
    extract_all(db_url, working)
    published = datetime.now(UTC)
    working.execute("insert into raw.calls select * replace (null as account_id, now() as _loaded_at) "
                    "from raw.calls where call_id = 'a-c1'")  # fmt: skip
    outcome = quarantine.check_raw(working, RAW_CALLS, datetime.now(UTC), published)
    assert not outcome.passed and outcome.quarantined == []
    assert working.execute("select count(*) from raw.calls").fetchall() == [(7,)]
    assert quarantine.open_entries(working) == []

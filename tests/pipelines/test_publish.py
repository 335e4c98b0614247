"""Publishing carries the served facts over and applies only their newly built rows; the result equals a copy."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.publish import publish

ROWS = "select * from {} order by all"


def build(working: Path, sql: str) -> None:
    with duckdb.connect(str(working)) as con:
        con.execute(sql)


def assert_served_equals_working(served: Path, working: Path) -> None:
    with duckdb.connect(str(served), read_only=True) as con:
        con.execute(f"attach '{working}' as built (read_only)")
        for table in ("fct_calls", "rpt_daily", "dim_agents"):
            assert (
                con.execute(ROWS.format(f"main.{table}")).fetchall()
                == con.execute(ROWS.format(f"built.main.{table}")).fetchall()
            ), table
        assert con.execute("select count(*) from built.main.raw_scratch").fetchall() == [(1,)]
        assert not con.execute(
            "select * from information_schema.tables where table_catalog = 'main' and table_name = 'raw_scratch'"
        ).fetchall()


def test_facts_are_brought_up_to_date_and_the_rest_copied(tmp_path: Path) -> None:
    working, served = tmp_path / "working.duckdb", tmp_path / "served.duckdb"
    build(
        working,
        "create table fct_calls as select 1 as account_id, 'c' || i as call_id, i as talk, "
        "timestamptz '2026-01-01 00:00:00+00' as _loaded_at from range(100) t(i);"
        "create table rpt_daily as select 1 as account_id, 100 as calls;"
        "create table dim_agents as select 'ann' as name;"
        "create table raw_scratch as select 1 as x",
    )
    first = publish(working, served)
    assert first.updated == ()  # nothing served yet: everything copied
    assert_served_equals_working(served, working)

    # an incremental build: one call changed, one new, the report rebuilt
    build(
        working,
        "delete from fct_calls where call_id = 'c5';"
        "insert into fct_calls values (1, 'c5', 500, timestamptz '2026-01-02 00:00:00+00'),"
        " (2, 'c5', 7, timestamptz '2026-01-02 00:00:00+00');"
        "create or replace table rpt_daily as select 1 as account_id, 101 as calls",
    )
    second = publish(working, served)
    assert second.updated == ("fct_calls",)
    assert second.version == first.version + 1
    assert_served_equals_working(served, working)

    # a full rebuild dropped rows: the count check falls back to a whole copy
    build(working, "delete from fct_calls where account_id = 2 or talk = 9")
    third = publish(working, served)
    assert third.updated == ()
    assert_served_equals_working(served, working)

    # a new column: copied whole too
    build(working, "alter table fct_calls add column note varchar default 'x'")
    assert publish(working, served).updated == ()
    assert_served_equals_working(served, working)

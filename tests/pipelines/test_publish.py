"""Publishing carries the served facts over and applies only their newly built rows; the result equals a copy."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.publish import publish
from pipelines.transform import incremental_keys

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


def test_a_report_is_brought_up_to_date_by_whole_days_as_dbt_rebuilt_them(tmp_path: Path) -> None:
    working, served = tmp_path / "working.duckdb", tmp_path / "served.duckdb"
    old, new = "timestamptz '2026-01-01 00:00:00+00'", "timestamptz '2026-01-02 00:00:00+00'"
    # a report's rows per (account, day, queue), each stamped with its newest call's load: on 2026-01-01
    # 5 sales and 2 vip calls, then one sales call on each of the next eight days
    build(
        working,
        "create table rpt_interval as "
        f"select 1 as account_id, date '2026-01-01' as date, 'sales' as queue, 5 as offered, {old} as _loaded_at "
        f"union all select 1, date '2026-01-01', 'vip', 2, {old} "
        f"union all select 1, date '2026-01-01' + i::int, 'sales', 1, {old} from range(1, 9) t(i);"
        "create table rpt_plain as select 1 as x",  # no `_loaded_at`: always copied whole
    )
    keys = {"rpt_interval": ("account_id", "date"), "rpt_plain": ("x",)}
    assert publish(working, served, keys=keys).updated == ()

    # dbt rebuilt 2026-01-01 (delete+insert on account and day): the vip calls turned out to be sales, so the
    # day's `vip` row is gone and `sales` has 7 calls; the other days kept their rows
    build(
        working,
        "delete from rpt_interval where date = '2026-01-01';"
        f"insert into rpt_interval values (1, date '2026-01-01', 'sales', 7, {new})",
    )
    result = publish(working, served, keys=keys)

    assert result.updated == ("rpt_interval",)
    with duckdb.connect(str(served), read_only=True) as con:
        rows = con.execute("select date::varchar, queue, offered from rpt_interval order by all").fetchall()
        assert con.execute("select * from rpt_plain").fetchall() == [(1,)]
    assert rows == [("2026-01-01", "sales", 7)] + [(f"2026-01-0{d}", "sales", 1) for d in range(2, 10)]


def test_the_publish_reads_which_tables_dbt_builds_incrementally_from_the_manifest() -> None:
    keys = incremental_keys()
    assert keys["fct_calls"] == ("account_id", "call_id")
    assert keys["rpt_abandon_rate_interval"] == ("account_id", "date")
    assert (
        "dim_agents" not in keys and "stg_calls" not in keys
    )  # tables and views: copied whole / not published

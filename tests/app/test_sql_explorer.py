"""The SQL explorer runs one SELECT over the viewer's account only, and refuses everything else."""

from __future__ import annotations

import re

import pytest

from app.queries import sql_explorer
from app.queries.sql_explorer import Refused, TimedOut, run
from app.signin.access import NotPermitted, Viewer
from tests.app.conftest import Stack


@pytest.fixture
def analyst(app_env: Stack) -> Viewer:
    return Viewer(1, "north-analyst", "analyst", app_env.accounts["north"])


@pytest.mark.parametrize(
    "sql, says",
    [
        ("select * from read_csv('/etc/passwd')", "read_csv() is not available"),
        ("select * from '/etc/passwd'", "no table '/etc/passwd'"),
        ("copy (select 1) to '/tmp/voxlink-explorer-probe.csv'", "only SELECT"),
        ("copy fct_calls to '/tmp/voxlink-explorer-probe.csv'", "only SELECT"),
        ("attach '/tmp/voxlink-explorer-probe.duckdb' as other", "only SELECT"),
        ("install httpfs", "only SELECT"),
        ("load httpfs", "only SELECT"),
        ("set enable_external_access = true", "only SELECT"),
        ("pragma database_list", "only SELECT"),
        ("select * from served.main.fct_calls", "without a schema or database"),
        ("select * from served.fct_calls", "without a schema or database"),
        ("select * from information_schema.tables", "without a schema or database"),
        ("select * from duckdb_databases()", "duckdb_databases() is not available"),
        ("select * from duckdb_tables", "no table 'duckdb_tables'"),
        (
            "with duckdb_tables as (select 1) select * from duckdb_tables",
            "may not take a system table's name",
        ),
        ("select * from query_table('fct_calls')", "query_table() is not available"),
        ("select 1; select 2", "one statement"),
        ("create table x as select 1", "only SELECT"),
    ],
)
def test_refusals(analyst: Viewer, sql: str, says: str) -> None:
    with pytest.raises(Refused, match=re.escape(says)):
        run(analyst, sql)


def test_other_accounts_rows_are_not_there(analyst: Viewer, app_env: Stack) -> None:
    south = app_env.accounts["south"]

    assert run(analyst, f"select count(*) as n from fct_calls where account_id = {south}").frame["n"][0] == 0
    every = run(analyst, "select account_id, count(*) as n from fct_calls group by all").frame
    assert every.rows() == [(app_env.accounts["north"], 12)]
    assert run(analyst, "select slug from dim_accounts").frame["slug"].to_list() == ["north"]


def test_the_explorers_tables_are_the_marts(analyst: Viewer) -> None:
    names = sql_explorer.tables(analyst)

    assert {"fct_calls", "fct_messages", "rpt_abandon_rate_daily", "dim_agents"} <= set(names)
    assert "_publish" not in names


def test_a_row_cap_and_a_time_limit(analyst: Viewer) -> None:
    capped = run(analyst, "select * from range(25)", row_limit=10)
    assert capped.frame.height == 10 and capped.truncated

    with pytest.raises(TimedOut):
        run(analyst, "select count(*) from range(1000000000000) a", time_limit=0.5)


def test_ctes_subqueries_and_describe_work(analyst: Viewer) -> None:
    result = run(analyst, "with c as (select * from fct_calls) select count(*) as n from c where call_id in "
                          "(select call_id from fct_calls where direction = 'outbound')")  # fmt: skip
    assert result.frame["n"][0] == 4
    assert "wait_seconds" in run(analyst, "describe fct_calls").frame["column_name"].to_list()


def test_only_analysts_and_admins(app_env: Stack) -> None:
    for role in ("manager", "agent"):
        with pytest.raises(NotPermitted):
            run(
                Viewer(1, "x", role, app_env.accounts["north"], "alice" if role == "agent" else None),
                "select 1",
            )

"""Portability: the same dbt project builds on PostgreSQL (dbt-postgres) and gives the same report rows."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from operational.accounts import create_account
from operational.ingest import ingest_events
from pipelines.extract_tables import RAW_TABLES
from pipelines.refresh import run_refresh
from tests.transforms.metric_cases import EVENTS, REFRESH_AT
from voxlink.settings import REPO_ROOT, get_settings

REPORT_TABLES = (
    "rpt_call_status_daily", "rpt_abandon_rate_daily", "rpt_abandon_rate_interval", "rpt_outgoing_calls_daily",
    "rpt_dispositions_daily", "rpt_agent_daily", "rpt_dialer_daily", "rpt_dialer_compliance_daily",
    "rpt_messages_daily", "rpt_user_status_daily",
)  # fmt: skip


@pytest.fixture(scope="module")
def both_built(engine: sa.Engine, db_url: str) -> None:
    account = create_account(engine, "portable", "America/New_York")
    ingest_events(engine, account.id, enumerate(EVENTS))
    run_refresh(refresh_at=datetime.fromisoformat(REFRESH_AT))
    # the raw schema, loaded on PostgreSQL exactly as the extract assets load it into DuckDB
    with engine.begin() as conn:
        conn.execute(sa.text("drop schema if exists raw cascade; create schema raw"))
        for table, spec in RAW_TABLES.items():
            conn.execute(
                sa.text(
                    f"create table raw.{table} as select {spec.columns}, now() as _loaded_at from {table}"
                )
            )
    url = sa.make_url(db_url)
    env = dict(
        os.environ,
        VOXLINK_DBT_PG_HOST=str(url.query["host"]),
        VOXLINK_DBT_PG_PORT="5432",
        VOXLINK_DBT_PG_USER=url.username or "postgres",
        VOXLINK_DBT_PG_PASSWORD=url.password or "",
        VOXLINK_DBT_PG_DBNAME=str(url.database),
    )
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [
            str(dbt),
            "build",
            "--target",
            "postgres",
            "--profiles-dir",
            ".",
            "--target-path",
            "target-postgres",
            "--vars",
            f'{{"refresh_at": "{REFRESH_AT}"}}',
        ],  # fmt: skip
        cwd=REPO_ROOT / "transforms",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def normalise(rows: list[tuple]) -> list[tuple]:
    def cell(value: object) -> object:
        if isinstance(value, float | Decimal):
            return round(Decimal(str(value)), 6)
        return value

    return sorted((tuple(cell(v) for v in row) for row in rows), key=repr)


@pytest.mark.parametrize("table", REPORT_TABLES)
def test_report_rows_match_duckdb(both_built: None, engine: sa.Engine, table: str) -> None:
    served = duckdb.connect(str(get_settings().served_db), read_only=True)
    try:
        columns = [c for (c,) in served.execute(
            "select column_name from information_schema.columns where table_name = ? and column_name <> '_loaded_at' "
            "order by ordinal_position", [table]).fetchall()]  # fmt: skip
        listed = ", ".join(columns)
        on_duckdb = served.execute(f"select {listed} from {table}").fetchall()
    finally:
        served.close()
    with engine.connect() as conn:
        on_postgres = [tuple(r) for r in conn.execute(sa.text(f"select {listed} from main.{table}"))]
    assert on_duckdb, f"{table} is empty: the comparison would prove nothing"
    assert normalise(on_postgres) == normalise(on_duckdb)

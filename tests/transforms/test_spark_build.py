"""Portability on a distributed engine: the same dbt project builds and passes its tests on Spark (PySpark local
mode, dbt-spark's session method) and every report table equals DuckDB's row for row.

The raw tables are handed over as Parquet files written from the DuckDB build's own raw schema, so both engines
start from the same rows. Spark runs in its own process (tests/transforms/spark_build.py): one JVM per test
session, never inside the test process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from operational.accounts import create_account
from operational.ingest import ingest_events
from pipelines.raw_tables import RAW_TABLES
from pipelines.refresh import run_refresh
from tests.transforms.metric_cases import EVENTS, REFRESH_AT
from tests.transforms.test_postgres_target import REPORT_TABLES
from voxlink.settings import REPO_ROOT, get_settings

JAVA_17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")


@pytest.fixture(scope="module")
def spark_reports(engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build on DuckDB, hand its raw schema to Spark as Parquet, build on Spark; the Spark reports' folder."""
    account = create_account(engine, "portable", "America/New_York")
    ingest_events(engine, account.id, enumerate(EVENTS))
    run_refresh(refresh_at=datetime.fromisoformat(REFRESH_AT))
    work = tmp_path_factory.mktemp("spark")
    raw_dir, out_dir = work / "raw", work / "reports"
    working = duckdb.connect(str(get_settings().working_db), read_only=True)
    try:
        for table in RAW_TABLES:
            (raw_dir / table).mkdir(parents=True)
            working.execute(f"copy raw.{table} to '{raw_dir / table / 'part-0.parquet'}' (format parquet)")
    finally:
        working.close()
    env = dict(os.environ, VOXLINK_SPARK_DIR=str(work / "spark"), PYSPARK_PYTHON=sys.executable)
    if "JAVA_HOME" not in env and JAVA_17.is_dir():
        env["JAVA_HOME"] = str(JAVA_17)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "tests.transforms.spark_build", str(raw_dir), str(out_dir), REFRESH_AT],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    print(
        f"\nspark build (JVM start, dbt build and tests, report export): {time.perf_counter() - started:.1f} s"
    )
    print("\n".join(line for line in result.stdout.splitlines() if line.endswith(" s")))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return out_dir


def normalise(rows: list[tuple]) -> list[tuple]:
    """Order-free rows, compared exactly: no tolerance is needed, as no report column is a float (counts are
    integers, seconds decimal(38, 6)); only the number's type and scale are evened out (DuckDB's HUGEINT count
    against Spark's bigint, a decimal(38, 6) sum against the same sum at another scale)."""

    def cell(value: object) -> object:
        if isinstance(value, float):
            raise AssertionError(f"float {value!r} in a report table: compare it with a stated tolerance")
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return Decimal(value).normalize()
        return value

    return sorted((tuple(cell(v) for v in row) for row in rows), key=repr)


@pytest.mark.parametrize("table", REPORT_TABLES)
def test_report_rows_on_spark_match_duckdb(spark_reports: Path, table: str) -> None:
    served = duckdb.connect(str(get_settings().served_db), read_only=True)
    try:
        columns = [c for (c,) in served.execute(
            "select column_name from information_schema.columns where table_name = ? and column_name <> '_loaded_at' "
            "order by ordinal_position", [table]).fetchall()]  # fmt: skip
        listed = ", ".join(columns)
        on_duckdb = served.execute(f"select {listed} from {table}").fetchall()
        on_spark = served.execute(
            f"select {listed} from read_parquet('{spark_reports / table}/*.parquet')"
        ).fetchall()
    finally:
        served.close()
    assert on_duckdb, f"{table} is empty: the comparison would prove nothing"
    assert normalise(on_spark) == normalise(on_duckdb)

"""Builds the dbt project on Spark (the profile's `spark` target) from raw tables handed over as Parquet.

Run as its own process (`python -m tests.transforms.spark_build RAW_DIR OUT_DIR REFRESH_AT`) so the JVM starts
once and never shares the test process: it registers each `RAW_DIR/<table>/` as the Spark table `raw.<table>`,
runs `dbt build --target spark` in the same Spark session, and writes every report table to `OUT_DIR/<table>/`
as Parquet for the test to compare with DuckDB's. It prints how long each step took.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import jinja2
import yaml  # type: ignore[import-untyped]

TRANSFORMS = Path(__file__).resolve().parents[2] / "transforms"


def session_parameters() -> dict[str, str]:
    """The spark target's `server_side_parameters`, rendered as dbt renders them (env_var with a default)."""
    profiles = yaml.safe_load((TRANSFORMS / "profiles.yml").read_text())
    params: dict[str, Any] = profiles["voxlink"]["outputs"]["spark"]["server_side_parameters"]

    def env_var(name: str, default: str = "") -> str:
        return os.environ.get(name, default)

    return {key: jinja2.Template(str(value)).render(env_var=env_var) for key, value in params.items()}


def main(raw_dir: Path, out_dir: Path, refresh_at: str) -> int:
    from dbt.cli.main import dbtRunner
    from pyspark.sql import SparkSession

    started = time.perf_counter()
    builder = SparkSession.builder
    for key, value in session_parameters().items():
        builder = builder.config(key, value)
    # an in-memory catalog instead of the profile's Hive metastore (Derby): the test's tables live one session,
    # and creating them in Derby cost ~40 s here
    builder = builder.config("spark.sql.catalogImplementation", "in-memory")
    # dbt-spark's session method calls getOrCreate() with the same settings and so gets this session
    spark = builder.getOrCreate()
    print(f"spark session: {time.perf_counter() - started:.1f} s", flush=True)

    step = time.perf_counter()
    spark.sql("create database if not exists raw")
    for table in sorted(p.name for p in raw_dir.iterdir()):
        spark.sql(f"drop table if exists raw.{table}")
        spark.sql(f"create table raw.{table} using parquet location '{raw_dir / table}'")
    print(f"raw tables: {time.perf_counter() - step:.1f} s", flush=True)

    step = time.perf_counter()
    result = dbtRunner().invoke(
        [
            "build",
            "--target",
            "spark",
            "--project-dir",
            str(TRANSFORMS),
            "--profiles-dir",
            str(TRANSFORMS),
            "--target-path",
            str(out_dir.parent / "target"),
            "--log-path",
            str(out_dir.parent / "logs"),
            "--vars",
            f'{{"refresh_at": "{refresh_at}"}}',
        ],  # fmt: skip
    )
    print(f"dbt build: {time.perf_counter() - step:.1f} s", flush=True)
    if not result.success:
        print(f"dbt build on spark failed: {result.exception}", flush=True)
        return 1

    step = time.perf_counter()
    reports = [
        r.tableName for r in spark.sql("show tables in main").collect() if r.tableName.startswith("rpt_")
    ]
    for table in reports:
        spark.table(f"main.{table}").coalesce(1).write.mode("overwrite").parquet(str(out_dir / table))
    print(f"report tables out: {time.perf_counter() - step:.1f} s", flush=True)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]))

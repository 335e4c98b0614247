"""Atomic publish: copy the built marts into a new file and ``os.replace`` it over the served one."""

# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from pipelines.resources import DUCKDB_POOL, Warehouse
from pipelines.transform import warehouse_models

PUBLISHED_PREFIXES = ("dim_", "fct_", "rpt_")


@dataclass(frozen=True)
class PublishResult:
    version: int
    tables: tuple[str, ...]
    seconds: float
    bytes: int


def _next_version(served: Path) -> int:
    """Bump the publish counter kept beside the served file.

    Not read from the served file itself: within one process DuckDB hands back the already-open database
    for a path, so a reader in this process could make us read an older file's version.
    """
    counter = served.with_name(served.name + ".version")
    version = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(version))
    return version


def publish(working: Path, served: Path, built_seconds: float = 0.0) -> PublishResult:
    """Copy every mart and report table of ``working`` into a fresh file that replaces ``served``.

    Readers holding the old file keep reading it until they reopen; nobody ever sees a half-written file,
    and if anything fails before ``os.replace`` the previous served file stays as it was.
    """
    started = time.perf_counter()
    version = _next_version(served)
    staging = served.with_name(f".{served.name}.{uuid.uuid4().hex}.tmp")
    con = duckdb.connect(str(staging))
    try:
        con.execute(f"attach '{working}' as built (read_only)")
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'built' and table_schema = 'main' and table_type = 'BASE TABLE'"
            ).fetchall()
            if name.startswith(PUBLISHED_PREFIXES)
        ]
        for name in sorted(tables):
            con.execute(f"create table main.{name} as select * from built.main.{name}")
        con.execute("detach built")
        con.execute(
            "create table _publish as select ? as version, now() as published_at, ? as built_seconds",
            [version, built_seconds],
        )
        con.execute("checkpoint")
    except BaseException:
        con.close()
        staging.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(staging, served)
    return PublishResult(version, tuple(sorted(tables)), time.perf_counter() - started, served.stat().st_size)


@dg.asset(
    key="served_warehouse",
    group_name="serving",
    deps=[warehouse_models],
    pool=DUCKDB_POOL,
    description="The read-only warehouse file every reader opens, replaced atomically after a good build.",
    kinds={"duckdb"},
)
def served_warehouse(context: AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    stats = context.instance.get_run_stats(context.run.run_id)
    built = time.time() - stats.start_time if stats.start_time else 0.0
    result = publish(Path(warehouse.working_path), Path(warehouse.served_path), built)
    context.log.info(
        f"published version {result.version}: {len(result.tables)} tables in {result.seconds:.2f}s"
    )
    return dg.MaterializeResult(
        metadata={"version": result.version, "tables": len(result.tables), "bytes": result.bytes}
    )

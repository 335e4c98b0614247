"""Atomic publish: copy the built marts and metric functions into a new file and ``os.replace`` it over the served one."""

# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from pipelines.resources import DUCKDB_POOL, Warehouse
from pipelines.tested import record_tested_through
from pipelines.transform import warehouse_models

PUBLISHED_PREFIXES = ("dim_", "fct_", "rpt_")
# Facts rebuilt incrementally on these natural keys (their dbt unique_key), every row stamped `_loaded_at`.
SELF = None  # the catalog being written (the staging file; its name changes every publish)
INCREMENTAL_FACTS = {"fct_calls": ("account_id", "call_id"), "fct_messages": ("account_id", "message_id")}


@dataclass(frozen=True)
class PublishResult:
    version: int
    tables: tuple[str, ...]
    seconds: float
    bytes: int
    updated: tuple[str, ...] = ()  # tables carried over and brought up to date rather than copied whole


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
    """Build a fresh file holding every mart and report table of ``working`` and let it replace ``served``.

    The new file starts as a byte copy of the served one (a file copy runs at disk speed, rebuilding tens of
    millions of fact rows does not); each large fact is then brought up to date with only its rows built since
    that file was published, and every other table is copied whole. Readers holding the old file keep reading
    it until they reopen; nobody ever sees a half-written file, and if anything fails before ``os.replace``
    the previous served file stays as it was.
    """
    started = time.perf_counter()
    version = _next_version(served)
    staging = served.with_name(f".{served.name}.{uuid.uuid4().hex}.tmp")
    if served.exists():
        shutil.copyfile(served, staging)
    con = duckdb.connect(str(staging))
    try:
        con.execute(f"attach '{working}' as built (read_only)")
        tables = _base_tables(con, "built")
        served_tables = set(_base_tables(con, SELF))
        updated: list[str] = []
        for name in tables:
            if name in INCREMENTAL_FACTS and name in served_tables and _apply_new_rows(con, name):
                updated.append(name)
            else:
                con.execute(f"create or replace table main.{name} as select * from built.main.{name}")
        for name in served_tables - set(tables):
            con.execute(f"drop table main.{name}")
        _copy_metric_functions(con)
        record_tested_through(con)
        con.execute("detach built")
        con.execute(
            "create or replace table _publish as select ? as version, now() as published_at, ? as built_seconds",
            [version, built_seconds],
        )
        con.execute("checkpoint")
    except BaseException:
        con.close()
        staging.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(staging, served)
    return PublishResult(
        version, tuple(tables), time.perf_counter() - started, served.stat().st_size, tuple(updated)
    )


def _macros(con: duckdb.DuckDBPyConnection, catalog: str | None) -> dict[str, tuple[list[str], str]]:
    """The user-defined scalar macros of ``catalog``'s main schema: name → (parameters, definition)."""
    rows = con.execute(
        "select function_name, parameters, macro_definition from duckdb_functions() "
        "where database_name = coalesce(?, current_database()) and schema_name = 'main' "
        "and function_type = 'macro' and not internal",
        [catalog],
    ).fetchall()
    return {name: (list(params), definition) for name, params, definition in rows}


def _copy_metric_functions(con: duckdb.DuckDBPyConnection) -> None:
    """Recreate the working file's metric macros (dbt's ``create_metric_functions``) in the served one.

    Read back from ``duckdb_functions()`` rather than restated here, so the dbt project stays their only
    definition; a macro dbt no longer creates is dropped, as a dropped table is.
    """
    built = _macros(con, "built")
    for name, (params, definition) in built.items():
        con.execute(f"create or replace macro main.{name}({', '.join(params)}) as {definition}")
    for name in _macros(con, SELF).keys() - built.keys():
        con.execute(f"drop macro main.{name}")


def _base_tables(con: duckdb.DuckDBPyConnection, catalog: str | None) -> list[str]:
    """The published tables (marts, facts, reports) of ``catalog``'s main schema, sorted."""
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = coalesce(?, current_database()) and table_schema = 'main' "
        "and table_type = 'BASE TABLE' order by 1",
        [catalog],
    ).fetchall()
    return [name for (name,) in rows if name.startswith(PUBLISHED_PREFIXES)]


def _columns(con: duckdb.DuckDBPyConnection, catalog: str | None, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = coalesce(?, current_database()) and table_schema = 'main' and table_name = ? "
        "order by ordinal_position",
        [catalog, table],
    ).fetchall()


def _apply_new_rows(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Replace, by natural key, the rows of ``main.name`` that were built after it was published.

    Returns False — the caller then copies the table whole — when the columns changed, when most rows are
    new (a full refresh), or when the row counts disagree afterwards (a full refresh can drop rows, which
    no "newer rows" delta can express).
    """
    if _columns(con, SELF, name) != _columns(con, "built", name):
        return False
    keys = INCREMENTAL_FACTS[name]
    con.execute(
        f"create or replace temp table _new_rows as select * from built.main.{name} where _loaded_at > "
        f"(select coalesce(max(_loaded_at), '-infinity'::timestamptz) from main.{name})"
    )
    (new_rows,) = con.execute("select count(*) from _new_rows").fetchone()  # type: ignore[misc]
    (built_rows,) = con.execute(f"select count(*) from built.main.{name}").fetchone()  # type: ignore[misc]
    if new_rows * 4 > built_rows:  # mostly rebuilt (a full refresh): a whole copy is cheaper
        con.execute("drop table _new_rows")
        return False
    match = " and ".join(f"main.{name}.{k} = _new_rows.{k}" for k in keys)
    con.execute(f"delete from main.{name} using _new_rows where {match}")
    con.execute(f"insert into main.{name} select * from _new_rows")
    con.execute("drop table _new_rows")
    (served_rows,) = con.execute(f"select count(*) from main.{name}").fetchone()  # type: ignore[misc]
    return bool(served_rows == built_rows)


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
        f"published version {result.version}: {len(result.tables)} tables in {result.seconds:.2f}s "
        f"(brought up to date in place: {', '.join(result.updated) or 'none'})"
    )
    return dg.MaterializeResult(
        metadata={"version": result.version, "tables": len(result.tables), "bytes": result.bytes}
    )

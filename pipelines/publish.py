"""Atomic publish: copy the built marts and metric functions into a new file and ``os.replace`` it over the served one."""

# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

import os
import shutil
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from pipelines.ready_copy import discard_stale_copies, retire_served, take_ready_copy
from pipelines.resources import DUCKDB_POOL, Warehouse
from pipelines.tested import record_tested_through
from pipelines.transform import incremental_keys, warehouse_models

PUBLISHED_PREFIXES = ("dim_", "fct_", "rpt_")
SELF = None  # the catalog being written (the staging file; its name changes every publish)


@dataclass(frozen=True)
class PublishResult:
    version: int
    tables: tuple[str, ...]
    seconds: float
    bytes: int
    updated: tuple[str, ...] = ()  # tables carried over and brought up to date rather than copied whole
    from_ready_copy: bool = False  # started from the copy made ahead (pipelines.ready_copy), not one made now


def _next_version(served: Path) -> int:
    """Bump the publish counter kept beside the served file.

    Not read from the served file itself: within one process DuckDB hands back the already-open database
    for a path, so a reader in this process could make us read an older file's version.
    """
    counter = served.with_name(served.name + ".version")
    version = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(version))
    return version


def publish(
    working: Path, served: Path, built_seconds: float = 0.0, keys: Mapping[str, Sequence[str]] | None = None
) -> PublishResult:
    """Build a fresh file holding every mart and report table of ``working`` and let it replace ``served``.

    The new file starts as a byte copy of the served one (a file copy runs at disk speed, rebuilding tens of
    millions of fact rows does not) — the copy made ahead for this very file when there is one
    (:mod:`pipelines.ready_copy`), else one made now. Each table dbt builds incrementally (``keys``: its
    ``unique_key``, by default read from the dbt manifest, :func:`pipelines.transform.incremental_keys`) is then
    brought up to date as dbt's delete+insert did — the rows of every key that gained a row built since that
    file was published are replaced — and every other table is copied whole. Readers holding the old file keep reading
    it until they reopen; nobody ever sees a half-written file, and if anything fails before ``os.replace``
    the previous served file stays as it was.
    """
    started = time.perf_counter()
    keys = incremental_keys() if keys is None else keys
    version = _next_version(served)
    staging = served.with_name(f".{served.name}.{uuid.uuid4().hex}.tmp")
    from_ready_copy = served.exists() and take_ready_copy(served, staging)
    if served.exists() and not from_ready_copy:
        shutil.copyfile(served, staging)
    con = duckdb.connect(str(staging))
    try:
        con.execute(f"attach '{working}' as built (read_only)")
        tables = _base_tables(con, "built")
        served_tables = set(_base_tables(con, SELF))
        updated: list[str] = []
        for name in tables:
            if name in keys and name in served_tables and _apply_new_rows(con, name, keys[name]):
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
    retire_served(served)  # the old file's blocks are freed later, off this path
    os.replace(staging, served)
    discard_stale_copies(served)
    return PublishResult(
        version, tuple(tables), time.perf_counter() - started, served.stat().st_size, tuple(updated),
        from_ready_copy,
    )  # fmt: skip


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


def _apply_new_rows(con: duckdb.DuckDBPyConnection, name: str, keys: Sequence[str]) -> bool:
    """Replace the rows of ``main.name`` of every key (dbt's ``unique_key``) holding a row built after it was
    published with the built rows of those keys: what dbt's delete+insert did in the working file.

    A fact's key is one row (a call); a report's is a group of rows (an account's day, rebuilt whole: rows of
    the day that are not new go too, and groups the day no longer has vanish). Returns False — the caller then
    copies the table whole — when the columns changed or carry no ``_loaded_at``, when most rows are new (a full
    refresh), or when the row counts disagree afterwards (a full refresh can drop rows, which no "newer rows"
    delta can express).
    """
    columns = _columns(con, SELF, name)
    if columns != _columns(con, "built", name) or "_loaded_at" not in {column for column, _ in columns}:
        return False
    key_list = ", ".join(keys)
    con.execute(
        f"create or replace temp table _touched as select distinct {key_list} from built.main.{name} "
        f"where _loaded_at > (select coalesce(max(_loaded_at), '-infinity'::timestamptz) from main.{name})"
    )
    rows_of_touched = f"select * from built.main.{name} semi join _touched using ({key_list})"
    (new_rows,) = con.execute(f"select count(*) from ({rows_of_touched})").fetchone()  # type: ignore[misc]
    (built_rows,) = con.execute(f"select count(*) from built.main.{name}").fetchone()  # type: ignore[misc]
    if new_rows * 4 > built_rows:  # mostly rebuilt (a full refresh): a whole copy is cheaper
        con.execute("drop table _touched")
        return False
    match = " and ".join(f"main.{name}.{k} = _touched.{k}" for k in keys)
    con.execute(f"delete from main.{name} using _touched where {match}")
    con.execute(f"insert into main.{name} {rows_of_touched}")
    con.execute("drop table _touched")
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
    warehouse.release()  # the run's kept connection to the working file: the publish attaches it read-only
    stats = context.instance.get_run_stats(context.run.run_id)
    built = time.time() - stats.start_time if stats.start_time else 0.0
    result = publish(Path(warehouse.working_path), Path(warehouse.served_path), built)
    context.log.info(
        f"published version {result.version}: {len(result.tables)} tables in {result.seconds:.2f}s "
        f"(brought up to date in place: {', '.join(result.updated) or 'none'}; started from "
        f"{'the copy made ahead' if result.from_ready_copy else 'a copy made now'})"
    )
    return dg.MaterializeResult(
        metadata={"version": result.version, "tables": len(result.tables), "bytes": result.bytes}
    )

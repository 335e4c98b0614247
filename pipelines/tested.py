"""What the served warehouse was tested from, so an incremental refresh tests only what is new.

Kept in the served file (table ``_publish_tested_through``) by the publish, read by the dbt build (var
``tests_loaded_after``, used by the project's ``get_where_subquery`` macro) and by the raw data checks.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb


def record_tested_through(con: duckdb.DuckDBPyConnection) -> None:
    """In the file being published (``built`` attached), keep per raw table the newest ``_loaded_at`` it covers.

    Every row loaded up to it passed the dbt tests and data checks of the run that publishes it.

    The next refresh tests only rows loaded after it (see :func:`published_loads`).
    """
    raw = [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.columns where table_catalog = 'built' "
            "and table_schema = 'raw' and column_name = '_loaded_at'"
        ).fetchall()
    ]
    union = " union all ".join(f"select '{t}', max(_loaded_at) from built.raw.{t}" for t in sorted(raw))
    con.execute("create or replace table _publish_tested_through (raw_table varchar, loaded_at timestamptz)")
    if union:
        con.execute(f"insert into _publish_tested_through {union}")


def published_loads(served: Path) -> dict[str, datetime]:
    """Per raw table, the newest load the served warehouse was built and tested from ({} if none yet).

    Rows of the raw tables — and of the staging views and facts built from them — loaded no later than
    this passed every dbt test and data check before they were published, so tests that hold row by row
    (not-null, accepted values, references) need to read only rows loaded after it, and uniqueness tests
    only the rows sharing a key with those.
    """
    try:
        info = os.stat(served)
    except FileNotFoundError:
        return {}
    # a published file never changes (each publish is a new file): read once per file, not once per step
    identity = (str(served), info.st_ino, info.st_size, info.st_mtime_ns)
    if identity not in _loads:
        try:
            with duckdb.connect(str(served), read_only=True) as con:
                rows = con.execute("select raw_table, loaded_at from _publish_tested_through").fetchall()
        except duckdb.Error:  # a file from before this table existed: test everything
            rows = []
        _loads.clear()
        _loads[identity] = {table: loaded for table, loaded in rows if loaded is not None}
    return dict(_loads[identity])


_loads: dict[tuple[str, int, int, int], dict[str, datetime]] = {}


def sources_with_new_rows(working: duckdb.DuckDBPyConnection, served: Path) -> list[str] | None:
    """The raw tables of the working file holding rows loaded after the served warehouse was published.

    ``None`` when the served file records no loads (none published yet, or from before the record existed):
    then everything is built. ``[]``: nothing new since the last publish. A table the served file does not
    know is new. Rows loaded by a run that failed after its extract are later than the publish, so the next
    refresh builds from them.
    """
    published = published_loads(served)
    if not published:
        return None
    rows = working.execute(
        "select table_name from information_schema.columns where table_schema = 'raw' "
        "and column_name = '_loaded_at' order by table_name"
    ).fetchall()
    changed = []
    for (table,) in rows:
        (newest,) = working.execute(f"select max(_loaded_at) from raw.{table}").fetchone()  # type: ignore[misc]
        if newest is not None and (table not in published or newest > published[table]):
            changed.append(table)
    return changed

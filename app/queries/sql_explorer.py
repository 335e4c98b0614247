"""The analysts' SQL explorer: one SELECT over views of the marts that hold only the viewer's account.

Each query gets a fresh in-memory DuckDB that attaches the served file read-only and defines one view per
mart, restricted to the account; then external access is switched off (no file reads or writes, no ATTACH,
no extensions), Python replacement scans are off and the configuration is locked. The attached file's own
tables stay reachable by a qualified name, so the statement is checked before it runs, on DuckDB's own parse
tree: exactly one SELECT whose every table is one of those views (or a CTE of the query) and whose table
functions are only ``range``/``generate_series``/``unnest``. A watchdog interrupts it after a time limit and
at most a fixed number of rows come back.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl
import streamlit as st

from app.queries import CACHE_TTL
from app.signin.access import SQL_ROLES, Viewer, require_role
from voxlink import warehouse

ROW_LIMIT = 10_000
TIME_LIMIT_SECONDS = 10.0
MEMORY_LIMIT = "1GB"
SERVED = "served"  # the attached file's catalog name: never reachable from the checked statement
TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
ALLOWED_REFS = frozenset({"SUBQUERY", "JOIN", "EXPRESSION_LIST", "EMPTY_FROM", "PIVOT", "SHOW_REF"})
TABLE_REFS = ALLOWED_REFS | {"BASE_TABLE", "TABLE_FUNCTION", "CTE", "COLUMN_DATA", "DELIM_GET", "INVALID"}


class Refused(ValueError):
    """The statement is not one the explorer runs; the message says why."""


class TimedOut(RuntimeError):
    """The statement ran past the time limit and was interrupted."""


@dataclass(frozen=True)
class Result:
    frame: pl.DataFrame
    truncated: bool  # more rows than ROW_LIMIT matched; the first ROW_LIMIT are in the frame
    seconds: float


def _views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The served file's tables that carry account_id: every mart and report model."""
    rows = con.execute(
        "select table_name from duckdb_columns() where database_name = ? and column_name = 'account_id' "
        "order by table_name",
        [SERVED],
    ).fetchall()
    return [name for (name,) in rows]


def _sandbox(account_id: int) -> tuple[duckdb.DuckDBPyConnection, frozenset[str], frozenset[str]]:
    """A locked-down connection with the account's views, the view names, and the names a CTE may not take."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach '{warehouse.served_path()}' as {SERVED} (read_only)")
        views = _views(con)
        for name in views:
            # account_id is an int from the signed-in user, never user text
            con.execute(
                f'create view "{name}" as select * from {SERVED}.main."{name}" where account_id = {int(account_id)}'
            )
        reserved = {
            name.lower()
            for (name,) in con.execute(
                "select view_name from duckdb_views() where internal union select table_name from duckdb_tables()"
                " where database_name in ('system', 'temp')"
            ).fetchall()
        }
        for setting in (
            f"set memory_limit = '{MEMORY_LIMIT}'",
            "set threads = 2",
            "set enable_progress_bar = false",
            "set python_enable_replacements = false",
            "set enable_external_access = false",
            "set lock_configuration = true",
        ):
            con.execute(setting)
    except BaseException:
        con.close()
        raise
    return con, frozenset(v.lower() for v in views), frozenset(reserved)


def _walk(node: Any, found: list[dict[str, Any]], ctes: set[str]) -> None:
    if isinstance(node, dict):
        kind = node.get("type")
        if isinstance(kind, str) and kind in TABLE_REFS and ("alias" in node and "query_location" in node):
            found.append(node)
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            ctes.update(str(entry.get("key", "")).lower() for entry in cte_map.get("map", []))
        for value in node.values():
            _walk(value, found, ctes)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found, ctes)


def check(sql: str, views: frozenset[str], reserved: frozenset[str], con: duckdb.DuckDBPyConnection) -> None:
    """Refuse anything but one SELECT over the account's views (see the module docstring)."""
    tree = json.loads(con.execute("select json_serialize_sql(?)", [sql]).fetchall()[0][0])
    if tree.get("error"):
        message = tree.get("error_message", "")
        if "Only SELECT" in message:
            raise Refused(
                "only SELECT queries run here: nothing that writes, copies, attaches, installs or sets"
            )
        raise Refused(f"the query does not parse: {message}")
    if len(tree.get("statements", [])) != 1:
        raise Refused("run one statement at a time")
    refs: list[dict[str, Any]] = []
    ctes: set[str] = set()
    _walk(tree["statements"][0], refs, ctes)
    if ctes & reserved:
        raise Refused(f"a CTE may not take a system table's name: {', '.join(sorted(ctes & reserved))}")
    for ref in refs:
        kind = ref["type"]
        if kind == "BASE_TABLE":
            name = str(ref.get("table_name", "")).lower()
            if ref.get("catalog_name") or ref.get("schema_name"):
                shown = ".".join(str(part) for part in (ref.get("qualified_name") or {}).get("path", [name]))
                raise Refused(f"tables are named without a schema or database here, not {shown}")
            if name not in views and name not in ctes:
                raise Refused(f"no table {name!r} here; the tables are: {', '.join(sorted(views))}")
        elif kind == "TABLE_FUNCTION":
            function = ref.get("function", {})
            name = str(function.get("function_name", "")).lower()
            if name not in TABLE_FUNCTIONS or function.get("catalog") or function.get("schema"):
                raise Refused(
                    f"the table function {name}() is not available here (files and catalogs are off)"
                )
        elif kind == "SHOW_REF" and ref.get("table_name"):
            raise Refused("DESCRIBE / SUMMARIZE work on a query or a table here, e.g. DESCRIBE fct_calls")
        elif kind not in ALLOWED_REFS:
            raise Refused(f"{kind.lower()} references are not available here")


def tables(viewer: Viewer) -> list[str]:
    """The view names an analyst can query."""
    require_role(viewer, SQL_ROLES, "the SQL explorer")
    return _view_names(viewer.account_id, warehouse.file_version())


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _view_names(account_id: int, version: str) -> list[str]:
    """Listed from a sandbox like the one a query gets (~35 ms to build): once per publish, not per run."""
    con, views, _ = _sandbox(account_id)
    con.close()
    return sorted(views)


def run(
    viewer: Viewer, sql: str, row_limit: int = ROW_LIMIT, time_limit: float = TIME_LIMIT_SECONDS
) -> Result:
    """Run one SELECT for the viewer's account: at most ``row_limit`` rows, at most ``time_limit`` seconds."""
    require_role(viewer, SQL_ROLES, "the SQL explorer")
    con, views, reserved = _sandbox(viewer.account_id)
    try:
        check(sql, views, reserved, con)
        watchdog = threading.Timer(time_limit, con.interrupt)
        started = time.perf_counter()
        watchdog.start()
        try:
            frame = con.sql(sql).limit(row_limit + 1).pl()
        except duckdb.InterruptException:
            raise TimedOut(f"the query ran longer than {time_limit:g} s and was stopped") from None
        finally:
            watchdog.cancel()
        seconds = time.perf_counter() - started
    finally:
        con.close()
    return Result(frame.head(row_limit), truncated=frame.height > row_limit, seconds=seconds)

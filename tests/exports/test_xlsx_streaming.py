"""The large XLSX export's read path: DuckDB's Arrow C stream into polars, scoped like ``warehouse.query``.

A served file of its own (two accounts of the abandon-rate mart), no PostgreSQL: the chunks equal the
query path's frame, only the asked account's rows come back, an unscoped statement is refused, DuckDB runs
on one thread while the export reads and is set back after, and the export never imports pyarrow.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from exports import report_specs as reports
from exports.export import _handed_over
from exports.report_reading import report_chunks, report_frame
from exports.report_specs import ReportSpec
from pipelines.metric_functions import metric_functions_sql as hook_sql
from voxlink import warehouse
from voxlink.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
START, END = date(2026, 10, 1), date(2026, 11, 30)  # 61 days × 3 queues per account


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """VOXLINK_HOME pointing at a served warehouse whose accounts 1 and 2 have different queues."""
    home = tmp_path_factory.mktemp("xlsx-streaming")
    path = home / "warehouse" / "served.duckdb"
    path.parent.mkdir(parents=True)
    functions = hook_sql(home / "scratch.duckdb", home / "target")  # the metric macros a publish carries
    with duckdb.connect(str(path)) as con:
        con.execute(functions)
        con.execute(
            f"""
            create table rpt_abandon_rate_daily as
            select a as account_id, cast(date '{START}' + d * interval 1 day as date) as date,
                   'acct' || a || '-queue-' || q as queue_name,
                   cast(20 + (d + q) % 9 as bigint) as offered, cast(15 + (d + q) % 5 as bigint) as answered,
                   cast((d + q) % 4 as bigint) as abandoned, cast((d + q) % 2 as bigint) as short_abandoned,
                   cast(10 + q as bigint) as answered_within_sl,
                   cast((d * 13 + q * 7) / 10.0 as decimal(18, 6)) as answered_wait_seconds
            from range(1, 3) s(a), range({(END - START).days + 1}) t(d), range(3) u(q)
            """
        )
        # the day's ratios the model stores beside its parts, by the same warehouse functions
        con.execute(
            "create or replace table rpt_abandon_rate_daily as select *, "
            "abandon_rate(abandoned, short_abandoned, offered) as abandon_rate, "
            "service_level(answered_within_sl, answered, abandoned, short_abandoned) as service_level, "
            "asa_seconds(answered_wait_seconds, answered) as asa_seconds from rpt_abandon_rate_daily"
        )
        con.execute(
            "create table _publish as select 1 as version, now() as published_at, 0.0 as built_seconds"
        )
    before = os.environ.get("VOXLINK_HOME")
    warehouse.close_all()
    os.environ["VOXLINK_HOME"] = str(home)
    get_settings.cache_clear()
    yield home
    warehouse.close_all()
    if before is None:
        os.environ.pop("VOXLINK_HOME", None)
    else:
        os.environ["VOXLINK_HOME"] = before
    get_settings.cache_clear()


def test_streamed_chunks_equal_the_query_path_for_that_account_only(served: Path) -> None:
    chunks = list(report_chunks("abandon-rate", 1, START, END, days=7))
    assert len(chunks) == 9
    whole = pl.concat(chunks)
    assert whole.equals(report_frame("abandon-rate", 1, START, END))  # same rows, same dtypes
    assert whole.height == 61 * 3
    assert whole["queue"].str.starts_with("acct1-").all()


def test_an_unscoped_statement_is_refused(served: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = reports.REPORTS["abandon-rate"]
    unscoped = ReportSpec(spec.name, spec.title, spec.columns, "select * from rpt_abandon_rate_daily", "")
    monkeypatch.setitem(reports.REPORTS, "abandon-rate", unscoped)
    with pytest.raises(warehouse.UnscopedQuery):
        next(report_chunks("abandon-rate", 1, START, END))


def threads() -> int:
    with warehouse.cursor() as cursor:
        row = cursor.execute("select current_setting('threads')").fetchone()
        return int(row[0]) if row else 0


def test_duckdb_runs_on_the_threads_asked_for_while_reading_and_is_set_back(served: Path) -> None:
    default = threads()
    seen = [threads() for _ in report_chunks("abandon-rate", 1, START, END, threads=1)]
    assert seen == [1, 1]
    assert threads() == default
    chunks = report_chunks("abandon-rate", 1, START, END, threads=1)
    next(chunks)
    chunks.close()  # an export that stops early sets it back too
    assert threads() == default
    assert [threads() for _ in report_chunks("abandon-rate", 1, START, END)] == [default, default]


def test_chunks_handed_over_are_not_kept() -> None:
    held = [pl.DataFrame({"a": [1]}), pl.DataFrame({"a": [2]})]
    handed = _handed_over(held, iter([pl.DataFrame({"a": [3]})]))
    assert next(handed)["a"].item() == 1
    assert len(held) == 1  # the first chunk is the writer's alone now
    assert [frame["a"].item() for frame in handed] == [2, 3]
    assert held == []


def test_a_large_xlsx_export_never_imports_pyarrow(served: Path, tmp_path: Path) -> None:
    """In a fresh interpreter, the way `voxlink export` runs it (this process may have pyarrow already)."""
    out = tmp_path / "abandon-rate.xlsx"
    script = f"""
import sys
from datetime import date
from exports import report_reading as reports
from exports import xlsx
from exports.export import export_file
xlsx.LARGE_ROWS, reports.CHUNK_DAYS = 40, 7  # streamed, in 9 chunks
rows = export_file(1, "acct1", "UTC", "abandon-rate", date.fromisoformat("{START}"), date.fromisoformat("{END}"),
                   "xlsx", {str(out)!r})
print(rows, "pyarrow" in sys.modules)
"""
    env = dict(os.environ, VOXLINK_HOME=str(served), PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(61 * 3), "False"]
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["abandon-rate", "Filters", "Definitions"]  # the streaming writer's layout
    rows = list(book["abandon-rate"].iter_rows(min_row=2, values_only=True))
    expected = report_frame("abandon-rate", 1, START, END)
    assert len(rows) == expected.height
    assert [(row[0].date(), row[1], row[2]) for row in rows] == expected.select(
        "date", "queue", "offered"
    ).rows()

"""Download payloads for tables: a download is an export.

CSV always comes from the exports' own renderer. A report table's XLSX and PDF are the exports' own
(``exports.export.render``: formats, a chart, the filters and the definitions; the PDF's title, KPI tiles,
chart and table), the same renderer `voxlink export` and the e-mailed reports use; any other table of a page (sums per
queue, …) gets the reports' layout too, with its Filters and Definitions sheets (``exports.xlsx.write_table_xlsx``);
the call list and SQL results get a plain sheet written here with xlsxwriter: bold frozen header, autofilter, typed
cells.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal

import polars as pl
import xlsxwriter

from exports.render import write_csv

_RATE_COLUMN = re.compile(r"(^|_)(rate|share|occupancy|service_level)$")


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """Exactly what ``exports.render.write_csv`` writes for the frame, UTF-8 encoded."""
    handle = io.StringIO()
    write_csv(frame, handle)
    return handle.getvalue().encode("utf-8")


def table_xlsx_bytes(frame: pl.DataFrame, sheet: str, context_rows: list[tuple[str, str]]) -> bytes:
    """A page's table (not one of the eight reports) as the reports' workbook: the sheet, then "Filters"
    (``context_rows``: account, period, filters) and "Definitions"."""
    from exports.xlsx import write_table_xlsx

    buffer = io.BytesIO()
    write_table_xlsx(frame, sheet, context_rows, buffer)
    return buffer.getvalue()


def report_bytes(frame: pl.DataFrame, fmt: str, report: str, account_slug: str, timezone: str, start: date,
                 end: date, filters: dict[str, str], account_id: int | None = None) -> bytes:  # fmt: skip
    """The exports' ``fmt`` file (xlsx or pdf) for a report frame (already narrowed by ``filters``, which it lists);
    with ``account_id`` a PDF carries the same headline tiles, read from the warehouse, as the e-mailed one."""
    from exports.export import export_context, render

    buffer = io.BytesIO()
    context = export_context(report, account_slug, timezone, start, end, filters, account_id=account_id)
    render(frame, context, fmt, buffer)
    return buffer.getvalue()


def xlsx_bytes(frame: pl.DataFrame, sheet: str = "report") -> bytes:
    """One worksheet holding the frame: header row, then one row per frame row, typed cells."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    worksheet = workbook.add_worksheet(sheet[:31])
    header = workbook.add_format({"bold": True, "bottom": 1})
    formats = {
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "rate": workbook.add_format({"num_format": "0.00%"}),
    }
    for col, name in enumerate(frame.columns):
        worksheet.write_string(0, col, name, header)
        worksheet.set_column(col, col, max(10, min(40, len(name) + 2)))
    rate_columns = {i for i, name in enumerate(frame.columns) if _RATE_COLUMN.search(name)}
    for row_number, row in enumerate(frame.iter_rows(), start=1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                worksheet.write_string(row_number, col, value)  # never a formula, whatever the text
            elif isinstance(value, bool):
                worksheet.write_boolean(row_number, col, value)
            elif isinstance(value, datetime):
                worksheet.write_datetime(row_number, col, value, formats["datetime"])
            elif isinstance(value, date):
                worksheet.write_datetime(row_number, col, value, formats["date"])
            elif isinstance(value, int | float | Decimal):
                worksheet.write_number(
                    row_number, col, float(value), formats["rate"] if col in rate_columns else None
                )
            else:
                worksheet.write_string(row_number, col, str(value))
    worksheet.freeze_panes(1, 0)
    if frame.columns:
        worksheet.autofilter(0, 0, max(1, frame.height), len(frame.columns) - 1)
    workbook.close()
    return buffer.getvalue()


def file_name(report: str, account_slug: str, start: date, end: date, *filters: str, ext: str = "csv") -> str:
    """``call-status_acme_2025-03-01_2025-03-30_inbound.csv``: what, whose, when, then any other filters."""
    parts = [report, account_slug, start.isoformat(), end.isoformat(), *(f for f in filters if f)]
    return "_".join(re.sub(r"[^A-Za-z0-9.@-]+", "-", part) for part in parts) + f".{ext}"

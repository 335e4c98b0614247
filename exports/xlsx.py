"""Formatted Excel workbooks with xlsxwriter: the report sheet, a native chart, "Filters" and "Definitions".

The report sheet has a styled, frozen header with an autofilter, fitted column widths and number formats:
dates as dates, counts with thousands separators, rates as percentages, seconds as durations ([h]:mm:ss.0,
stored as Excel day fractions). Text is always written as a string cell, and text a spreadsheet would run
as a formula also gets Excel's quote prefix, so it stays inert even when edited or re-saved as CSV.
Reports past :data:`LARGE_ROWS` rows go to the Rust writer in ``xlsx_large.py`` (same layout, ~6× faster).
"""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any

import polars as pl
import xlsxwriter
from xlsxwriter.workbook import Format, Workbook
from xlsxwriter.worksheet import Worksheet

from exports.definitions import definition
from exports.presentation import CHART_ROWS, CHARTS, ExportContext, column_kind
from exports.render import needs_guard
from exports.xlsx_layout import HEADER_STYLE, NUMBER_FORMATS, column_widths

LARGE_ROWS = 50_000  # past this the pure-Python writer costs ~6 µs a cell: hand over to the Rust writer
CONSTANT_MEMORY_ROWS = 5_000  # below this keep shared strings (smaller files); above, stream rows to disk


def write_xlsx(frame: pl.DataFrame, context: ExportContext, target: str | IO[bytes]) -> None:
    """Write the report ``frame`` (contract columns and order) as a formatted workbook to ``target``."""
    if frame.height > LARGE_ROWS:
        from exports.xlsx_large import write_large_xlsx

        write_large_xlsx(frame, context, target)
        return
    options = {"constant_memory": frame.height > CONSTANT_MEMORY_ROWS, "default_date_format": "yyyy-mm-dd"}
    workbook = xlsxwriter.Workbook(target, options)
    try:
        sheet = workbook.add_worksheet(context.report)
        _write_report(workbook, sheet, frame)
        if frame.height:
            _add_chart(workbook, sheet, frame, context)
        write_filters(workbook, [*context.filter_rows(), ("Rows", f"{frame.height:,}")])
        write_definitions(workbook, context.report, frame)
    finally:
        workbook.close()


def write_table_xlsx(
    frame: pl.DataFrame, sheet_name: str, context_rows: list[tuple[str, str]], target: str | IO[bytes]
) -> None:
    """A table that is not one of the eight reports (the app's sums per queue, …) in the reports' layout: the
    formatted sheet, then "Filters" (``context_rows``: what the table is of, as label and value) and
    "Definitions" (the catalogue's text for each column), so every workbook says what its figures are."""
    workbook = xlsxwriter.Workbook(target, {"default_date_format": "yyyy-mm-dd", "in_memory": True})
    try:
        sheet = workbook.add_worksheet(sheet_name[:31])
        _write_report(workbook, sheet, frame)
        write_filters(workbook, [*context_rows, ("Rows", f"{frame.height:,}")])
        write_definitions(workbook, sheet_name, frame)
    finally:
        workbook.close()


def _write_report(workbook: Workbook, sheet: Worksheet, frame: pl.DataFrame) -> None:
    header = workbook.add_format(HEADER_STYLE)
    kinds = [column_kind(frame, c) for c in frame.columns]
    formats = {kind: workbook.add_format({"num_format": NUMBER_FORMATS[kind]}) for kind in set(kinds)}
    quoted = workbook.add_format({"num_format": "@", "quote_prefix": True})
    for index, width in enumerate(column_widths(frame)):
        sheet.set_column(index, index, width, formats[kinds[index]])
    for index, column in enumerate(frame.columns):
        sheet.write_string(0, index, column, header)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(frame.height, 1), len(frame.columns) - 1)
    writers = [_cell_writer(sheet, kind, formats[kind], quoted) for kind in kinds]
    for row_index, row in enumerate(frame.iter_rows(), start=1):
        for col_index, value in enumerate(row):
            if value is not None:
                writers[col_index](row_index, col_index, value)


def _cell_writer(sheet: Worksheet, kind: str, fmt: Format, quoted: Format) -> Any:
    if kind == "date":
        return lambda r, c, v: sheet.write_datetime(r, c, v, fmt)
    if kind == "seconds":
        return lambda r, c, v: sheet.write_number(r, c, float(v) / 86400, fmt)
    if kind in ("rate", "count"):
        return lambda r, c, v: sheet.write_number(r, c, float(v) if isinstance(v, Decimal) else v, fmt)

    def text(r: int, c: int, v: str) -> None:
        if v:
            sheet.write_string(r, c, v, quoted if needs_guard(v) else fmt)

    return text


def _add_chart(workbook: Workbook, sheet: Worksheet, frame: pl.DataFrame, context: ExportContext) -> None:
    spec = CHARTS[context.report]
    columns = frame.columns
    last = min(frame.height, CHART_ROWS)
    label_cols = sorted(columns.index(c) for c in spec.labels)
    chart = workbook.add_chart({"type": spec.kind})
    for name in spec.values:
        col = columns.index(name)
        chart.add_series(
            {
                "name": [context.report, 0, col],
                "categories": [context.report, 1, label_cols[0], last, label_cols[-1]],
                "values": [context.report, 1, col, last, col],
            }
        )
    shown = "" if frame.height <= CHART_ROWS else f" (first {CHART_ROWS} of {frame.height:,} rows)"
    chart.set_title({"name": spec.title(context.spec) + shown, "name_font": {"size": 12}})
    rate = column_kind(frame, spec.values[0]) == "rate"
    value_axis = {"num_format": "0%" if rate else "#,##0", "major_gridlines": {"visible": True}}
    if spec.kind == "column":
        chart.set_y_axis(value_axis)
    else:  # a bar chart's values run along its x axis
        chart.set_x_axis(value_axis)
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 400})
    sheet.insert_chart(1, len(columns) + 1, chart)


def write_filters(workbook: Workbook, rows: list[tuple[str, str]]) -> None:
    """The "Filters" sheet: what the workbook is of (report, account, range, filters, times), one field a row."""
    sheet = workbook.add_worksheet("Filters")
    header, bold = workbook.add_format(HEADER_STYLE), workbook.add_format({"bold": True})
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 70)
    sheet.write_string(0, 0, "field", header)
    sheet.write_string(0, 1, "value", header)
    for index, (label, value) in enumerate(rows, start=1):
        sheet.write_string(index, 0, label, bold)
        sheet.write_string(index, 1, value)


def write_definitions(workbook: Workbook, report: str, frame: pl.DataFrame) -> None:
    """The "Definitions" sheet: each column's kind and its catalogue text (the report's own entry first)."""
    sheet = workbook.add_worksheet("Definitions")
    header = workbook.add_format(HEADER_STYLE)
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 2, 100, wrap)
    for index, title in enumerate(("column", "kind", "definition")):
        sheet.write_string(0, index, title, header)
    for row, column in enumerate(frame.columns, start=1):
        sheet.write_string(row, 0, column)
        sheet.write_string(row, 1, column_kind(frame, column))
        sheet.write_string(row, 2, definition(report, column), wrap)

"""Large workbooks, streamed: rvgsrust-xlsxwriter (Rust's rust_xlsxwriter) fed the report a chunk at a time.

Each chunk goes to the sheet through the Arrow interface (no Python per cell) in constant-memory mode, so
memory is bounded by one chunk rather than the report. Same layout as ``xlsx.py``: a styled, frozen,
filtered header, the same number formats and widths, a native chart of the first rows, the "Filters" and
"Definitions" sheets. Text cells are inline strings (never formulas) with Excel's quote prefix, so text
that starts like a formula stays inert.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

import polars as pl
import rvgsrust_xlsxwriter as rv
from xlsxwriter.utility import xl_rowcol_to_cell

from exports.definitions import definition
from exports.presentation import CHART_ROWS, CHARTS, ExportContext, column_kind
from exports.xlsx_layout import HEADER_STYLE, NUMBER_FORMATS, column_widths

SLICE_ROWS = 50_000  # rows handed to the writer at once when the whole frame is already in memory


def _excel_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Decimals as floats (Excel stores doubles), seconds as day fractions for the duration format."""
    casts = []
    for column in frame.columns:
        kind = column_kind(frame, column)
        if kind == "seconds":
            casts.append((pl.col(column).cast(pl.Float64) / 86400).alias(column))
        elif kind == "rate":
            casts.append(pl.col(column).cast(pl.Float64))
    return frame.with_columns(casts) if casts else frame


def _header(workbook: rv.Workbook) -> rv.Format:
    fmt = workbook.add_format()
    for step in (
        lambda f: f.set_bold(),
        lambda f: f.set_font_color(str(HEADER_STYLE["font_color"])),
        lambda f: f.set_background_color(str(HEADER_STYLE["bg_color"])),
        lambda f: f.set_border("thin"),
    ):
        step(fmt)  # the binding's setters do not all return the format, so no chaining
    return fmt


def _range(sheet: str, first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    start = xl_rowcol_to_cell(first_row, first_col, row_abs=True, col_abs=True)
    end = xl_rowcol_to_cell(last_row, last_col, row_abs=True, col_abs=True)
    return f"'{sheet}'!{start}:{end}"


def _chart(context: ExportContext, first: pl.DataFrame, total_hint: str) -> Any:
    spec = CHARTS[context.report]
    sheet, columns, last = context.report, first.columns, min(first.height, CHART_ROWS)
    labels = sorted(columns.index(c) for c in spec.labels)
    chart = rv.Chart(spec.kind)
    for name in spec.values:
        col = columns.index(name)
        series = rv.ChartSeries()
        series.set_values(_range(sheet, 1, col, last, col))
        series.set_categories(_range(sheet, 1, labels[0], last, labels[-1]))
        series.set_name(_range(sheet, 0, col, 0, col))
        chart.push_series(series)
    chart.set_title_name(f"{spec.title(context.spec)} (first {last} rows{total_hint})")
    chart.set_width(760)
    chart.set_height(400)
    chart.set_legend_position("bottom")
    return chart


def write_streaming_xlsx(
    chunks: Iterable[pl.DataFrame], context: ExportContext, target: str | IO[bytes], total_hint: str = ""
) -> int:
    """Write the report's chunks (in report order, same columns) as one formatted workbook; return its rows.

    Only one chunk is alive at a time: each is dropped before the next is read, and only the report's
    schema (an empty frame) is kept for the layout, so the writer's memory stays that of one chunk.
    """
    pieces = iter(chunks)
    chunk: pl.DataFrame | None = next(pieces)
    assert chunk is not None
    schema, report, width = chunk.clear(), context.report, chunk.width
    workbook = rv.Workbook(target if isinstance(target, str) else None)
    sheet = workbook.add_worksheet(report, constant_memory=True)
    formats = {}
    for column in schema.columns:
        kind = column_kind(schema, column)
        fmt = workbook.add_format()
        fmt.set_num_format(NUMBER_FORMATS[kind])
        if kind == "text":
            fmt.set_quote_prefix()
        formats[column] = fmt
    if chunk.height:  # the chart is anchored first: constant-memory sheets take rows in order only
        sheet.insert_chart(0, width + 1, _chart(context, chunk, total_hint))
    for index, column_width in enumerate(column_widths(chunk)):
        sheet.set_column_width(index, column_width)
    sheet.freeze_panes(1, 0)
    header, rows = _header(workbook), 0
    while chunk is not None:
        if chunk.height or not rows:
            sheet.write_dataframe(rows + (1 if rows else 0), 0, _excel_frame(chunk), header_format=header,
                                  write_header=rows == 0, column_formats=formats)  # fmt: skip
            rows += chunk.height
        chunk = None  # release this chunk before the next one is read
        chunk = next(pieces, None)
    sheet.autofilter(0, 0, max(rows, 1), width - 1)
    _context_sheets(workbook, context, schema, rows)
    if isinstance(target, str):
        workbook.close()
    else:
        target.write(workbook.save_to_buffer())
    return rows


def _context_sheets(workbook: rv.Workbook, context: ExportContext, schema: pl.DataFrame, rows: int) -> None:
    header = _header(workbook)
    bold = workbook.add_format()
    bold.set_bold()
    filters = workbook.add_worksheet("Filters")
    filters.set_column_width(0, 22)
    filters.set_column_width(1, 70)
    filters.write_row(0, 0, ["field", "value"], header)
    for index, (label, value) in enumerate([*context.filter_rows(), ("Rows", f"{rows:,}")], start=1):
        filters.write(index, 0, label, bold)
        filters.write(index, 1, value)  # the binding writes str as a string cell, never a formula
    notes = workbook.add_worksheet("Definitions")
    for index, column_width in enumerate((26, 10, 100)):
        notes.set_column_width(index, column_width)
    notes.write_row(0, 0, ["column", "kind", "definition"], header)
    for index, column in enumerate(schema.columns, start=1):
        notes.write_row(index, 0, [column, column_kind(schema, column), definition(context.report, column)])


def write_large_xlsx(frame: pl.DataFrame, context: ExportContext, target: str | IO[bytes]) -> None:
    """A report already in memory, handed over in slices (zero-copy views of the frame)."""
    hint = f" of {frame.height:,}" if frame.height > CHART_ROWS else ""
    write_streaming_xlsx(frame.iter_slices(SLICE_ROWS), context, target, hint)

"""Large workbooks through rustpy-xlsxwriter (Rust's rust_xlsxwriter fed the frame as Arrow, no Python per cell).

Same layout as ``xlsx.py``: a styled, frozen, filtered header, the same number formats and widths, the
"Filters" and "Definitions" sheets. Text columns carry Excel's quote prefix on every cell (harmless for plain
text, inert for formula-like text); strings are written as inline string cells, never as formulas. The
chart gets a sheet of its own over the first :data:`~exports.presentation.CHART_ROWS` rows, since a chart
of a million points helps nobody and makes Excel crawl.
"""

from __future__ import annotations

from typing import IO, Any, BinaryIO, cast

import polars as pl
import rustpy_xlsxwriter as rx

from exports.definitions import definition
from exports.presentation import CHART_ROWS, CHARTS, ExportContext, column_kind
from exports.xlsx import HEADER_STYLE, NUMBER_FORMATS, column_widths


def _header_format() -> rx.Format:
    return (
        rx.Format()
        .set_bold()
        .set_font_color(str(HEADER_STYLE["font_color"]))
        .set_background_color(str(HEADER_STYLE["bg_color"]))
        .set_border("thin")
    )


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


def write_large_xlsx(frame: pl.DataFrame, context: ExportContext, target: str | IO[bytes]) -> None:
    kinds = {column: column_kind(frame, column) for column in frame.columns}
    formats = {}
    for column, kind in kinds.items():
        fmt = rx.Format().set_num_format(NUMBER_FORMATS[kind])
        formats[column] = fmt.set_quote_prefix() if kind == "text" else fmt
    report = context.report
    sheets: list[tuple[str, Any]] = [(report, _excel_frame(frame))]
    options: dict[str, dict[str, Any]] = {
        "column_formats": {report: formats},
        "column_widths": {report: dict(zip(frame.columns, column_widths(frame), strict=True))},
        "header_format": {report: _header_format()},
        "autofilter": {report: True},
    }
    spec = CHARTS[report]
    if frame.height:
        shown = frame.head(CHART_ROWS)
        label = pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in spec.labels], separator=" · ")
        chart_data = _excel_frame(shown.select(label.alias("row"), *spec.values))
        sheets.append(("Chart", chart_data))
        title = spec.title(context.spec) + f" (first {shown.height:,} of {frame.height:,} rows)"
        options["charts"] = {
            "Chart": [
                {"type": spec.kind, "series": list(spec.values), "categories": "row", "title": title,
                 "row": 1, "col": len(spec.values) + 2, "width": 760, "height": 400}
            ]
        }  # fmt: skip
    filters = [*context.filter_rows(), ("Rows", f"{frame.height:,}")]
    sheets.append(("Filters", [{"field": label, "value": value} for label, value in filters]))
    sheets.append(
        (
            "Definitions",
            [{"column": c, "kind": kinds[c], "definition": definition(report, c)} for c in frame.columns],
        )
    )
    options["column_widths"].update({"Filters": [22, 70], "Definitions": [26, 10, 100]})
    options["header_format"].update({name: _header_format() for name, _ in sheets[1:]})
    rx.write_worksheets(
        sheets,
        cast(BinaryIO, target) if not isinstance(target, str) else target,
        freeze_panes={"general": {"row": 1, "col": 0}},
        column_formats=options["column_formats"],
        column_widths=options["column_widths"],
        header_format=options["header_format"],
        autofilter=options["autofilter"],
        charts=options.get("charts"),
    )

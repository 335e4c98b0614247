"""The workbook layout both XLSX writers share: header style, number formats per column kind, column widths."""

from __future__ import annotations

from typing import cast

import polars as pl

from exports.presentation import column_kind

WIDTH_SAMPLE = 2_000  # rows looked at to fit column widths

HEADER_STYLE = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "border": 1, "valign": "top"}
NUMBER_FORMATS = {
    "date": "yyyy-mm-dd",
    "count": "#,##0",
    "rate": "0.00%",
    "seconds": "[h]:mm:ss.0",
    "text": "@",
}
WIDTH_LIMITS = (6, 60)


def column_widths(frame: pl.DataFrame) -> list[float]:
    """Widths that fit the header and the first rows' text, within sensible limits."""
    sample = frame.head(WIDTH_SAMPLE)
    widths = []
    for column in frame.columns:
        kind = column_kind(frame, column)
        longest = len(column)
        if kind == "text":
            lengths = sample.get_column(column).str.len_chars()
            longest = max(longest, cast(int, lengths.max() or 0) + 1)
        else:
            longest = max(longest, {"date": 10, "count": 9, "rate": 8, "seconds": 11}[kind])
        widths.append(float(min(max(longest + 2, WIDTH_LIMITS[0]), WIDTH_LIMITS[1])))
    return widths

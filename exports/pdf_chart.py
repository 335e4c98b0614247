"""A horizontal bar chart drawn with fpdf2's own shapes (no browser, no image library): one bar per report row."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, cast

import polars as pl

from exports.presentation import ChartSpec, column_kind, duration_text
from exports.render import inert

if TYPE_CHECKING:
    from fpdf import FPDF

PDF_CHART_ROWS = 20
SERIES_COLOURS = ((31, 78, 120), (237, 125, 49), (112, 173, 71))
BAR_HEIGHT = 3.2  # mm per series bar
ROW_GAP = 1.6


def value_text(value: object, kind: str) -> str:
    """A chart or tile label: rates as percentages, seconds as durations, counts with separators."""
    if value is None:
        return "–"
    if kind == "rate":
        return f"{Decimal(str(value)) * 100:.2f}%"
    if kind == "seconds":
        return duration_text(value)
    return f"{int(value):,}"  # type: ignore[call-overload]


def chart_height(rows: int, series: int) -> float:
    return 14 + min(rows, PDF_CHART_ROWS) * (BAR_HEIGHT * series + ROW_GAP)


def draw_bar_chart(pdf: FPDF, frame: pl.DataFrame, spec: ChartSpec, title: str, font: str) -> None:
    """Draw the chart at the current position, full text width; the cursor ends below it."""
    shown = frame.head(PDF_CHART_ROWS)
    x0, y0 = pdf.l_margin, pdf.get_y()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    suffix = f" (first {shown.height} of {frame.height:,} rows)" if frame.height > shown.height else ""
    pdf.set_font(font, "B", 10)
    pdf.set_text_color(0)
    pdf.cell(width, 6, title + suffix, new_x="LMARGIN", new_y="NEXT")
    _legend(pdf, spec, font)
    label_width, value_width = width * 0.32, 22.0
    bar_space = width - label_width - value_width
    kinds = [column_kind(frame, column) for column in spec.values]
    peaks = [cast(float, shown.get_column(c).cast(pl.Float64).max() or 0.0) for c in spec.values]
    # rates share one scale (0–100 %); counts and seconds scale to the largest bar shown
    scale = [1.0 if kind == "rate" else (peak or 1.0) for kind, peak in zip(kinds, peaks, strict=True)]
    y = y0 + 12
    pdf.set_font(font, "", 7)
    labels = [" · ".join(_label(v) for v in row) for row in shown.select(spec.labels).iter_rows()]
    for index, label in enumerate(labels):
        row_height = BAR_HEIGHT * len(spec.values)
        pdf.set_xy(x0, y)
        pdf.cell(label_width - 2, row_height, _fit(pdf, label, label_width - 3), align="R")
        for serie, column in enumerate(spec.values):
            value = shown.get_column(column)[index]
            length = 0.0 if value is None else bar_space * min(float(value) / scale[serie], 1.0)
            pdf.set_fill_color(*SERIES_COLOURS[serie % len(SERIES_COLOURS)])
            if length > 0:
                pdf.rect(x0 + label_width, y + serie * BAR_HEIGHT, length, BAR_HEIGHT - 0.4, style="F")
            pdf.set_xy(x0 + label_width + length + 1, y + serie * BAR_HEIGHT)
            pdf.cell(value_width, BAR_HEIGHT - 0.4, value_text(value, kinds[serie]))
        y += row_height + ROW_GAP
    pdf.set_draw_color(160)
    pdf.line(x0 + label_width, y0 + 11, x0 + label_width, y)
    pdf.set_xy(x0, y + 2)


def _legend(pdf: FPDF, spec: ChartSpec, font: str) -> None:
    pdf.set_font(font, "", 7)
    x = pdf.l_margin
    y = pdf.get_y() + 1
    for serie, column in enumerate(spec.values):
        pdf.set_fill_color(*SERIES_COLOURS[serie % len(SERIES_COLOURS)])
        pdf.rect(x, y + 0.8, 3, 2.4, style="F")
        pdf.set_xy(x + 4, y)
        pdf.cell(pdf.get_string_width(column) + 2, 4, column)
        x += pdf.get_string_width(column) + 10


def _label(value: object) -> str:
    if value is None or value == "":
        return "(none)"
    return value.isoformat() if hasattr(value, "isoformat") else inert(str(value))


def _fit(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"

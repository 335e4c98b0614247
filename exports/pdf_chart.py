"""A horizontal bar chart drawn with fpdf2's own shapes (no browser, no image library): one bar per report row.

Every row the PDF's table shows gets its bars: a chart longer than the page continues on the next ones, its
title and legend repeated, so no row is left out of the picture (nor summed into an "others" bar, which for a
rate would be a metric computed here).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, cast

import polars as pl

from exports.presentation import ChartSpec, column_kind, duration_text
from exports.render import inert

if TYPE_CHECKING:
    from fpdf import FPDF

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
    """The height of a chart of ``rows`` rows drawn on one page (title and legend included)."""
    return 14 + rows * (BAR_HEIGHT * series + ROW_GAP)


def draw_bar_chart(pdf: FPDF, frame: pl.DataFrame, spec: ChartSpec, title: str, font: str) -> int:
    """Draw a chart of every row of ``frame`` from the current position, full text width, continuing on new
    pages as needed; the cursor ends below it. Returns the rows drawn (the frame's height)."""
    width = pdf.w - pdf.l_margin - pdf.r_margin
    label_width, value_width = width * 0.32, 22.0
    bar_space = width - label_width - value_width
    kinds = [column_kind(frame, column) for column in spec.values]
    peaks = [cast(float, frame.get_column(c).cast(pl.Float64).max() or 0.0) for c in spec.values]
    # rates share one scale (0–100 %); counts and seconds scale to the largest bar, one scale on every page
    scale = [1.0 if kind == "rate" else (peak or 1.0) for kind, peak in zip(kinds, peaks, strict=True)]
    row_height = BAR_HEIGHT * len(spec.values)
    bottom = pdf.h - pdf.b_margin - 2
    labels = [" · ".join(_label(v) for v in row) for row in frame.select(spec.labels).iter_rows()]
    values = [frame.get_column(column).to_list() for column in spec.values]
    y0 = y = _chart_heading(pdf, title, spec, font, width)
    for index, label in enumerate(labels):
        if y + row_height > bottom:  # continue on a new page, heading and legend repeated
            _axis(pdf, label_width, y0, y)
            pdf.add_page()
            y0 = y = _chart_heading(pdf, f"{title} (continued)", spec, font, width)
        pdf.set_font(font, "", 7)
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_width - 2, row_height, _fit(pdf, label, label_width - 3), align="R")
        for serie in range(len(spec.values)):
            value = values[serie][index]
            length = 0.0 if value is None else bar_space * min(float(value) / scale[serie], 1.0)
            pdf.set_fill_color(*SERIES_COLOURS[serie % len(SERIES_COLOURS)])
            if length > 0:
                pdf.rect(
                    pdf.l_margin + label_width, y + serie * BAR_HEIGHT, length, BAR_HEIGHT - 0.4, style="F"
                )
            pdf.set_xy(pdf.l_margin + label_width + length + 1, y + serie * BAR_HEIGHT)
            pdf.cell(value_width, BAR_HEIGHT - 0.4, value_text(value, kinds[serie]))
        y += row_height + ROW_GAP
    _axis(pdf, label_width, y0, y)
    pdf.set_xy(pdf.l_margin, y + 2)
    return len(labels)


def _chart_heading(pdf: FPDF, title: str, spec: ChartSpec, font: str, width: float) -> float:
    """Title and legend at the cursor; returns where the first bar goes."""
    top = pdf.get_y()
    pdf.set_font(font, "B", 10)
    pdf.set_text_color(0)
    pdf.cell(width, 6, title, new_x="LMARGIN", new_y="NEXT")
    _legend(pdf, spec, font)
    return top + 12


def _axis(pdf: FPDF, label_width: float, top: float, bottom: float) -> None:
    pdf.set_draw_color(160)
    pdf.line(pdf.l_margin + label_width, top - 1, pdf.l_margin + label_width, bottom)


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

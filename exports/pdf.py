"""PDF reports with fpdf2: title, filters, headline tiles, a bar chart and the table (headers repeated, pages numbered).

The first page carries the report's headline figures (``presentation.tiles``: for abandon rate and service level
the range's offered, abandon rate, service level and ASA). The chart has a bar for every row the table shows,
continuing over pages.

DejaVu Sans (Debian's fonts-dejavu-core) covers the report's non-Latin text; without it the PDF falls back
to the core Helvetica font and replaces what Latin-1 cannot show. Table cells carry the contract's figures:
counts with thousands separators, rates as percentages with two decimals (the contract's four as a
fraction), seconds with one decimal. Text that a spreadsheet would run as a formula is shown with the
same leading apostrophe as the CSV, so copying it out of the PDF is harmless too.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import IO

import polars as pl
from fpdf import FPDF, FontFace

from exports.definitions import definition
from exports.pdf_chart import chart_height, draw_bar_chart
from exports.presentation import CHARTS, ExportContext, column_kind, tiles
from exports.render import inert

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
PDF_MAX_ROWS = 2_000  # a PDF is for reading: beyond this the table stops and says where the rest is
BLUE = (31, 78, 120)


class ReportPdf(FPDF):
    def __init__(self, title: str, landscape: bool) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.report_title = title
        self.font_name = _load_fonts(self)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(12, 12, 12)

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(self.font_name, "", 8)
            self.set_text_color(110)
            self.cell(0, 5, self.report_title, new_x="LMARGIN", new_y="NEXT")
            self.ln(1)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(self.font_name, "", 8)
        self.set_text_color(110)
        self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="C")

    def text_of(self, text: str) -> str:
        """Text the current font can show (core fonts are Latin-1 only)."""
        if self.font_name == "DejaVu":
            return text
        return text.encode("latin-1", "replace").decode("latin-1")


def _load_fonts(pdf: FPDF) -> str:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu"
    return "helvetica"


def table_text(value: object, kind: str) -> str:
    """One table cell: the contract's figure, readable."""
    if value is None:
        return ""
    if kind == "text":
        return inert(str(value))
    if kind == "date":
        return value.isoformat()  # type: ignore[attr-defined]
    if kind == "rate":
        return f"{Decimal(str(value)) * 100:.2f}%"
    if kind == "seconds":
        return f"{Decimal(str(value)):,.1f}"
    return f"{int(value):,}"  # type: ignore[call-overload]


def write_pdf(frame: pl.DataFrame, context: ExportContext, target: str | IO[bytes]) -> None:
    spec = context.spec
    pdf = ReportPdf(
        f"{spec.title} · {context.account} · {context.start} to {context.end}", len(frame.columns) > 6
    )
    font = pdf.font_name
    pdf.add_page()
    pdf.set_font(font, "B", 18)
    pdf.set_text_color(*BLUE)
    pdf.cell(0, 10, pdf.text_of(spec.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 9)
    pdf.set_text_color(80)
    pdf.multi_cell(0, 4.5, pdf.text_of(spec.description), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _filters(pdf, context)
    _tiles(pdf, context)
    if frame.height:
        spec_chart = CHARTS[context.report]
        charted = frame.head(PDF_MAX_ROWS)  # the rows the table shows, every one of them
        if pdf.get_y() + chart_height(min(charted.height, 5), len(spec_chart.values)) > pdf.h - 20:
            pdf.add_page()  # not even a few bars fit under the tiles: start the chart on a page of its own
        title = spec_chart.title(spec) + f" ({charted.height:,} rows)"
        draw_bar_chart(pdf, charted, spec_chart, title, font)
    _table(pdf, context, frame)
    _definitions(pdf, context, frame)
    pdf.output(target)  # type: ignore[arg-type]  # fpdf2 writes to a path or a binary file object


def _filters(pdf: ReportPdf, context: ExportContext) -> None:
    pdf.set_text_color(0)
    for label, value in context.filter_rows():
        pdf.set_font(pdf.font_name, "B", 8)
        pdf.cell(38, 4.5, pdf.text_of(label))
        pdf.set_font(pdf.font_name, "", 8)
        pdf.cell(0, 4.5, pdf.text_of(inert(value)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _tiles(pdf: ReportPdf, context: ExportContext) -> None:
    shown = tiles(context)
    if not shown:
        return
    gap = 4.0
    width = (pdf.w - pdf.l_margin - pdf.r_margin - gap * (len(shown) - 1)) / len(shown)
    width = min(width, 60.0)
    y = pdf.get_y()
    for index, tile in enumerate(shown):
        x = pdf.l_margin + index * (width + gap)
        pdf.set_fill_color(231, 239, 247)
        pdf.rect(x, y, width, 18, style="F", round_corners=True, corner_radius=2)
        pdf.set_xy(x + 3, y + 2)
        pdf.set_font(pdf.font_name, "", 8)
        pdf.set_text_color(90)
        pdf.cell(width - 6, 4, pdf.text_of(tile.label))
        pdf.set_xy(x + 3, y + 7.5)
        size = 15.0
        pdf.set_font(pdf.font_name, "B", size)
        while size > 8 and pdf.get_string_width(tile.value) > width - 6:  # a long figure shrinks, never cut
            size -= 1
            pdf.set_font(pdf.font_name, "B", size)
        pdf.set_text_color(*BLUE)
        pdf.cell(width - 6, 8, pdf.text_of(tile.value))
    pdf.set_text_color(0)
    pdf.set_xy(pdf.l_margin, y + 24)


def _table(pdf: ReportPdf, context: ExportContext, frame: pl.DataFrame) -> None:
    shown = frame.head(PDF_MAX_ROWS)
    kinds = [column_kind(frame, column) for column in frame.columns]
    # headers are the longest text in most columns: size by them, text columns a little wider
    widths = [
        max(len(c), 14 if k == "text" else 10 if k == "date" else 7)
        for c, k in zip(frame.columns, kinds, strict=True)
    ]
    pdf.set_font(pdf.font_name, "", 7)
    pdf.set_text_color(0)
    heading = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=BLUE)
    pdf.set_fill_color(240, 244, 248)
    if not frame.height:
        pdf.cell(0, 6, "No rows in this range.", new_x="LMARGIN", new_y="NEXT")
        return
    align = ["LEFT" if kind in ("text", "date") else "RIGHT" for kind in kinds]
    with pdf.table(
        col_widths=widths, text_align=align, headings_style=heading, line_height=4.2, repeat_headings=1,
        cell_fill_color=(240, 244, 248), cell_fill_mode="ROWS",
    ) as table:  # fmt: skip
        table.row(list(frame.columns))
        for row in shown.iter_rows():
            table.row([pdf.text_of(table_text(v, k)) for v, k in zip(row, kinds, strict=True)])
    if frame.height > shown.height:
        pdf.ln(2)
        pdf.cell(
            0, 5, f"First {shown.height:,} of {frame.height:,} rows; the CSV and XLSX exports carry all."
        )
        pdf.ln(5)


def _definitions(pdf: ReportPdf, context: ExportContext, frame: pl.DataFrame) -> None:
    pdf.ln(4)
    pdf.set_font(pdf.font_name, "B", 9)
    pdf.cell(0, 5, "Definitions", new_x="LMARGIN", new_y="NEXT")
    for column in frame.columns:
        pdf.set_font(pdf.font_name, "B", 7)
        pdf.cell(40, 3.8, column)
        pdf.set_font(pdf.font_name, "", 7)
        pdf.multi_cell(0, 3.8, pdf.text_of(definition(context.report, column)), new_x="LMARGIN", new_y="NEXT")

"""Each renderer on a hand-made report frame: formatting, chart, context sheets, inert formulas, large path."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import polars as pl
import pytest
from pypdf import PdfReader

from exports import xlsx
from exports.export import build_report, export_context, render
from exports.presentation import ExportContext, tiles

RATE, SECONDS = pl.Decimal(18, 4), pl.Decimal(18, 1)
EVIL = '=HYPERLINK("http://evil.example","click")'


def abandon_frame(rows: int = 2) -> pl.DataFrame:
    base = pl.DataFrame(
        {
            "date": [date(2026, 11, 1), date(2026, 11, 2)],
            "queue": ["q2", "q1"],
            "offered": [1, 7],
            "answered": [1, 4],
            "abandoned": [0, 2],
            "short_abandoned": [0, 1],
            "abandon_rate": [Decimal("0.0000"), Decimal("0.1667")],
            "answered_within_sl": [1, 3],
            "service_level": [Decimal("1.0000"), None],
            "asa_seconds": [Decimal("5.0"), Decimal("13.4")],
        },
        schema_overrides={"abandon_rate": RATE, "service_level": RATE, "asa_seconds": SECONDS},
    )
    return pl.concat([base] * (rows // 2)) if rows > 2 else base


def leaderboard_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "rank": [1, 1, 3],
            "agent": [EVIL, "-2+3", "alice"],
            "handled": [2, 2, 1],
            "talk_seconds": [Decimal("360.0"), Decimal("90.0"), Decimal("100.0")],
            "aht_seconds": [Decimal("185.0"), Decimal("50.0"), Decimal("120.0")],
            "conversions": [2, 1, 0],
            "conversion_rate": [Decimal("1.0000"), Decimal("0.5000"), Decimal("0.0000")],
        },
        schema_overrides={"talk_seconds": SECONDS, "aht_seconds": SECONDS, "conversion_rate": RATE},
    )


def context(report: str) -> ExportContext:
    return ExportContext(report, "metrics", "America/New_York", date(2026, 11, 1), date(2026, 11, 2),
                         datetime(2026, 11, 3, 12, 0, tzinfo=UTC), datetime(2026, 11, 3, 11, 55, tzinfo=UTC), 42,
                         {"queue": "q1"})  # fmt: skip


def rendered(frame: pl.DataFrame, report: str, fmt: str) -> bytes:
    buffer = io.BytesIO()
    render(frame, context(report), fmt, buffer)
    return buffer.getvalue()


def test_xlsx_report_sheet_is_formatted() -> None:
    book = openpyxl.load_workbook(io.BytesIO(rendered(abandon_frame(), "abandon-rate", "xlsx")))
    assert book.sheetnames == ["abandon-rate", "Filters", "Definitions"]
    sheet = book["abandon-rate"]
    assert [c.value for c in sheet[1]] == list(abandon_frame().columns)
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("1F4E78")
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:J3"
    assert sheet.column_dimensions["F"].width >= len("short_abandoned")
    # dates as dates, counts with separators, rates as percentages, seconds as durations
    assert (sheet["A3"].value.date(), sheet["A3"].number_format) == (date(2026, 11, 2), "yyyy-mm-dd")
    assert (sheet["C3"].value, sheet["C3"].number_format) == (7, "#,##0")
    assert (sheet["G3"].value, sheet["G3"].number_format) == (0.1667, "0.00%")
    assert sheet["I3"].value is None  # an empty rate stays empty
    assert sheet["J3"].number_format == "[h]:mm:ss.0"
    assert round(sheet["J3"].value.total_seconds(), 1) == 13.4


def test_xlsx_has_a_native_chart_and_its_context_sheets() -> None:
    content = rendered(abandon_frame(), "abandon-rate", "xlsx")
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert "xl/charts/chart1.xml" in names
    chart = zipfile.ZipFile(io.BytesIO(content)).read("xl/charts/chart1.xml").decode()
    assert "'abandon-rate'!$G$2:$G$3" in chart and "'abandon-rate'!$A$2:$B$3" in chart
    book = openpyxl.load_workbook(io.BytesIO(content))
    filters = {row[0]: row[1] for row in book["Filters"].iter_rows(min_row=2, values_only=True)}
    assert filters["Account"] == "metrics"
    assert filters["Range"].startswith("2026-11-01 to 2026-11-02")
    assert filters["Filter: queue"] == "q1"
    assert filters["Generated at"] == "2026-11-03 07:00:00 EST"
    assert filters["Data as of"] == "2026-11-03 06:55:00 EST"
    definitions = {row[0]: row[2] for row in book["Definitions"].iter_rows(min_row=2, values_only=True)}
    assert set(definitions) == set(abandon_frame().columns)
    assert "short abandon" in definitions["abandon_rate"]


def test_large_xlsx_streams_through_the_rust_writer_with_the_same_layout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from exports import xlsx_large

    monkeypatch.setattr(xlsx, "LARGE_ROWS", 100)
    monkeypatch.setattr(xlsx_large, "SLICE_ROWS", 64)  # 400 rows reach the writer in 7 chunks
    frame = abandon_frame(400)
    content = rendered(frame, "abandon-rate", "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["abandon-rate", "Filters", "Definitions"]
    sheet = book["abandon-rate"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:J401"
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("1F4E78")
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 400 and rows[63] == rows[1] and rows[64] == rows[0]  # chunk seams line up
    assert rows[1][:8] == (datetime(2026, 11, 2), "q1", 7, 4, 2, 1, 0.1667, 3)
    assert sheet["G3"].number_format == "0.00%" and sheet["J3"].number_format == "[h]:mm:ss.0"
    assert round(rows[1][9].total_seconds(), 1) == 13.4 and rows[1][8] is None
    chart = zipfile.ZipFile(io.BytesIO(content)).read("xl/charts/chart1.xml").decode()
    assert "'abandon-rate'!$G$2:$G$61" in chart and "'abandon-rate'!$A$2:$B$61" in chart
    filters = {row[0]: row[1] for row in book["Filters"].iter_rows(min_row=2, values_only=True)}
    assert filters["Rows"] == "400" and filters["Filter: queue"] == "q1"
    assert [row[0] for row in book["Definitions"].iter_rows(min_row=2, values_only=True)] == frame.columns


@pytest.mark.parametrize("large", [False, True])
def test_formula_text_is_inert_in_xlsx(monkeypatch: pytest.MonkeyPatch, large: bool) -> None:
    if large:
        monkeypatch.setattr(xlsx, "LARGE_ROWS", 1)
    content = rendered(leaderboard_frame(), "leaderboard", "xlsx")
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no cell holds a formula
    cell = openpyxl.load_workbook(io.BytesIO(content))["leaderboard"]["B2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (EVIL, "s", True)


def test_formula_text_is_inert_in_csv_and_pdf() -> None:
    csv_text = rendered(leaderboard_frame(), "leaderboard", "csv").decode()
    quoted = EVIL.replace('"', '""')
    assert csv_text.splitlines()[1].startswith(f'1,"\'{quoted}",2,')
    assert "\n1,'-2+3,2," in csv_text
    text = PdfReader(io.BytesIO(rendered(leaderboard_frame(), "leaderboard", "pdf"))).pages[0].extract_text()
    assert "'=HYPERLINK" in text and "'-2+3" in text
    assert "\n=HYPERLINK" not in text


def test_pdf_has_title_filters_tiles_table_and_numbered_pages_with_repeated_headers() -> None:
    reader = PdfReader(io.BytesIO(rendered(abandon_frame(300), "abandon-rate", "pdf")))
    first = reader.pages[0].extract_text()
    assert first.startswith("Abandon rate and service level")
    assert "America/New_York" in first and "Filter: queue" in first
    assert "Offered" not in first  # a frame rendered on its own has no warehouse behind it: no tiles
    assert len(reader.pages) >= 3
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {len(reader.pages)}" in text
    table_pages = [p.extract_text() for p in reader.pages if "q1 7 4 2 1 16.67% 3 13.4" in p.extract_text()]
    assert len(table_pages) >= 2 and all("short_abandoned" in t for t in table_pages)


# The tiles are the warehouse's totals over the report for the "metrics" account of
# tests/transforms/metric_cases.py, 2026-11-01 to 2026-11-02 (its exports written out there):
# abandon-rate rows q2 (offered 1, answered 1, abandoned 0) and q1 (7, 4, 2); user-status frank 90000.0 s on
# 2026-11-01 and 3600.0 s on 2026-11-02 logged in (26 h); dialer-compliance promo 24h/2026-11-02 false,
# 30d/2026-11-01 true, 30d/2026-11-02 false; call-status 9 rows of 1 + 2 + 3 + 1 + 1 + 1 + 5 + 1 + 1 = 16 calls.
TILE_CASES = [
    # abandon rate (2 − 1) / (8 − 1), service level 4 / (5 + 2 − 1), ASA (53.5 + 5) / 5; q1: 1/6, 3/5, 53.5/4
    (
        "abandon-rate",
        {},
        [
            ("Offered", "8"),
            ("Answered", "5"),
            ("Abandoned", "2"),
            ("Abandon rate", "14.29%"),
            ("Service level", "66.67%"),
            ("ASA", "11.7 s"),
        ],
    ),
    (
        "abandon-rate",
        {"queue": "q1"},
        [
            ("Offered", "7"),
            ("Answered", "4"),
            ("Abandoned", "2"),
            ("Abandon rate", "16.67%"),
            ("Service level", "60.00%"),
            ("ASA", "13.4 s"),
        ],
    ),
    ("user-status", {}, [("Agent-days", "2"), ("Logged in", "26:00:00")]),
    ("dialer-compliance", {}, [("Windows", "3"), ("Over 3 %", "2")]),
    ("call-status", {"direction": "outbound"}, [("Rows", "4"), ("Calls", "8")]),
    ("call-status", {}, [("Rows", "9"), ("Calls", "16")]),
]


@pytest.mark.parametrize(("report", "filters", "expected"), TILE_CASES)
def test_pdf_tiles_are_the_warehouse_totals_of_the_report(
    warehouse_built: dict[str, int], report: str, filters: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    start, end = date(2026, 11, 1), date(2026, 11, 2)
    context = export_context(report, "metrics", "America/New_York", start, end, filters,
                             account_id=warehouse_built["metrics"])  # fmt: skip
    assert [(t.label, t.value) for t in tiles(context)] == expected

    pdf = build_report(
        warehouse_built["metrics"], "metrics", "America/New_York", report, start, end, "pdf", filters
    )
    first = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    drawn = first[first.index(expected[0][0]) :]
    for label, value in expected:  # each tile draws its label, then its figure
        drawn = drawn[drawn.index(label) + len(label) :]
        drawn = drawn[drawn.index(value) + len(value) :]


def test_a_frame_rendered_without_an_account_has_no_tiles() -> None:
    assert tiles(context("abandon-rate")) == []

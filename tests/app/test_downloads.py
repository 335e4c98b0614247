"""A table's download is the export: the CSV equals `voxlink export`'s, the XLSX holds the same cells."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import polars as pl
import pytest

from app.display.downloads import csv_bytes, file_name, table_xlsx_bytes, xlsx_bytes
from app.queries import reports
from cli.main import main
from exports.report_specs import REPORTS
from tests.app.apptest import signed_in
from tests.app.conftest import Stack
from tests.app.fixture_events import NORTH_RANGE


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_csv_download_is_the_cli_export(
    app_env: Stack, report: str, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = NORTH_RANGE
    app = signed_in(
        "north-admin"
    )  # the default filters: north's 30 days ending 2025-03-12, no queue or agent
    frame = reports.report(app.session_state["scope"], report)  # what the page shows and downloads

    capsys.readouterr()
    assert main(["export", report, "--account", "north", "--start", start, "--end", end]) == 0
    assert csv_bytes(frame).decode("utf-8") == capsys.readouterr().out


def test_abandon_rate_download_holds_the_hand_computed_rows(app_env: Stack) -> None:
    app = signed_in("north-admin")

    text = csv_bytes(reports.report(app.session_state["scope"], "abandon-rate")).decode("utf-8")

    # Mon sales N1-N4: 4 offered, N1 N2 answered (waits 10, 30), N3 short (3 s) and N4 abandoned, N1 within SL:
    #   abandon rate (2 - 1) / (4 - 1), service level 1 / (2 + 2 - 1), ASA (10 + 30) / 2.
    # Tue support N5 N6 (human 5 s, AI 8 s): both within SL, ASA 6.5. Wed support N7 voicemail, N8 answered 4 s.
    assert text.splitlines() == [
        "date,queue,offered,answered,abandoned,short_abandoned,abandon_rate,answered_within_sl,service_level,"
        "asa_seconds",
        "2025-03-10,sales,4,2,2,1,0.3333,1,0.3333,20.0",
        "2025-03-11,support,2,2,0,0,0.0000,2,1.0000,6.5",
        "2025-03-12,support,2,1,0,0,0.0000,1,1.0000,4.0",
    ]


def test_xlsx_download_holds_the_same_cells_and_never_a_formula() -> None:
    frame = pl.DataFrame({"date": [date(2025, 3, 10)], "disposition": ['=HYPERLINK("x")'], "share": [0.25]})

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(frame))).active
    assert sheet is not None

    assert [c.value for c in sheet[1]] == ["date", "disposition", "share"]
    assert sheet["A2"].value.date() == date(2025, 3, 10)
    assert sheet["B2"].value == '=HYPERLINK("x")' and sheet["B2"].data_type == "s"  # text, not a formula
    assert sheet["C2"].value == 0.25 and sheet["C2"].number_format == "0.00%"


def test_a_page_table_downloads_with_its_filters_and_definitions_sheets() -> None:
    """Issue 14 item 10: the "By queue" workbook said nothing of what it was of."""
    frame = pl.DataFrame({"queue": ["sales", "support"], "offered": [4, 2], "abandon_rate": [0.5, 0.0]})
    context = [("Account", "North (north)"), ("Period", "2025-03-10 – 2025-03-12 (UTC)"), ("Queue", "all")]

    book = openpyxl.load_workbook(io.BytesIO(table_xlsx_bytes(frame, "by-queue", context)))
    assert book.sheetnames == ["by-queue", "Filters", "Definitions"]
    filters = {row[0]: row[1] for row in book["Filters"].iter_rows(values_only=True) if row[0]}
    assert filters["Account"] == "North (north)" and filters["Queue"] == "all" and filters["Rows"] == "2"
    definitions = " ".join(
        str(v) for row in book["Definitions"].iter_rows(values_only=True) for v in row if v
    )
    assert "abandon" in definitions.lower()


def test_file_names_say_what_whose_and_when() -> None:
    name = file_name("abandon-rate", "north", date(2025, 2, 11), date(2025, 3, 12), "support", "")

    assert name == "abandon-rate_north_2025-02-11_2025-03-12_support.csv"

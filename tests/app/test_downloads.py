"""A table's download is the export: the CSV equals `voxlink export`'s, the XLSX holds the same cells."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import polars as pl
import pytest

from app.downloads import csv_bytes, file_name, xlsx_bytes
from exports.reports import REPORTS, report_frame
from tests.app.conftest import Stack
from tests.app.fixture_events import NORTH_RANGE
from voxlink.cli import main


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_csv_download_is_the_cli_export(
    app_env: Stack, report: str, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = NORTH_RANGE
    frame = report_frame(
        report, app_env.accounts["north"], date.fromisoformat(start), date.fromisoformat(end)
    )

    capsys.readouterr()
    assert main(["export", report, "--account", "north", "--start", start, "--end", end]) == 0
    assert csv_bytes(frame).decode("utf-8") == capsys.readouterr().out


def test_xlsx_download_holds_the_same_cells_and_never_a_formula() -> None:
    frame = pl.DataFrame({"date": [date(2025, 3, 10)], "disposition": ['=HYPERLINK("x")'], "share": [0.25]})

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(frame))).active
    assert sheet is not None

    assert [c.value for c in sheet[1]] == ["date", "disposition", "share"]
    assert sheet["A2"].value.date() == date(2025, 3, 10)
    assert sheet["B2"].value == '=HYPERLINK("x")' and sheet["B2"].data_type == "s"  # text, not a formula
    assert sheet["C2"].value == 0.25 and sheet["C2"].number_format == "0.00%"


def test_file_names_say_what_whose_and_when() -> None:
    name = file_name("abandon-rate", "north", date(2025, 2, 11), date(2025, 3, 12), "support", "")

    assert name == "abandon-rate_north_2025-02-11_2025-03-12_support.csv"

"""The formula-injection guard (OWASP CSV injection): every way a cell, or a piece of one, can start a formula."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import openpyxl
import polars as pl
import pytest

from exports import xlsx
from exports.export import render
from exports.render import inert, write_csv
from tests.exports.test_renderers import context


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        (" =1+1", "' =1+1"),  # leading whitespace: LibreOffice and Excel still run it
        ("\n=1+1", "'\n=1+1"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\u3000=1+1", "'\u3000=1+1"),  # the ideographic space
        ("＝1+1", "'＝1+1"),  # full-width equals sign
        ("＋1", "'＋1"),
        ("\tcalc", "'\tcalc"),  # OWASP: a cell that starts with a tab or CR, formula or not
        ("\rcalc", "'\rcalc"),
        # a separator starts a new cell for a semicolon-locale (or tab, or comma) reader: that piece is guarded too
        ("x;=1+1", "'x;'=1+1"),
        ("x,=1+1", "'x,'=1+1"),
        ("x; =1+1", "'x;' =1+1"),
        ("x\t@cmd", "'x\t'@cmd"),
        ("x\n-1+1", "'x\n'-1+1"),
        ("a;=1;+2", "'a;'=1;'+2"),
    ],
)
def test_formula_start_gets_an_apostrophe(text: str, written: str) -> None:
    assert inert(text) == written


@pytest.mark.parametrize("text", ["alice", "a-b", "a;b", "a, b", "x = 1", "mail@example.com", "", "'quoted"])
def test_text_without_a_formula_start_is_unchanged(text: str) -> None:
    assert inert(text) == text


def test_csv_cells_are_guarded_and_negative_numbers_stay_numbers() -> None:
    frame = pl.DataFrame(
        {
            "agent": ["x;=1+1", " =1+1", "＝1+1", "\t=1"],
            "calls": [-3, 4, 5, 6],
            "ratio": [-0.5, 1.0, 2.0, 3.0],
            "seconds": [Decimal("-1.5"), Decimal("2.0"), Decimal("0.0"), Decimal("1.0")],
        },
        schema_overrides={"seconds": pl.Decimal(18, 1)},
    )
    handle = io.StringIO()
    write_csv(frame, handle)
    rows = list(csv.reader(io.StringIO(handle.getvalue())))
    assert rows[1] == ["'x;'=1+1", "-3", "-0.5", "-1.5"]
    assert rows[2][0] == "' =1+1" and rows[3][0] == "'＝1+1" and rows[4][0] == "'\t=1"
    # a semicolon-locale reader splits the raw line on ';': no piece starts a formula
    first_line = handle.getvalue().splitlines()[1]
    assert first_line == "'x;'=1+1,-3,-0.5,-1.5"
    assert [piece[:1] for piece in first_line.split(";")] == ["'", "'"]


@pytest.mark.parametrize("large", [False, True])
def test_xlsx_text_cells_with_any_formula_start_carry_the_quote_prefix(
    monkeypatch: pytest.MonkeyPatch, large: bool
) -> None:
    if large:
        monkeypatch.setattr(xlsx, "LARGE_ROWS", 1)
    frame = pl.DataFrame(
        {"rank": [1, 2, 3, 4], "agent": [" =1+1", "x;=1+1", "＝1", "alice"], "handled": [-1, 2, 3, 4]}
    )
    buffer = io.BytesIO()
    render(frame, context("leaderboard"), "xlsx", buffer)
    sheet_xml = zipfile.ZipFile(io.BytesIO(buffer.getvalue())).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no cell holds a formula
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["leaderboard"]
    assert [(sheet[f"B{r}"].value, sheet[f"B{r}"].quotePrefix) for r in (2, 3, 4)] == [
        (" =1+1", True),
        ("x;=1+1", True),
        ("＝1", True),
    ]
    assert sheet["C2"].value == -1 and sheet["C2"].data_type == "n"  # a negative count stays a number
    if not large:  # the large writer quotes every text cell
        assert sheet["B5"].quotePrefix is False

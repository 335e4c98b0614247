"""The CSV renderer and the formula-injection guard every format shares (XLSX and PDF: ``xlsx.py``, ``pdf.py``)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from typing import IO, Any

import polars as pl

# Text that a spreadsheet would run as a formula is prefixed with an apostrophe (OWASP's advice).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """``text`` as a spreadsheet will show it without running it: an apostrophe before a formula start."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def cell_text(value: Any) -> str:
    """The CSV text of one value: empty for missing, ISO dates, plain decimals, inert formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")  # the report's own scale: rates 4 places, seconds 1
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return inert(value)
    return str(value)


def write_csv(frame: pl.DataFrame, handle: IO[str]) -> None:
    """UTF-8 CSV with the contract header, one row per frame row."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(frame.columns)
    for row in frame.iter_rows():
        writer.writerow([cell_text(v) for v in row])

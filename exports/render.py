"""Renderers from a report frame to a file format (CSV here; XLSX and PDF join them)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from typing import IO, Any

import polars as pl

# Text that a spreadsheet would run as a formula is prefixed with an apostrophe (OWASP's advice).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    return str(value)


def write_csv(frame: pl.DataFrame, handle: IO[str]) -> None:
    """UTF-8 CSV with the contract header, one row per frame row."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(frame.columns)
    for row in frame.iter_rows():
        writer.writerow([cell_text(v) for v in row])

"""The CSV renderer and the formula-injection guard every format shares (XLSX and PDF: ``xlsx.py``, ``pdf.py``)."""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import Decimal
from typing import IO, Any

import polars as pl

# OWASP's CSV-injection advice: a cell a spreadsheet would run as a formula gets an apostrophe in front.
# A formula starts with one of these, full-width forms included (Excel takes ＝ for = when a cell is typed or
# imported in East Asian locales); whitespace before it does not stop LibreOffice or Excel (space, tab, CR,
# LF, the ideographic space), so it is looked through.
FORMULA_STARTS = "=+-@＝＋－＠"
# A separator starts a new cell for a reader whose delimiter differs from ours (``;`` in semicolon locales,
# tab-separated, a naive split on commas or lines): a formula right after one gets an apostrophe just after
# the separator, so every piece such a reader cuts the text into is inert, not only the first.
SEPARATORS = ",;\t\r\n"
_FORMULA = re.compile(rf"(^|[{re.escape(SEPARATORS)}])([\s\u200b\ufeff]*[{re.escape(FORMULA_STARTS)}])")
_CONTROL_START = ("\t", "\r")  # OWASP lists these on their own: some readers act on a cell that starts so


def inert(text: str) -> str:
    """``text`` as a spreadsheet shows it without running it: an apostrophe before every formula start.

    The cell gets one in front (OWASP) and so does each formula after a separator: ``=1+1`` → ``'=1+1``,
    `` =1`` → ``' =1``, ``x;=1+1`` → ``'x;'=1+1``. Text with no formula start is unchanged (``a-b``, ``a;b``).
    """
    guarded = _FORMULA.sub(r"\1'\2", text)
    if guarded == text and not text.startswith(_CONTROL_START):
        return text
    return guarded if guarded.startswith("'") else "'" + guarded


def needs_guard(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` (or a piece of it) as a formula."""
    return inert(text) != text


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

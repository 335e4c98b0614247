"""Download payloads for report frames, rendered by the exports' own renderers: a download is an export."""

from __future__ import annotations

import io
from datetime import date

import polars as pl

from exports.render import write_csv


def csv_bytes(report: pl.DataFrame) -> bytes:
    """Exactly what ``exports.render.write_csv`` writes for the frame, UTF-8 encoded."""
    handle = io.StringIO()
    write_csv(report, handle)
    return handle.getvalue().encode("utf-8")


def file_name(report: str, account_slug: str, start: date, end: date, *filters: str) -> str:
    """``call-status_acme_2025-03-01_2025-03-30_inbound.csv``: what, whose, when, then any other filters."""
    return "_".join([report, account_slug, start.isoformat(), end.isoformat(), *filters]) + ".csv"

"""Report spec → frame → renderer: the one path `voxlink export`, the app's downloads and e-mails all take."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

import polars as pl

from exports.presentation import TEXT_COLUMNS, ExportContext, column_kind
from exports.render import write_csv
from exports.report_reading import report_chunks, report_frame
from exports.report_specs import REPORTS, ReportError
from voxlink import warehouse

FORMATS = ("csv", "xlsx", "pdf")
# DuckDB threads while `voxlink export` reads an XLSX report: ~10 MB less at a million-row export's peak
EXPORT_THREADS = 1
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _csv(frame: pl.DataFrame, context: ExportContext, target: str | IO[bytes]) -> None:
    if isinstance(target, str):
        with open(target, "w", newline="", encoding="utf-8") as handle:
            write_csv(frame, handle)
        return
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    write_csv(frame, text)
    text.detach()  # leave the caller's binary stream open


def _xlsx(frame: pl.DataFrame, context: ExportContext, target: str | IO[bytes]) -> None:
    from exports.xlsx import write_xlsx  # imported when used: each renderer's library costs memory

    write_xlsx(frame, context, target)


def _pdf(frame: pl.DataFrame, context: ExportContext, target: str | IO[bytes]) -> None:
    from exports.pdf import write_pdf

    write_pdf(frame, context, target)


RENDERERS: dict[str, Callable[[pl.DataFrame, ExportContext, str | IO[bytes]], None]] = {
    "csv": _csv,
    "xlsx": _xlsx,
    "pdf": _pdf,
}


@dataclass(frozen=True)
class RenderedReport:
    file_name: str
    media_type: str
    content: bytes
    rows: int
    version: int | None = None  # the published warehouse version it was read from (None: none published)


def validate_filters(report: str, filters: dict[str, str] | None) -> dict[str, str]:
    """Filters are exact matches on the report's text columns (queue, campaign, agent, direction, …)."""
    spec = REPORTS.get(report)
    if spec is None:
        raise ReportError(f"unknown report {report!r}; choose one of: {', '.join(sorted(REPORTS))}")
    text_columns = [c for c in spec.columns if c in TEXT_COLUMNS]
    for column, value in (filters or {}).items():
        if column not in text_columns:
            raise ReportError(
                f"{report} cannot be filtered on {column!r}; it can be on: {', '.join(text_columns) or 'nothing'}"
            )
        if not isinstance(value, str):
            raise ReportError(f"filter {column!r} needs a text value")
    return dict(filters or {})


def filtered(frame: pl.DataFrame, filters: dict[str, str]) -> pl.DataFrame:
    for column, value in filters.items():
        if column_kind(frame, column) == "text":
            frame = frame.filter(pl.col(column) == value)
    return frame


def export_context(
    report: str, account: str, timezone: str, start: date, end: date,
    filters: dict[str, str] | None = None, now: datetime | None = None, account_id: int | None = None,
) -> ExportContext:  # fmt: skip
    """What the export is of; with ``account_id`` a PDF's tiles are read from the warehouse for that account."""
    try:
        info = warehouse.publish_info()
        as_of, version = info.published_at, info.version
    except warehouse.WarehouseMissing:
        as_of, version = None, None
    return ExportContext(report, account, timezone, start, end, now or datetime.now(UTC), as_of, version,
                         dict(filters or {}), account_id)  # fmt: skip


def file_name(context: ExportContext, fmt: str) -> str:
    """``abandon-rate_acme_2026-11-01_2026-11-30.xlsx``: what, whose, when."""
    return f"{context.report}_{context.account}_{context.start.isoformat()}_{context.end.isoformat()}.{fmt}"


def render(frame: pl.DataFrame, context: ExportContext, fmt: str, target: str | Path | IO[bytes]) -> None:
    if fmt not in RENDERERS:
        raise ReportError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    RENDERERS[fmt](frame, context, str(target) if isinstance(target, Path) else target)


def build_report(
    account_id: int, account: str, timezone: str, report: str, start: date, end: date, fmt: str,
    filters: dict[str, str] | None = None, now: datetime | None = None,
) -> RenderedReport:  # fmt: skip
    """Query, filter and render one report in memory (e-mail attachments, downloads)."""
    wanted = validate_filters(report, filters)
    frame = filtered(report_frame(report, account_id, start, end), wanted)
    context = export_context(report, account, timezone, start, end, wanted, now, account_id)
    buffer = io.BytesIO()
    render(frame, context, fmt, buffer)
    return RenderedReport(
        file_name(context, fmt), MEDIA_TYPES[fmt], buffer.getvalue(), frame.height, context.warehouse_version
    )


def export_file(
    account_id: int, account: str, timezone: str, report: str, start: date, end: date, fmt: str,
    target: str | IO[bytes],
) -> int:  # fmt: skip
    """`voxlink export` into a file or binary stream; return the rows written.

    A large XLSX never holds the whole report: it is read a month of local dates at a time and streamed
    into the workbook, so a million-row export stays within a couple of hundred megabytes.
    """
    context = export_context(report, account, timezone, start, end, account_id=account_id)
    if fmt != "xlsx":
        frame = report_frame(report, account_id, start, end)
        render(frame, context, fmt, target)
        return frame.height
    from exports.xlsx import LARGE_ROWS

    # one DuckDB thread: a month's query is small, and `voxlink export` runs nothing else on the warehouse
    chunks, held, rows = report_chunks(report, account_id, start, end, threads=EXPORT_THREADS), [], 0
    for chunk in chunks:
        held.append(chunk)
        rows += chunk.height
        if rows > LARGE_ROWS:  # large: stream what was read and the rest into the Rust writer
            from exports.xlsx_large import write_streaming_xlsx

            del chunk  # the writer drops each chunk once written: keep no reference to any here
            return write_streaming_xlsx(_handed_over(held, chunks), context, target)
    frame = pl.concat(held)
    render(frame, context, fmt, target)
    return frame.height


def _handed_over(held: list[pl.DataFrame], rest: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """The chunks read so far, each taken out of ``held`` as it is handed on, then the rest."""
    while held:
        yield held.pop(0)
    yield from rest

"""What ``GET /api/v1/reports/{report}`` reads: a report's rows through the export layer, filtered and paged.

The eight contract reports are read as :func:`exports.report_reading.report_frame` reads them (``spec_frame``) and filtered by
:func:`exports.export.filtered` — the very functions ``voxlink export`` and the e-mails use — so the API's CSV
is the export's CSV. ``user-performance`` (``user_performance.py``) is read the same way through its own spec.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
import polars as pl

from exports.api.user_performance import NAME as USER_PERFORMANCE_NAME
from exports.api.user_performance import USER_PERFORMANCE
from exports.export import filtered, validate_filters
from exports.presentation import column_kind
from exports.report_reading import spec_frame
from exports.report_specs import REPORTS, ReportError, ReportSpec
from voxlink import catalogue, warehouse

API_REPORTS: dict[str, ReportSpec] = {**REPORTS, USER_PERFORMANCE_NAME: USER_PERFORMANCE}
FILTERS = ("queue", "campaign", "agent")  # the query parameters that filter rows (exact match)
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
_JSON_TYPES = {"date": "date", "text": "string", "count": "integer", "rate": "number", "seconds": "number"}


class UnknownReport(ReportError):
    """A report name the API does not serve."""


class BadParameter(ReportError):
    """A query parameter that cannot be answered; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Page:
    spec: ReportSpec
    frame: pl.DataFrame
    next_cursor: str | None


def spec_of(report: str) -> ReportSpec:
    spec = API_REPORTS.get(report)
    if spec is None:
        raise UnknownReport(f"unknown report {report!r}; choose one of: {', '.join(sorted(API_REPORTS))}")
    return spec


def checked_filters(report: str, filters: dict[str, str]) -> dict[str, str]:
    """The filters, or :class:`BadParameter` naming one the report has no column for."""
    spec = spec_of(report)
    for column in filters:
        if column not in spec.columns:
            filterable = ", ".join(c for c in FILTERS if c in spec.columns) or "nothing"
            raise BadParameter(
                column, f"{report} cannot be filtered on {column!r}; it can be on: {filterable}"
            )
    return validate_filters(report, filters) if report in REPORTS else dict(filters)


def report_rows(
    report: str, account_id: int, start: date, end: date, filters: dict[str, str]
) -> pl.DataFrame:
    """All of the report's rows for the account, range and filters, in contract order."""
    spec = spec_of(report)
    if end < start:
        raise BadParameter("end", f"end ({end}) is before start ({start})")
    wanted = checked_filters(report, filters)
    return filtered(spec_frame(spec, account_id, start, end), wanted)


def page_of(
    report: str, account_id: int, start: date, end: date, filters: dict[str, str],
    limit: int | None, cursor: str | None,
) -> Page:  # fmt: skip
    """One page of rows from the cursor's offset; ``limit`` None is every remaining row.

    A cursor is bound to the request (report, range, filters) and the publish version it was read from: a
    cursor from another request or from before a publish is refused rather than skipping or repeating rows.
    """
    frame = report_rows(report, account_id, start, end, filters)
    version = warehouse.file_version()
    request = _request_digest(report, start, end, filters)
    offset = _offset(cursor, request, version) if cursor else 0
    stop = frame.height if limit is None else offset + limit
    page = frame.slice(offset, stop - offset)
    more = stop < frame.height
    return Page(spec_of(report), page, _cursor(stop, request, version) if more else None)


def columns(spec: ReportSpec, frame: pl.DataFrame) -> list[dict[str, str]]:
    """Each column's name, JSON type and catalogue description."""
    return [
        {
            "name": name,
            "type": _JSON_TYPES[column_kind(frame, name)],
            "description": catalogue.BY_REPORT.get((spec.name, name), catalogue.TEXTS.get(name, "")),
        }
        for name in spec.columns
    ]


def json_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON objects: dates ISO text, decimals as numbers with the report's own scale, empty as null."""
    names = frame.columns
    return [
        {name: _json_value(value) for name, value in zip(names, row, strict=True)}
        for row in frame.iter_rows()
    ]


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return float(value)  # Decimal: 4 or 1 places, which a float prints exactly


def _request_digest(report: str, start: date, end: date, filters: dict[str, str]) -> str:
    key = orjson.dumps([report, start.isoformat(), end.isoformat(), sorted(filters.items())])
    return hashlib.sha256(key).hexdigest()[:16]


def _cursor(offset: int, request: str, version: str) -> str:
    raw = orjson.dumps({"o": offset, "r": request, "v": version})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(cursor: str, request: str, version: str) -> int:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset, cursor_request, cursor_version = int(data["o"]), str(data["r"]), str(data["v"])
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise BadParameter("cursor", "the cursor is not one this API gave out") from None
    if cursor_request != request or offset < 0:
        raise BadParameter("cursor", "the cursor belongs to another request (report, range or filters)")
    if cursor_version != version:
        raise BadParameter(
            "cursor", "the warehouse was republished since this cursor: start again without it"
        )
    return offset

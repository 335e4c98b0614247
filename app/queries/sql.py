"""SQL fragments the app's queries share: optional filters, and the exports' own rounding of ratios.

Ratios are taken from summed parts with ``exports.reports``' helpers, so a tile rounds exactly as the export
of the same report does (half away from zero, rates to 4 places, seconds to 1).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from exports.reports import average_seconds, rate, seconds, seconds_rate

__all__ = ["average_seconds", "optional", "range_params", "rate", "seconds", "seconds_rate", "IN_RANGE"]

IN_RANGE = "account_id = $account_id and date between $start and $end"


def optional(column: str, param: str) -> str:
    """``column = $param``, or no restriction when the parameter is NULL (the filter's "all")."""
    return f"(cast(${param} as varchar) is null or {column} = ${param})"


def range_params(start: date, end: date, **filters: Any) -> dict[str, Any]:
    return {"start": start, "end": end, **filters}

"""SQL fragments the app's queries share: the range and optional filters.

Ratios and rounding are not here: queries call the warehouse's metric functions (``abandon_rate(...)``,
``round_seconds(...)``, defined once in ``transforms/macros/metric_functions.sql``), as the exports do.
"""

from __future__ import annotations

from datetime import date
from typing import Any

__all__ = ["optional", "range_params", "IN_RANGE"]

IN_RANGE = "account_id = $account_id and date between $start and $end"


def optional(column: str, param: str) -> str:
    """``column = $param``, or no restriction when the parameter is NULL (the filter's "all")."""
    return f"(cast(${param} as varchar) is null or {column} = ${param})"


def range_params(start: date, end: date, **filters: Any) -> dict[str, Any]:
    return {"start": start, "end": end, **filters}

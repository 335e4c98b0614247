"""Inbound calls per weekday and local 15-minute interval: the heatmap and the staffing what-if's inputs."""

from __future__ import annotations

from datetime import date

import polars as pl

from app.queries import totals
from app.scope import Scope

INTERVAL_SECONDS = 15 * 60


def days_in_range(start: date, end: date, weekday: int) -> int:
    """How many local days of ISO ``weekday`` (1 Monday … 7 Sunday) the inclusive range holds."""
    total = (end - start).days + 1
    first = (weekday - start.isoweekday()) % 7
    return 0 if first >= total else (total - first - 1) // 7 + 1


def by_weekday_and_interval(scope: Scope) -> pl.DataFrame:
    """Offered, answered, abandoned … and the catalogue ratios per (weekday, interval_minute) with calls.

    ``offered_per_day`` is the interval's offered calls divided by how many of that weekday the range holds:
    the expected load of one such interval, which the staffing what-if plans for.
    """
    frame = totals.by(scope, totals.INTERVALS, "weekday", "interval_minute")
    divisors = {day: days_in_range(scope.start, scope.end, day) for day in range(1, 8)}
    return frame.with_columns(
        (pl.col("offered") / pl.col("weekday").replace_strict(divisors, return_dtype=pl.Int64)).alias(
            "offered_per_day"
        )
    )

"""Inbound calls per weekday and local 15-minute interval: the heatmap and the staffing what-if's inputs."""

from __future__ import annotations

import polars as pl

from app.filters.scope import Scope
from app.queries import totals

INTERVAL_SECONDS = 15 * 60

# How many local days of each ISO weekday (1 Monday … 7 Sunday) the range holds, and each interval's offered
# calls over that many days (the warehouse's per_day function): the expected load of one such interval.
_SQL = f"""
    with parts as ({totals.build_sql(totals.INTERVALS, ("weekday", "interval_minute"))}),
    weekdays as (
        select isodow(day) as weekday, count(*) as days
        from generate_series(cast($start as timestamp), cast($end as timestamp), interval 1 day) as t(day)
        group by isodow(day)
    )
    select parts.*, per_day(parts.offered, weekdays.days) as offered_per_day
    from parts
    inner join weekdays on parts.weekday = weekdays.weekday
    order by parts.weekday, parts.interval_minute
"""


def by_weekday_and_interval(scope: Scope) -> pl.DataFrame:
    """Offered, answered, abandoned … and the catalogue ratios per (weekday, interval_minute) with calls.

    ``offered_per_day`` is the interval's offered calls over how many of that weekday the range holds:
    the expected load of one such interval, which the staffing what-if plans for.
    """
    return totals.over_parts(scope, totals.INTERVALS, _SQL)

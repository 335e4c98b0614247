"""Like-with-like comparisons for change badges: the previous period cut at the same elapsed point, and
whether it holds enough data to compare with at all.

A range that ends today is only partly over: its figures run to now. The period it is compared with is the same
number of days just before it, cut on its last day at the same local time of day (to the warehouse's 15-minute
intervals), so a partial "Today" meets yesterday up to the same time, not all of yesterday. Families kept only
per day cannot be cut within a day: while today is under way they are not compared.

A previous period with too little data (fewer than ``MIN_VOLUME`` of the family's volume, e.g. 30 calls, or data
on fewer than half as many days as the current period) gives no badge but a notice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import streamlit as st

from app.filters.scope import Scope
from app.queries import CACHE_TTL, totals
from app.signin.access import REPORT_ROLES, NotPermitted, require_role
from voxlink import warehouse

NOT_ENOUGH = "not enough data to compare"
INTERVAL_MINUTES = 15
# Each family's volume and the least of it the previous period must hold to be compared with.
VOLUME: dict[str, tuple[str, int]] = {
    totals.INBOUND.table: ("offered", 30),
    totals.AGENTS.table: ("handled", 30),
    totals.OUTBOUND.table: ("attempts", 30),
    totals.MESSAGES.table: ("messages", 30),
    totals.STATUS.table: ("logged_in_seconds", 3600),  # an hour of agents' time
}


@dataclass(frozen=True)
class Period:
    """Inclusive local days; ``until_minute``: on ``end`` only the 15-minute intervals starting before this
    minute of the local day count (None: the whole of ``end``)."""

    start: date
    end: date
    until_minute: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def elapsed(start: date, end: date, now: datetime) -> Period:
    """The part of ``start``–``end`` that has happened by ``now`` (local): days after today are not yet, and
    today runs to the end of the 15-minute interval ``now`` falls in."""
    today = now.date()
    if end < today or start > today:  # over, or not begun: nothing to cut
        return Period(start, end)
    minute = now.hour * 60 + now.minute
    return Period(start, min(end, today), minute - minute % INTERVAL_MINUTES + INTERVAL_MINUTES)


def previous_like(current: Period) -> Period:
    """The same number of days just before ``current``, cut at the same local time on its last day."""
    before_end = current.start - timedelta(days=1)
    return Period(before_end - timedelta(days=current.days - 1), before_end, current.until_minute)


def comparable(before_volume: float | None, before_days: int, now_days: int, min_volume: float) -> bool:
    """Whether the previous period holds enough to compare with: ``min_volume`` and data on at least half as
    many days as the current period has data."""
    return before_volume is not None and before_volume >= min_volume and 2 * before_days >= now_days


# The inbound parts per 15-minute interval, cut at ``$until_minute`` on the range's last day.
_CUT_INBOUND = replace(
    totals.INBOUND,
    table="(select * from rpt_abandon_rate_interval where date < $end or interval_minute < $until_minute)",
)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _run(sql: str, account_id: int, params: tuple[tuple[str, Any], ...], version: str) -> pl.DataFrame:
    return warehouse.query(sql, account_id, dict(params))


def inbound_totals(scope: Scope, period: Period) -> dict[str, Any]:
    """The inbound family's parts and ratios over ``period`` (cut at its ``until_minute``)."""
    if period.until_minute is None:
        return totals.totals(scope.with_range(period.start, period.end), totals.INBOUND)
    if scope.viewer.is_agent:
        raise NotPermitted("queue figures are not available to the agent role")
    require_role(scope.viewer, REPORT_ROLES, _CUT_INBOUND.table)
    params = (("start", period.start), ("end", period.end), ("until_minute", period.until_minute),
              ("queue", scope.filters.queue))  # fmt: skip
    sql = totals.build_sql(_CUT_INBOUND, ())
    return _run(sql, scope.viewer.account_id, params, scope.version).row(0, named=True)


def days_with_data(scope: Scope, family: totals.Family, period: Period) -> int:
    """How many local days of ``period`` hold any of ``family``'s volume (whole days)."""
    volume, _ = VOLUME[family.table]
    daily = totals.by(scope.with_range(period.start, period.end), family, "date")
    return daily.filter(pl.col(volume) > 0).height

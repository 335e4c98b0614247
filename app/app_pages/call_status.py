"""Call status: calls by local day, direction and status; each status opens its calls."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app.components import charts
from app.display import drilldown
from app.display import formatting as fmt
from app.display.layout import Tile, filters_note, plot, table, tiles
from app.filters import url_state
from app.filters.scope import PageRead, current_scope
from app.queries import totals
from app.queries.reports import applied_filters, report

REPORT = "call-status"
DIRECTIONS = ("all", "inbound", "outbound")

# What the page reads with its widgets at their defaults (app.shell.prefetch runs them ahead of a visit).
READS: tuple[PageRead, ...] = (
    lambda s: report(s, REPORT),
    lambda s: totals.by(s, totals.CALL_STATUS),
    lambda s: totals.by(s, totals.CALL_STATUS, "status"),
    lambda s: totals.by(s, totals.CALL_STATUS, "date", "status"),
)

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    st.title("Call status")
    filters_note(scope, applied_filters(REPORT))

    url_state.seed("direction", "direction", url_state.choice(DIRECTIONS), default="all")
    direction: str = st.segmented_control(  # type: ignore[assignment]  # required=True: never None
        "Direction", DIRECTIONS, required=True, format_func=str.capitalize, key="direction"
    )
    url_state.publish("direction", None if direction == "all" else direction)
    rows = report(scope, REPORT)
    if direction != "all":
        rows = rows.filter(pl.col("direction") == direction)

    only = None if direction == "all" else direction

    def counts(*keys: str) -> pl.DataFrame:
        """The warehouse's call counts per ``keys`` for the chosen direction (no keys: one row, the total)."""
        if only is None:
            return totals.by(scope, totals.CALL_STATUS, *keys)
        grouped = totals.by(scope, totals.CALL_STATUS, "direction", *keys)
        return grouped.filter(pl.col("direction") == only).drop("direction")

    by_status = dict(counts("status").iter_rows())
    all_calls = int(next(iter(counts().get_column("calls").to_list()), 0))  # no row: no call that way

    def status_tile(label: str, status: str | None) -> Tile:
        calls = all_calls if status is None else int(by_status.get(status, 0))
        query = drilldown.params(scope, direction=only, status=status)
        metric = "calls_total" if status is None else f"status_{status}"  # each tile its own sentence
        return Tile(
            label, fmt.count(calls), metric=metric, drill_label=fmt.counted(calls, "call"), drill=query
        )

    tiles([
        status_tile("Total calls", None),
        status_tile("Completed", "completed"),
        status_tile("Abandoned", "abandoned"),
        status_tile("In progress", "in_progress"),
    ])  # fmt: skip

    if rows.is_empty():
        st.info("No calls in this date range.")
    else:
        plot(charts.calls_by_day_and_status(counts("date", "status")))

    def open_row(row: dict) -> None:
        day = row["date"]
        query = drilldown.params(scope, start=day, end=day, direction=row["direction"], status=row["status"])
        drilldown.link(f"Open the {row['calls']:,} {row['direction']} {row['status']} calls of {day}", query)

    table(rows, REPORT, scope, direction, key="call_status_table", on_row=open_row)

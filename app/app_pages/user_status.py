"""User status: a day's status timeline per agent, and time per status with occupancy over the range."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from app.components import charts
from app.components.timeline import status_timeline
from app.display.layout import filters_note, plot, table
from app.display.metric_help import help_for
from app.filters import url_state
from app.filters.scope import PageRead, Scope, current_scope
from app.queries import agent_status, totals
from app.queries.reports import applied_filters, report

REPORT = "user-status"
STATUSES = ("available_seconds", "busy_seconds", "after_call_work_seconds", "break_seconds")


def _default_day_and_sums(scope: Scope) -> None:
    """The timeline of the page's default day (the latest with logged-in time), the sums and the report."""
    days = totals.by(scope, totals.STATUS, "date").filter(pl.col("logged_in_seconds") > 0)["date"]
    agent_status.timeline(scope, days.max() if len(days) else scope.end)  # type: ignore[arg-type]
    totals.by(scope, totals.STATUS, "agent")
    report(scope, REPORT)


# What the page reads with its widgets at their defaults (app.shell.prefetch runs them ahead of a visit).
READS: tuple[PageRead, ...] = (_default_day_and_sums,)

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    st.title("User status")
    filters_note(scope, applied_filters(REPORT))
    st.caption("Occupancy: " + help_for("occupancy") + " Logged-in time: " + help_for("logged_in_seconds"))

    def in_range(text: str) -> date | None:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        return day if scope.start <= day <= scope.end else None

    days = totals.by(scope, totals.STATUS, "date").filter(pl.col("logged_in_seconds") > 0)["date"]
    url_state.seed("day", "status_day", in_range, default=days.max() if len(days) else scope.end)
    if not scope.start <= st.session_state["status_day"] <= scope.end:
        st.session_state["status_day"] = scope.end
    day = st.date_input(
        "Timeline of", min_value=scope.start, max_value=scope.end, format="YYYY-MM-DD", key="status_day"
    )
    url_state.publish("day", day.isoformat())
    intervals = agent_status.timeline(scope, day)
    if intervals.is_empty():
        st.info(f"No agent status on {day}.")
    else:
        plot(status_timeline(intervals))

    st.subheader("Time per status")
    by_agent = totals.by(scope, totals.STATUS, "agent").filter(pl.col("logged_in_seconds") > 0)
    if not by_agent.is_empty():
        hours = by_agent.unpivot(
            index="agent", on=list(STATUSES), variable_name="status", value_name="seconds"
        ).with_columns(
            (pl.col("seconds").cast(pl.Float64) / 3600).alias("hours"),
            pl.col("status").str.replace("_seconds", ""),
        )
        plot(charts.stacked_bars(hours, "agent", "status", "hours", "Hours", charts.AGENT_STATUS_COLOURS))
    table(by_agent, "user-status-by-agent", scope, key="status_by_agent")

    st.subheader("By day and agent")
    table(report(scope, REPORT), REPORT, scope, scope.agent or "", key="status_table")

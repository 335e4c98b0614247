"""Dispositions: how calls were wrapped up, per day and over the range, with each code's share."""

from __future__ import annotations

import streamlit as st

from app.components import charts
from app.display import drilldown
from app.display.layout import filters_note, plot, table
from app.display.metric_help import help_for
from app.filters.scope import PageRead, current_scope
from app.queries import totals
from app.queries.reports import applied_filters, report

REPORT = "dispositions"

# What the page reads with its widgets at their defaults (app.shell.prefetch runs them ahead of a visit).
READS: tuple[PageRead, ...] = (
    lambda s: report(s, REPORT),
    lambda s: totals.by(s, totals.DISPOSITIONS, "disposition"),
)

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    st.title("Dispositions")
    filters_note(scope, applied_filters(REPORT))
    st.caption("Share: " + help_for("disposition_share"))

    rows = report(scope, REPORT)
    if rows.is_empty():
        st.info("No dispositioned calls in this date range.")
        st.stop()

    plot(charts.stacked_bars(rows, "date", "disposition", "calls", "Calls with a disposition"))

    def open_code(row: dict) -> None:
        start, end = (row["date"], row["date"]) if "date" in row else (None, None)
        drilldown.link(f"The {row['calls']:,} calls dispositioned {row['disposition']}",
                       drilldown.params(scope, start=start, end=end, disposition=row["disposition"]))  # fmt: skip

    st.subheader("Over the range")
    table(
        totals.by(scope, totals.DISPOSITIONS, "disposition"),
        "dispositions-total",
        scope,
        key="disp_total",
        on_row=open_code,
    )
    st.subheader("By day")
    table(rows, REPORT, scope, key="disp_table", on_row=open_code)

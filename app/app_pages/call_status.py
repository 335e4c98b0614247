"""Call status: calls by local day, direction and status for the chosen account and dates."""

from __future__ import annotations

import streamlit as st

from app import downloads
from app.components import charts
from app.queries import call_status
from app.scope import current_scope

DIRECTIONS = ("all", "inbound", "outbound")

scope = current_scope()
st.title("Call status")

direction = st.segmented_control(
    "Direction", DIRECTIONS, default="all", required=True, format_func=str.capitalize, key="direction"
)
report = call_status.call_status_report(
    scope.account.account_id, scope.start, scope.end, direction, scope.version
)

totals = call_status.totals(report)
total_tile, completed_tile, abandoned_tile, in_progress_tile = st.columns(4)
total_tile.metric("Total calls", f"{totals.total:,}", border=True)
completed_tile.metric("Completed", f"{totals.completed:,}", border=True)
abandoned_tile.metric("Abandoned", f"{totals.abandoned:,}", border=True)
in_progress_tile.metric("In progress", f"{totals.in_progress:,}", border=True)

if report.is_empty():
    st.info("No calls in this date range.")
else:
    st.plotly_chart(
        charts.calls_by_day_and_status(call_status.daily_by_status(report)), config={"displaylogo": False}
    )

st.dataframe(
    report,
    hide_index=True,
    column_config={"date": st.column_config.DateColumn("date", format="YYYY-MM-DD")},
)
st.download_button(
    "Download CSV",
    data=downloads.csv_bytes(report),
    file_name=downloads.file_name(call_status.REPORT, scope.account.slug, scope.start, scope.end, direction),
    mime="text/csv",
    on_click="ignore",
)

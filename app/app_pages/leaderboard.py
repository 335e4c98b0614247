"""Leaderboard: agents ranked by the chosen metric over the period, ties sharing a rank (1, 1, 3)."""

from __future__ import annotations

import streamlit as st

from app.components import charts
from app.display import drilldown
from app.display.layout import filters_note, plot, table
from app.display.metric_help import help_for
from app.filters import url_state
from app.filters.scope import PageRead, current_scope
from app.queries import leaderboard
from app.queries.reports import applied_filters

REPORT = "leaderboard"
# metric → label (the order each ranks in is app/queries/leaderboard.py's)
METRICS = {
    "handled": "Handled calls",
    "conversions": "Conversions",
    "conversion_rate": "Conversion rate",
    "talk_seconds": "Talk time (s)",
    "aht_seconds": "AHT (s)",
}

# What the page reads with its widgets at their defaults (app.shell.prefetch runs them ahead of a visit).
READS: tuple[PageRead, ...] = (lambda s: leaderboard.ranked(s, "handled"),)

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    st.title("Leaderboard")
    filters_note(scope, applied_filters(REPORT))
    st.caption(help_for("leaderboard_rank") + " Agents with at least one handled call in the period.")

    url_state.seed("metric", "leaderboard_metric", url_state.choice(list(METRICS)), default="handled")
    metric: str = st.segmented_control(  # type: ignore[assignment]  # required=True: never None
        "Rank by", list(METRICS), required=True, format_func=lambda m: METRICS[m], key="leaderboard_metric"
    )
    url_state.publish("metric", None if metric == "handled" else metric)
    label = METRICS[metric]

    rows = leaderboard.ranked(
        scope, metric
    )  # the export's rows, ranked in the warehouse by the chosen metric
    if rows.is_empty():
        st.info("No handled calls in this period.")
        st.stop()

    st.caption(f"{label}: {help_for(metric)}")
    plot(charts.ranked_bars(rows, "agent", metric, label))

    def open_agent(row: dict) -> None:
        for measure in ("handled", "conversions"):
            drilldown.link(f"{row[measure]:,} {measure} calls of {row['agent']}",
                           drilldown.params(scope, measure=measure, agent=row["agent"]))  # fmt: skip

    table(rows, REPORT, scope, metric, key="leaderboard_table", on_row=open_agent)

"""Dialer compliance: each campaign's drop rate over 30 days (US FTC) and 24 hours (UK Ofcom) against 3 %."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import polars as pl
import streamlit as st

from app.components import charts
from app.display import drilldown
from app.display import formatting as fmt
from app.display.layout import filters_note, plot, table
from app.display.metric_help import help_for
from app.filters.scope import PageRead, current_scope
from app.queries.reports import applied_filters, report

REPORT = "dialer-compliance"
LIMIT = 0.03
AMBER_FROM = 0.025  # within half a point of the limit: watch it
LIGHTS: dict[str, tuple[str, Literal["red", "orange", "green"]]] = {
    "red": ("Over 3 %", "red"),
    "amber": ("Near 3 %", "orange"),
    "green": ("Within 3 %", "green"),
}

# What the page reads with its widgets at their defaults (app.shell.prefetch runs them ahead of a visit).
READS: tuple[PageRead, ...] = (lambda s: report(s, REPORT),)

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    st.title("Dialer compliance")
    filters_note(scope, applied_filters(REPORT))
    st.caption("A drop (abandoned outbound call): " + help_for("drops") + " Drop rate = " + help_for("drop_rate")
               + " Amber: from 2.5 %.")  # fmt: skip

    rows = report(scope, REPORT)
    if rows.is_empty():
        st.info("No campaign calls answered by a person in this range (or the 30 days before it).")
        st.stop()

    def window_start(row: dict) -> date:
        """The first local day a window's figures count: the day itself (24h) or 29 days before it (30d)."""
        return row["window_end"] - timedelta(days=0 if row["window"] == "24h" else 29)

    def light(row: dict) -> str:
        if row["compliant"] != "true":
            return "red"
        return "amber" if row["drop_rate"] is not None and float(row["drop_rate"]) >= AMBER_FROM else "green"

    # each campaign's newest row per window: the 24h one is the last day with calls answered by a person
    latest = rows.filter(pl.col("window_end") == pl.col("window_end").max().over("campaign", "window"))
    for campaign in sorted(set(latest["campaign"].to_list())):
        cards = st.columns(3)
        cards[0].markdown(f"**{campaign}**")
        for card, window, title in (
            (cards[1], "30d", "Rolling 30 days (FTC)"),
            (cards[2], "24h", "Last day with calls (Ofcom)"),
        ):
            found = latest.filter((pl.col("campaign") == campaign) & (pl.col("window") == window))
            if found.is_empty():
                card.metric(title, "–", help="No calls answered by a person in this window.")
                continue
            row = found.row(0, named=True)
            card.metric(title, fmt.percent(row["drop_rate"], 2),
                        help=f"{row['drops']:,} drops / {row['human_answered']:,} answered by a person. "
                             f"A drop: {help_for('drops')}")  # fmt: skip
            text, colour = LIGHTS[light(row)]
            card.badge(f"{text} · to {row['window_end']}", color=colour)
            start = window_start(row)
            card.page_link(drilldown.CALL_REPORT, label=f"{fmt.counted(row['drops'], 'dropped call')} →",
                           query_params=drilldown.params(scope, start=start, end=row["window_end"], measure="drops",
                                                         campaign=campaign))  # fmt: skip

    thirty = (
        rows.filter(pl.col("window") == "30d")
        .pivot(on="campaign", index="window_end", values="drop_rate")
        .sort("window_end")
    )
    plot(charts.lines(thirty, "window_end", {c: c for c in thirty.columns if c != "window_end"},
                      "Rolling 30-day drop rate", percent=True, limit=LIMIT))  # fmt: skip

    def open_row(row: dict) -> None:
        query = drilldown.params(
            scope, start=window_start(row), end=row["window_end"], measure="drops", campaign=row["campaign"]
        )
        drilldown.link(
            f"{row['drops']:,} dropped calls of {row['campaign']} ({row['window']} to {row['window_end']})",
            query,
        )

    table(rows, REPORT, scope, scope.filters.campaign or "", key="dialer_table",
        column_config={"window_end": st.column_config.DateColumn("window_end", format="YYYY-MM-DD")}, on_row=open_row)  # fmt: skip

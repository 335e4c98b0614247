"""Abandon rate & service level: by day and queue, a weekday × 15-minute heatmap, and an Erlang C what-if."""

from __future__ import annotations

import streamlit as st

from app.components import charts, heatmap
from app.display import drilldown
from app.display import formatting as fmt
from app.display.layout import Tile, filters_note, plot, table, tiles
from app.filters.scope import PageRead, current_scope
from app.queries import call_report, intervals, totals
from app.queries.call_report import CallQuery
from app.queries.reports import applied_filters, report
from app.staffing import what_if_view

REPORT = "abandon-rate"
HEATMAP_METRICS = {
    "offered_per_day": ("Offered calls per day", False),
    "abandon_rate": ("Abandon rate", True),
    "service_level": ("Service level", True),
    "asa_seconds": ("ASA (s)", False),
}

# What the page reads with its widgets at their defaults (app.shell.prefetch runs them ahead of a visit).
READS: tuple[PageRead, ...] = (
    lambda s: totals.by(s, totals.INBOUND, "queue"),
    lambda s: report(s, REPORT),
    intervals.by_weekday_and_interval,
    lambda s: call_report.count_calls(s, CallQuery(measure="counted_abandoned")),
    lambda s: call_report.count_calls(s, CallQuery(measure="missed_sl")),
)

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    st.title("Abandon rate & service level")
    filters_note(scope, applied_filters(REPORT))
    st.caption(
        f"Short abandons: wait under {float(scope.account.short_abandon_seconds):g} s · "
        f"service level threshold: {float(scope.account.service_level_seconds):g} s (the account's settings)"
    )

    now = totals.totals(scope, totals.INBOUND)
    # the calls behind the two rates' drill-downs, counted by the warehouse on the very flags the drill-downs list
    counted = call_report.count_calls(scope, CallQuery(measure="counted_abandoned"))
    missed = call_report.count_calls(scope, CallQuery(measure="missed_sl"))
    tiles([
        Tile("Offered", fmt.count(now["offered"]), "offered",
             drill=drilldown.params(scope, measure="offered"), drill_label=fmt.counted(now['offered'], "call")),
        Tile("Abandoned", fmt.count(now["abandoned"]), "abandoned",
             drill=drilldown.params(scope, measure="abandoned"), drill_label=fmt.counted(now['abandoned'], "call")),
        Tile("Short abandoned", fmt.count(now["short_abandoned"]), "short_abandoned",
             drill=drilldown.params(scope, measure="short_abandoned"), drill_label=fmt.counted(now['short_abandoned'], "call")),
    ])  # fmt: skip
    tiles([
        Tile("Abandon rate", fmt.percent(now["abandon_rate"]), "abandon_rate",
             drill=drilldown.params(scope, measure="counted_abandoned"), drill_label=fmt.counted(counted, "call")),
        Tile("Service level", fmt.percent(now["service_level"]), "service_level",
             drill=drilldown.params(scope, measure="missed_sl"), drill_label=fmt.counted(missed, "call") + " missed"),
        Tile("ASA", fmt.seconds(now["asa_seconds"]), "asa_seconds",
             drill=drilldown.params(scope, measure="answered"), drill_label=fmt.counted(now['answered'], "call")),
    ])  # fmt: skip

    daily = totals.by(scope, totals.INBOUND, "date")
    if daily.is_empty():
        st.info("No inbound calls in this date range.")
    else:
        plot(charts.volume_and_rates(daily))

    def open_queue(row: dict) -> None:
        for measure, label in (
            ("offered", "offered"),
            ("counted_abandoned", "counted abandoned"),
            ("missed_sl", "missed service level"),
        ):
            drilldown.link(f"{label.capitalize()} calls of queue {row['queue'] or '(none)'}",
                           drilldown.params(scope, measure=measure, queue=row["queue"]))  # fmt: skip

    st.subheader("By queue")
    table(
        totals.by(scope, totals.INBOUND, "queue"),
        "abandon-rate-by-queue",
        scope,
        key="by_queue",
        on_row=open_queue,
    )

    st.subheader("By day and queue")

    def open_row(row: dict) -> None:
        day = row["date"]
        for measure, number in (
            ("offered", row["offered"]),
            ("abandoned", row["abandoned"]),
            ("answered_within_sl", row["answered_within_sl"]),
        ):
            drilldown.link(f"{number:,} {fmt.label(measure).lower()} calls, {row['queue'] or '(no queue)'}, {day}",
                           drilldown.params(scope, start=day, end=day, measure=measure, queue=row["queue"]))  # fmt: skip

    table(
        report(scope, REPORT), REPORT, scope, scope.filters.queue or "", key="abandon_table", on_row=open_row
    )

    st.subheader("By weekday and 15-minute interval")
    cells = intervals.by_weekday_and_interval(scope)
    shown = st.segmented_control("Show", list(HEATMAP_METRICS), default="offered_per_day", required=True,
                                 format_func=lambda m: HEATMAP_METRICS[m][0], key="heatmap_metric")  # fmt: skip
    title, percent = HEATMAP_METRICS[shown]
    if cells.is_empty():
        st.info("No inbound calls in this date range.")
    else:
        plot(heatmap.weekday_interval(cells, shown, title, percent=percent))
        what_if_view.what_if(scope, cells, now)

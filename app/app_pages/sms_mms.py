"""SMS / MMS: volume, segments, delivery rate, failures by carrier error code and opt-outs."""

from __future__ import annotations

import streamlit as st

from app.components import charts
from app.display import drilldown
from app.display import formatting as fmt
from app.display.layout import Tile, filters_note, plot, table, tiles
from app.filters.scope import PageRead, current_scope
from app.queries import message_report, totals
from app.queries.message_report import MessageQuery
from app.queries.reports import applied_filters, report

REPORT = "sms-mms"

# What the page reads with its widgets at their defaults (app.shell.prefetch runs them ahead of a visit).
READS: tuple[PageRead, ...] = (
    lambda s: report(s, REPORT),
    lambda s: message_report.count_messages(s, MessageQuery(measure="not_delivered")),
    message_report.failures_by_error_code,
    lambda s: totals.by(s, totals.MESSAGES, "date", "direction"),
    lambda s: totals.by(s, totals.MESSAGES, "date"),
)

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    st.title("SMS / MMS")
    filters_note(scope, applied_filters(REPORT))

    def drill(measure: str, error_code: str | None = None) -> dict:
        return drilldown.params(scope, kind="messages", measure=measure, error_code=error_code)

    now = totals.totals(scope, totals.MESSAGES)
    # the messages the delivery rate's drill-down lists, counted by the warehouse on their flags
    not_delivered = message_report.count_messages(scope, MessageQuery(measure="not_delivered"))
    tiles([
        Tile("Messages", fmt.count(now["messages"]), "messages", drill=drill("messages"), drill_label=fmt.counted(now['messages'], "message")),
        Tile("Segments", fmt.count(now["segments"]), "segments"),
        Tile("Delivery rate", fmt.percent(now["delivery_rate"]), "delivery_rate",
             drill=drill("not_delivered"), drill_label=fmt.counted(not_delivered, "message")),
        Tile("Failed", fmt.count(now["failed"]), "sms_failed", drill=drill("failed"), drill_label=fmt.counted(now['failed'], "message")),
        Tile("Opt-outs", fmt.count(now["opt_outs"]), "opt_outs", drill=drill("opt_outs"), drill_label=fmt.counted(now['opt_outs'], "message")),
    ])  # fmt: skip

    rows = report(scope, REPORT)
    if rows.is_empty():
        st.info("No messages in this date range.")
        st.stop()

    daily = totals.by(scope, totals.MESSAGES, "date", "direction")
    plot(
        charts.stacked_bars(
            daily, "date", "direction", "messages", "Messages", {"inbound": "#43A047", "outbound": "#1E88E5"}
        )
    )
    rates = totals.by(scope, totals.MESSAGES, "date")
    plot(
        charts.lines(
            rates,
            "date",
            {"delivery_rate": "Delivery rate"},
            "Delivery rate (outbound)",
            percent=True,
            height=260,
        )
    )

    def open_code(row: dict) -> None:
        drilldown.link(f"The {row['messages']:,} messages with error {row['error_code'] or '(none)'}",
                       drill("not_delivered", error_code=row["error_code"]))  # fmt: skip

    st.subheader("Failures by error code")
    table(
        message_report.failures_by_error_code(scope),
        "sms-failures",
        scope,
        key="sms_errors",
        on_row=open_code,
    )

    def open_row(row: dict) -> None:
        day = row["date"]
        for measure in ("messages", "not_delivered", "opt_outs"):
            drilldown.link(f"{fmt.label(measure)}: {row['direction']} {row['channel']} on {day}",
                           drilldown.params(scope, kind="messages", start=day, end=day, measure=measure,
                                            direction=row["direction"], channel=row["channel"]))  # fmt: skip

    st.subheader("By day, direction and channel")
    table(rows, REPORT, scope, key="sms_table", on_row=open_row)

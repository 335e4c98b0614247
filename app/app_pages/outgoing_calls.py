"""Outgoing calls & campaigns: attempts by outcome per day and per campaign; per agent, their connected calls."""

from __future__ import annotations

import streamlit as st

from app.components import charts
from app.display import drilldown
from app.display import formatting as fmt
from app.display.layout import Tile, filters_note, plot, table, tiles
from app.filters.scope import PageRead, current_scope
from app.queries import outgoing_agents, totals
from app.queries.reports import applied_filters, report

REPORT = "outgoing-calls"
OUTCOMES = ("human_answered", "machine_answered", "no_answer", "busy", "failed")

# What the page reads with its widgets at their defaults (app.shell.prefetch runs them ahead of a visit).
READS: tuple[PageRead, ...] = (
    *(lambda s, key=key: totals.by(s, totals.OUTBOUND, key) for key in ("date", "campaign")),
    outgoing_agents.by_agent,
    lambda s: report(s, REPORT),
)

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    st.title("Outgoing calls & campaigns")
    filters_note(scope, applied_filters(REPORT))
    st.caption(
        "A call belongs to the agent it was last connected to; attempts no agent joined are counted apart, as "
        f'"{fmt.NO_AGENT}". The connect rate (answered by a person / attempts) is a campaign\'s and the '
        "account's: an agent has no attempts of their own, only the calls connected to them."
    )

    now = totals.totals(scope, totals.OUTBOUND)
    tiles([
        Tile("Attempts", fmt.count(now["attempts"]), "attempts",
             drill=drilldown.params(scope, measure="attempts"), drill_label=fmt.counted(now['attempts'], "call")),
        Tile("Answered by a person", fmt.count(now["human_answered"]), "human_answered",
             drill=drilldown.params(scope, measure="human_answered"), drill_label=fmt.counted(now['human_answered'], "call")),
        Tile("Connect rate", fmt.percent(now["connect_rate"]), "connect_rate",
             drill=drilldown.params(scope, measure="human_answered"), drill_label=fmt.counted(now['human_answered'], "call")),
        Tile("Talk time", fmt.seconds(now["talk_seconds"]), "talk_seconds"),
    ])  # fmt: skip

    daily = totals.by(scope, totals.OUTBOUND, "date")
    if daily.is_empty():
        st.info("No outbound calls in this date range.")
    else:
        long = daily.unpivot(index="date", on=list(OUTCOMES), variable_name="outcome", value_name="calls")
        plot(charts.stacked_bars(long, "date", "outcome", "calls", "Outbound calls",
                                 {"human_answered": "#2E7D32", "machine_answered": "#8E24AA", "no_answer": "#FFB300",
                                  "busy": "#6D4C41", "failed": "#455A64"}))  # fmt: skip

    def open_group(column: str):  # noqa: ANN201 - a row callback
        def links(row: dict) -> None:
            shown = fmt.agent(row[column]) if column == "agent" else row[column] or "(none)"
            for measure in ("attempts", "human_answered"):
                drilldown.link(f"{fmt.label(measure)} of {column} {shown}",
                               drilldown.params(scope, measure=measure, **{column: row[column]}))  # fmt: skip

        return links

    if not scope.viewer.is_agent:
        st.subheader("By campaign")
        by_campaign = totals.by(scope, totals.OUTBOUND, "campaign")
        table(
            by_campaign, "outgoing-calls-by-campaign", scope, key="by_campaign", on_row=open_group("campaign")
        )
        st.subheader("By agent")
        by_agent = outgoing_agents.by_agent(scope)
        table(by_agent, "outgoing-calls-by-agent", scope, key="by_agent", on_row=open_group("agent"),
              cells={"agent": fmt.agent})  # fmt: skip

    st.subheader("By day, campaign and agent")

    def open_row(row: dict) -> None:
        day = row["date"]
        for measure in ("attempts", "human_answered", "no_answer"):
            drilldown.link(f"{row[measure]:,} {fmt.label(measure).lower()}: {row['campaign'] or '(no campaign)'}, "
                           f"{fmt.agent(row['agent'])}, {day}",
                           drilldown.params(scope, start=day, end=day, measure=measure, campaign=row["campaign"],
                                            agent=row["agent"]))  # fmt: skip

    table(
        report(scope, REPORT),
        REPORT,
        scope,
        scope.filters.campaign or "",
        scope.agent or "",
        key="outgoing_table",
        on_row=open_row,
        cells={"agent": fmt.agent},
    )

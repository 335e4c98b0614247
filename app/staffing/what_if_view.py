"""The staffing what-if under the heatmap: pick an interval, see Erlang C's agents needed and N agents' outcome."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import polars as pl
import streamlit as st

from app.components.heatmap import WEEKDAYS, interval_label
from app.display import drilldown
from app.display import formatting as fmt
from app.display.metric_help import help_for
from app.filters.scope import Scope
from app.queries.intervals import INTERVAL_SECONDS
from app.staffing import erlang

EXPLAIN = (
    "Erlang C (M/M/N: random arrivals, exponential handling times, nobody abandons) from the interval's "
    "average offered calls per day and its AHT. Traffic A = calls × AHT / 900 s; service level = "
    "1 − P(wait) · e^(−(N − A) · T / AHT); ASA = P(wait) · AHT / (N − A); occupancy = A / N; "
    "scheduled agents = ⌈N / (1 − shrinkage)⌉."
)


# The widgets whose values come from the data (interval, calls, AHT, N): reset when the figures they were taken
# from change. Target service level and shrinkage are the planner's own choices and stay.
DATA_WIDGETS = ("staff_weekday", "staff_interval", "staff_aht_", "staff_calls_", "staff_n_")
_SOURCE_KEY = "staff_source"


def inputs_source(scope: Scope) -> tuple[object, ...]:
    """What the what-if's calls and AHT are taken from: the shared filters and the published warehouse."""
    filters = scope.filters
    return (scope.account.account_id, filters.start, filters.end, filters.queue, filters.campaign, filters.agent,
            scope.version)  # fmt: skip


def forget_stale_inputs(state: MutableMapping[Any, Any], source: tuple[object, ...]) -> None:
    """Drop the data-derived widget values of ``state`` when ``source`` differs from the one they came from.

    Without this a widget keeps its value across a filter change (Streamlit keeps keyed widget state), so the
    same URL gave one roster after other filters and another in a fresh session.
    """
    if state.get(_SOURCE_KEY) == source:
        return
    for key in [k for k in state if isinstance(k, str) and k.startswith(DATA_WIDGETS)]:
        del state[key]
    state[_SOURCE_KEY] = source


def what_if(scope: Scope, cells: pl.DataFrame, range_totals: dict[str, Any]) -> None:
    st.subheader("Staffing what-if (Erlang C)")
    st.caption(EXPLAIN)
    forget_stale_inputs(st.session_state, inputs_source(scope))
    busiest = cells.sort(
        ["offered_per_day", "weekday", "interval_minute"], descending=[True, False, False]
    ).row(0, named=True)
    pick_day, pick_interval, targets = st.columns([1, 1, 2])
    weekday = pick_day.selectbox("Weekday", range(1, 8), index=int(busiest["weekday"]) - 1,
                                 format_func=lambda d: WEEKDAYS[d - 1], key="staff_weekday")  # fmt: skip
    minutes = cells.filter(pl.col("weekday") == weekday)["interval_minute"].to_list() or [
        int(busiest["interval_minute"])
    ]
    default = minutes.index(busiest["interval_minute"]) if busiest["interval_minute"] in minutes else 0
    minute = pick_interval.selectbox(
        "Interval", minutes, index=default, format_func=interval_label, key="staff_interval"
    )
    cell = cells.filter((pl.col("weekday") == weekday) & (pl.col("interval_minute") == minute))
    row = cell.row(0, named=True) if not cell.is_empty() else None
    calls = float(row["offered_per_day"]) if row else 0.0
    aht = row["aht_seconds"] if row and row["aht_seconds"] is not None else range_totals.get("aht_seconds")
    with targets:
        target_sl = st.slider(
            "Target service level", 0.50, 0.99, 0.80, 0.01, format="%.2f", key="staff_target"
        )
        shrinkage = st.slider("Shrinkage", 0.0, 0.6, 0.30, 0.01, format="%.2f", key="staff_shrinkage")
    aht_seconds = st.number_input(
        "AHT (s)", min_value=1.0, value=float(aht or 180.0), step=1.0, key=f"staff_aht_{weekday}_{minute}"
    )
    calls = st.number_input(
        "Calls per interval",
        min_value=0.0,
        value=round(calls, 2),
        step=1.0,
        key=f"staff_calls_{weekday}_{minute}",
    )
    threshold = float(scope.account.service_level_seconds)
    if calls <= 0:
        st.info("No calls in this interval: no agents needed.")
        return
    needed = erlang.agents_needed(calls, aht_seconds, INTERVAL_SECONDS, threshold, target_sl, shrinkage)
    st.markdown(
        f"**{needed.agents} agent{'s' if needed.agents != 1 else ''}** on the phones reach {fmt.percent(needed.service_level)} answered within "
        f"{threshold:g} s (target {target_sl:.0%}); with {shrinkage:.0%} shrinkage roster "
        f"**{needed.scheduled_agents}**. Traffic: {needed.traffic_erlangs:.2f} Erlangs."
    )
    agents = st.number_input(
        "What if we had N agents?", min_value=1, value=needed.agents, step=1, key=f"staff_n_{needed.agents}"
    )
    outcome = erlang.with_agents(int(agents), calls, aht_seconds, INTERVAL_SECONDS, threshold, shrinkage)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        "Predicted service level", fmt.percent(outcome.service_level), help=help_for("erlang_service_level")
    )
    c2.metric(
        "Predicted ASA",
        "∞ (queue grows)" if outcome.asa_seconds == float("inf") else fmt.seconds(outcome.asa_seconds),
        help=help_for("erlang_asa"),
    )
    c3.metric("Occupancy", fmt.percent(outcome.occupancy), help=help_for("erlang_occupancy"))
    c4.metric("Agents to roster", f"{outcome.scheduled_agents}", help=help_for("erlang_roster"))
    drilldown.link(
        f"The calls of {WEEKDAYS[weekday - 1]} {interval_label(minute)} in this range",
        drilldown.params(scope, measure="offered", weekday=weekday, interval=minute),
    )

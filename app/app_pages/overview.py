"""Overview: the period's headline figures with the change vs the same elapsed part of the previous period, and small daily trends."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from app.components import charts
from app.components.heatmap import interval_label
from app.display import drilldown
from app.display import formatting as fmt
from app.display.layout import Tile, plot, tiles
from app.filters.scope import PageRead, current_scope
from app.queries import comparison, message_report, totals
from app.queries.message_report import MessageQuery

FAMILIES = (totals.AGENTS, totals.OUTBOUND, totals.STATUS, totals.INBOUND, totals.MESSAGES)
# What the page reads with its widgets at their defaults (app.shell.prefetch runs them ahead of a visit).
READS: tuple[PageRead, ...] = (
    *(lambda s, f=f: totals.totals(s, f) for f in FAMILIES),
    *(lambda s, f=f: totals.totals(s.previous_period(), f) for f in FAMILIES),
    lambda s: totals.totals(s, totals.CALL_FLAGS),
    lambda s: message_report.count_messages(s, MessageQuery(measure="not_delivered")),
    lambda s: totals.by(s, totals.AGENTS if s.viewer.is_agent else totals.INBOUND, "date"),
)

# The tiles whose change badges each family's figures give, to name them in a notice.
COMPARED_TILES = {
    totals.INBOUND.table: "Offered, Abandon rate, Service level and ASA",
    totals.AGENTS.table: "Handled, AHT and Conversions",
    totals.OUTBOUND.table: "Outbound attempts and Connect rate",
    totals.MESSAGES.table: "Delivery rate",
    totals.STATUS.table: "Occupancy",
}

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    current = comparison.elapsed(scope.start, scope.end, datetime.now(ZoneInfo(scope.account.timezone)))
    previous = comparison.previous_like(current)
    before = scope.with_range(previous.start, previous.end)
    st.title("Overview" if not scope.viewer.is_agent else f"My figures · {scope.viewer.agent}")
    cut = "" if previous.until_minute is None else f" up to {interval_label(previous.until_minute)}"
    st.caption(f"{scope.start} – {scope.end}, compared with {previous.start} – {previous.end}{cut}"
               + (" (the same elapsed part of the day)" if cut else ""))  # fmt: skip
    notices: list[str] = []

    def pair(family: totals.Family) -> tuple[dict, dict]:
        """The family's figures now and in the previous period; the latter all empty (no badge) when that
        period cannot be compared with like for like."""
        now = totals.totals(scope, family)
        if family is totals.INBOUND:
            then = comparison.inbound_totals(scope, previous)
        elif previous.until_minute is not None:  # kept per day: today's part cannot be matched
            notices.append(f"{COMPARED_TILES[family.table]}: no change shown while today is under way "
                           "(kept per day, so part of a day cannot be compared).")  # fmt: skip
            return now, dict.fromkeys(now)
        else:
            then = totals.totals(before, family)
        volume, least = comparison.VOLUME[family.table]
        if not comparison.comparable(then[volume], comparison.days_with_data(scope, family, previous),
                                     comparison.days_with_data(scope, family, current), least):  # fmt: skip
            notices.append(f"{COMPARED_TILES[family.table]}: {comparison.NOT_ENOUGH} — the previous period "
                           f"holds {fmt.count(then[volume])} {fmt.label(volume).lower()} (at least {least:,} "
                           "over at least half as many days are needed).")  # fmt: skip
            return now, dict.fromkeys(now)
        return now, then

    def ignored(family: totals.Family) -> tuple[str, ...]:
        """The shared filters set in the sidebar that ``family``'s figures do not follow."""
        chosen = {"queue": scope.filters.queue, "campaign": scope.filters.campaign,
                  "agent": None if scope.viewer.is_agent else scope.filters.agent}  # fmt: skip
        return tuple(
            name for name, value in chosen.items() if value is not None and name not in family.filters
        )

    def drill(measure: str, label: str, number: int, family: totals.Family, kind: str = "calls") -> dict:
        """A tile's drill-down: exactly the calls it counts, so open in the filters its figure ignores."""
        noun = "message" if kind == "messages" else "call"
        return {
            "drill": drilldown.params(scope, kind=kind, measure=measure, ignore=ignored(family)),
            "drill_label": fmt.counted(number, noun),
        }

    def ignores_note(row: dict[str, totals.Family]) -> None:
        """Under a row of tiles: which tiles do not follow which of the sidebar's filters."""
        for names in sorted({ignored(family) for family in row.values()} - {()}):
            titles = [title for title, family in row.items() if ignored(family) == names]
            st.caption(f"{', '.join(titles)}: every {' and '.join(names)} (the {' and '.join(names)} "
                       f"filter does not apply to {'it' if len(titles) == 1 else 'them'}).")  # fmt: skip

    agents, agents_before = pair(totals.AGENTS)
    outbound, outbound_before = pair(totals.OUTBOUND)
    status, status_before = pair(totals.STATUS)
    if not scope.viewer.is_agent:  # queue-level figures: not an agent's own
        inbound, inbound_before = pair(totals.INBOUND)
        counted_abandoned = totals.totals(scope, totals.CALL_FLAGS)["is_counted_abandoned"]
        messages, messages_before = pair(totals.MESSAGES)
        not_delivered = message_report.count_messages(scope, MessageQuery(measure="not_delivered"))
        tiles([
            Tile("Offered", fmt.count(inbound["offered"]), "offered",
                 fmt.count_delta(inbound["offered"], inbound_before["offered"]),
                 **drill("offered", "offered calls", inbound["offered"], totals.INBOUND)),
            Tile("Abandon rate", fmt.percent(inbound["abandon_rate"]), "abandon_rate",
                 fmt.rate_delta(inbound["abandon_rate"], inbound_before["abandon_rate"]), "inverse",
                 **drill("counted_abandoned", "abandoned calls", counted_abandoned, totals.CALL_FLAGS)),
            Tile("Service level", fmt.percent(inbound["service_level"]), "service_level",
                 fmt.rate_delta(inbound["service_level"], inbound_before["service_level"]),
                 **drill("answered_within_sl", "answered in time", inbound["answered_within_sl"], totals.INBOUND)),
            Tile("ASA", fmt.seconds(inbound["asa_seconds"]), "asa_seconds",
                 fmt.seconds_delta(inbound["asa_seconds"], inbound_before["asa_seconds"]), "inverse",
                 **drill("answered", "answered calls", inbound["answered"], totals.INBOUND)),
        ])  # fmt: skip
        ignores_note({"Offered": totals.INBOUND, "Abandon rate": totals.INBOUND, "Service level": totals.INBOUND,
                      "ASA": totals.INBOUND})  # fmt: skip
    tiles([
        Tile("Handled", fmt.count(agents["handled"]), "handled", fmt.count_delta(agents["handled"], agents_before["handled"]),
             **drill("handled", "handled calls", agents["handled"], totals.AGENTS)),
        Tile("AHT", fmt.seconds(agents["aht_seconds"]), "aht_seconds",
             fmt.seconds_delta(agents["aht_seconds"], agents_before["aht_seconds"]), "off"),
        Tile("Outbound attempts", fmt.count(outbound["attempts"]), "attempts",
             fmt.count_delta(outbound["attempts"], outbound_before["attempts"]),
             **drill("attempts", "outbound calls", outbound["attempts"], totals.OUTBOUND)),
        Tile("Connect rate", fmt.percent(outbound["connect_rate"]), "connect_rate",
             fmt.rate_delta(outbound["connect_rate"], outbound_before["connect_rate"]),
             **drill("human_answered", "answered by a person", outbound["human_answered"], totals.OUTBOUND)),
    ])  # fmt: skip
    ignores_note({"Handled": totals.AGENTS, "AHT": totals.AGENTS, "Outbound attempts": totals.OUTBOUND,
                  "Connect rate": totals.OUTBOUND})  # fmt: skip
    last_row = [
        Tile("Conversions", fmt.count(agents["conversions"]), "conversions",
             fmt.count_delta(agents["conversions"], agents_before["conversions"]),
             **drill("conversions", "converted calls", agents["conversions"], totals.AGENTS)),
        Tile("Logged-in time", fmt.duration(status["logged_in_seconds"]), "logged_in_seconds"),
        Tile("Occupancy", fmt.percent(status["occupancy"]), "occupancy",
             fmt.rate_delta(status["occupancy"], status_before["occupancy"]), "off"),
    ]  # fmt: skip
    if not scope.viewer.is_agent:
        last_row.insert(1, Tile("Delivery rate", fmt.percent(messages["delivery_rate"]), "delivery_rate",
                                fmt.rate_delta(messages["delivery_rate"], messages_before["delivery_rate"]),
                                **drill("not_delivered", "not delivered", not_delivered,
                                        totals.MESSAGES, kind="messages")))  # fmt: skip
    tiles(last_row)
    last_families = {
        "Conversions": totals.AGENTS,
        "Logged-in time": totals.STATUS,
        "Occupancy": totals.STATUS,
    }
    if not scope.viewer.is_agent:
        last_families["Delivery rate"] = totals.MESSAGES
    ignores_note(last_families)

    for notice in notices:
        st.caption(notice)

    st.subheader("Trends")
    if scope.viewer.is_agent:
        daily = totals.by(scope, totals.AGENTS, "date")
        left, right = st.columns(2)
        with left:
            st.caption("Handled calls per day")
            plot(charts.sparkline(daily, "date", "handled"))
        with right:
            st.caption("AHT per day (s)")
            plot(charts.sparkline(daily, "date", "aht_seconds"))
    else:
        daily = totals.by(scope, totals.INBOUND, "date")
        left, middle, right = st.columns(3)
        with left:
            st.caption("Offered calls per day")
            plot(charts.sparkline(daily, "date", "offered"))
        with middle:
            st.caption("Abandon rate per day")
            plot(charts.sparkline(daily, "date", "abandon_rate", percent=True))
        with right:
            st.caption("Service level per day")
            plot(charts.sparkline(daily, "date", "service_level", percent=True))

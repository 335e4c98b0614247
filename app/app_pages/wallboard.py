"""Live wallboard: today's calls, abandon rate and service level, and agents by current status; refreshes itself.

The figures come from the last publish (the pipeline refreshes every few minutes); the board re-reads every
``REFRESH_SECONDS`` and picks a new publish up as soon as it lands.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from app.components.charts import AGENT_STATUS_COLOURS, status_label
from app.components.freshness import banner as freshness_banner
from app.display import formatting as fmt
from app.display.layout import Tile, tiles
from app.filters.scope import PageRead, Scope, current_scope
from app.queries import agent_status, publish, wallboard_today
from app.signin import password_gate
from voxlink import warehouse

REFRESH_SECONDS = 10


def _today(scope: Scope) -> Scope:
    return scope.with_range(*[datetime.now(ZoneInfo(scope.account.timezone)).date()] * 2)


# What the page reads with its widgets at their defaults (app.shell.prefetch runs them ahead of a visit).
READS: tuple[PageRead, ...] = (
    lambda s: wallboard_today.inbound(_today(s)),
    lambda s: wallboard_today.calls(_today(s)),
    agent_status.current,
)

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    st.title("Live wallboard")

    @st.fragment(run_every=REFRESH_SECONDS)
    def board() -> None:
        if password_gate.current_session(activity=False) is None:  # timed out while nobody touched the screen
            st.rerun()
        version = warehouse.file_version()
        live = replace(scope, version=version)
        zone = ZoneInfo(scope.account.timezone)
        today = datetime.now(zone).date()
        as_of = publish.publish_info(version).published_at.astimezone(zone)
        st.caption(f"Today {today} · data as of {as_of:%H:%M:%S %Z} · checked {datetime.now(zone):%H:%M:%S}")
        freshness_banner(version, scope.account.timezone)
        day = live.with_range(today, today)
        now = wallboard_today.inbound(day)
        calls = wallboard_today.calls(day)
        tiles([
            Tile("Calls today", fmt.count(calls["total"]), "calls"),
            Tile("In progress", fmt.count(calls["in_progress"])),
            Tile("Offered", fmt.count(now["offered"]), "offered"),
            Tile("Abandon rate", fmt.percent(now["abandon_rate"]), "abandon_rate"),
            Tile("Service level", fmt.percent(now["service_level"]), "service_level"),
        ])  # fmt: skip
        agents = agent_status.current(live)
        st.subheader("Agents by current status")
        if agents.is_empty():
            st.info("No agent status yet.")
            return
        counts = dict(agents.group_by("status").len().iter_rows())
        for column, status in zip(st.columns(len(AGENT_STATUS_COLOURS)), AGENT_STATUS_COLOURS, strict=True):
            column.metric(status_label(status), counts.get(status, 0))
        now_local = datetime.now(zone).replace(tzinfo=None)
        shown = agents.with_columns(
            pl.col("status").map_elements(status_label, return_dtype=pl.String),
            pl.col("since")
            .map_elements(
                lambda since: fmt.duration((now_local - since).total_seconds()), return_dtype=pl.String
            )
            .alias("for"),
        )
        st.dataframe(
            shown, hide_index=True, column_config={"since": st.column_config.DatetimeColumn(format="HH:mm")}
        )

    board()

"""The Streamlit building blocks pages share: KPI tiles with formula and drill-down, tables with downloads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import polars as pl
import streamlit as st

from app.display import downloads, drilldown
from app.display.metric_help import help_for
from app.filters.scope import Scope
from app.queries.reports import FILTER_COLUMNS

DeltaColor = Literal["normal", "inverse", "off"]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Fractions shown as percentages on screen (downloads keep the export's fractions).
RATE_COLUMNS = frozenset({"abandon_rate", "service_level", "connect_rate", "delivery_rate", "share", "occupancy",
                          "conversion_rate", "drop_rate"})  # fmt: skip


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    metric: str | None = None  # catalogue key: its formula is the tile's help text
    delta: str | None = None
    delta_color: DeltaColor = "normal"
    drill_label: str | None = None  # short: e.g. "31 calls"
    drill: dict[str, str] | None = None  # Call Report query parameters (drilldown.params)


def tiles(row: list[Tile]) -> None:
    """One row of bordered KPI tiles; a tile with a drill-down links to the calls behind its number."""
    for column, tile in zip(st.columns(len(row), border=True), row, strict=True):
        with column:
            st.metric(
                tile.label,
                tile.value,
                delta=tile.delta,
                delta_color=tile.delta_color,
                help=help_for(tile.metric) if tile.metric else None,
            )
            if tile.drill is not None:
                drilldown.link(f"{tile.drill_label or 'Calls'} →", tile.drill)


def filters_note(scope: Scope, applied: tuple[str, ...]) -> None:
    """Say which of the shared filters narrow this page, and which do not apply to it."""
    chosen = {
        "queue": scope.filters.queue,
        "campaign": scope.filters.campaign,
        "agent": None if scope.viewer.is_agent else scope.filters.agent,
    }
    ignored = [name for name, value in chosen.items() if value is not None and name not in applied]
    if ignored:
        st.caption(f"The {' and '.join(ignored)} filter does not apply to this page.")


def table(
    frame: pl.DataFrame,
    name: str,
    scope: Scope,
    *name_parts: str,
    key: str,
    column_config: dict[str, Any] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """Show ``frame`` with CSV and XLSX (and, for a report, PDF) downloads of exactly its rows.

    ``on_row`` draws links for a picked row.
    """
    config: dict[str, Any] = {"date": st.column_config.DateColumn("date", format="YYYY-MM-DD")}
    config.update(
        {c: st.column_config.NumberColumn(c, format="percent") for c in frame.columns if c in RATE_COLUMNS}
    )
    config.update(column_config or {})
    event = st.dataframe(
        frame,
        hide_index=True,
        column_config=config,
        key=key,
        on_select="rerun" if on_row else "ignore",
        selection_mode="single-row",
    )
    if on_row is not None and event is not None:
        rows = event.get("selection", {}).get("rows", []) if hasattr(event, "get") else []
        if rows and rows[0] < frame.height:
            on_row(frame.row(rows[0], named=True))
        elif not frame.is_empty():
            st.caption("Pick a row to list what its numbers count.")
    slug, start, end = scope.account.slug, scope.start, scope.end
    buttons = st.container(horizontal=True)
    buttons.download_button(
        "Download CSV",
        data=lambda: downloads.csv_bytes(frame),
        file_name=downloads.file_name(name, slug, start, end, *name_parts),
        mime="text/csv",
        on_click="ignore",
        key=f"{key}_csv",
    )
    if name not in FILTER_COLUMNS:  # not a report: a plain sheet of the rows
        buttons.download_button(
            "Download XLSX",
            data=lambda: downloads.xlsx_bytes(frame, sheet=name),
            file_name=downloads.file_name(name, slug, start, end, *name_parts, ext="xlsx"),
            mime=XLSX_MIME,
            on_click="ignore",
            key=f"{key}_xlsx",
        )
        return
    chosen = {"queue": scope.filters.queue, "campaign": scope.filters.campaign, "agent": scope.agent}
    applied = {
        column: value for f, column in FILTER_COLUMNS[name].items() if (value := chosen[f]) is not None
    }
    zone = scope.account.timezone
    for fmt, mime in (
        ("xlsx", XLSX_MIME),
        ("pdf", "application/pdf"),
    ):  # the exports' (and e-mails') own files
        buttons.download_button(
            f"Download {fmt.upper()}",
            data=partial(
                downloads.report_bytes,
                frame,
                fmt,
                name,
                slug,
                zone,
                start,
                end,
                applied,
                scope.account.account_id,
            ),
            file_name=downloads.file_name(name, slug, start, end, *name_parts, ext=fmt),
            mime=mime,
            on_click="ignore",
            key=f"{key}_{fmt}",
        )


def plot(figure: Any) -> None:
    st.plotly_chart(figure, config={"displaylogo": False})

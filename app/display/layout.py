"""The Streamlit building blocks pages share: KPI tiles with formula and drill-down, tables with downloads.

Every table goes through :func:`table`, which shows human column labels (``app.display.formatting.LABELS``),
durations as ``h:mm:ss``, rates as percentages with one decimal and missing values as "–", while the data behind
it (sorting, downloads, a picked row) keeps the report's own columns and numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import pandas as pd
import polars as pl
import streamlit as st

from app.display import downloads, drilldown
from app.display import formatting as fmt
from app.display.metric_help import help_for
from app.filters.scope import Scope
from app.queries.reports import FILTER_COLUMNS

DeltaColor = Literal["normal", "inverse", "off"]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Fractions shown as percentages on screen (downloads keep the export's fractions).
RATE_COLUMNS = frozenset({"abandon_rate", "service_level", "connect_rate", "delivery_rate", "share", "occupancy",
                          "conversion_rate", "drop_rate"})  # fmt: skip
STYLED_ROWS = (
    5_000  # above this, cells are formatted by the grid alone (a styled frame is rendered cell by cell)
)
NO_DATA = "No data for these filters and dates."


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
    cells: dict[str, Callable[[Any], str]] | None = None,
) -> None:
    """Show ``frame`` with CSV and XLSX (and, for a report, PDF) downloads of exactly its rows.

    ``on_row`` draws links for a picked row (it gets the row's values, not their text); ``cells`` shows a
    column's values as text of the page's choosing (e.g. the empty agent as "Not connected (no agent)").
    """
    event = st.dataframe(
        _styled(frame, cells or {}),
        width="stretch",  # fits the page; wider tables scroll inside their frame rather than being cut off
        hide_index=True,
        column_config={**_column_config(frame, cells or {}), **_labelled(column_config or {})},
        placeholder=fmt.MISSING,  # an empty cell (a figure that does not apply to the row), never "None"
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
            data=lambda: downloads.table_xlsx_bytes(frame, name, _context_rows(scope)),
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
    for kind, mime in (
        ("xlsx", XLSX_MIME),
        ("pdf", "application/pdf"),
    ):  # the exports' (and e-mails') own files
        buttons.download_button(
            f"Download {kind.upper()}",
            data=partial(
                downloads.report_bytes,
                frame,
                kind,
                name,
                slug,
                zone,
                start,
                end,
                applied,
                scope.account.account_id,
            ),
            file_name=downloads.file_name(name, slug, start, end, *name_parts, ext=kind),
            mime=mime,
            on_click="ignore",
            key=f"{key}_{kind}",
        )


def _is_duration(name: str) -> bool:
    return name.endswith("_seconds")


def _context_rows(scope: Scope) -> list[tuple[str, str]]:
    """What a table downloaded from a page is of: its account, period and the sidebar's filters."""
    chosen = {"Queue": scope.filters.queue, "Campaign": scope.filters.campaign, "Agent": scope.agent}
    return [
        ("Account", f"{scope.account.name} ({scope.account.slug})"),
        ("Period", f"{scope.start.isoformat()} – {scope.end.isoformat()} ({scope.account.timezone})"),
        *((label, value or "all") for label, value in chosen.items()),
    ]


def grid(frame: pl.DataFrame, key: str, column_config: dict[str, Any] | None = None) -> None:
    """``frame`` as a read-only grid with the tables' labels and formats, for a page that draws its own paging
    and downloads (the Call report); :func:`table` is the grid plus its downloads."""
    st.dataframe(
        _styled(frame, {}),
        width="stretch",
        hide_index=True,
        column_config={**_column_config(frame, {}), **_labelled(column_config or {})},
        placeholder=fmt.MISSING,
        key=key,
    )


def _column_config(frame: pl.DataFrame, cells: dict[str, Callable[[Any], str]]) -> dict[str, Any]:
    """Each column's human label; dates and times in the product's formats; a column whose cells the page
    words itself wide enough for its words (the grid sizes columns by their values)."""
    config: dict[str, Any] = {}
    for name, dtype in frame.schema.items():
        label = fmt.label(name)
        if dtype == pl.Date:
            config[name] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
        elif isinstance(dtype, pl.Datetime) and frame.height > STYLED_ROWS:
            config[name] = st.column_config.DatetimeColumn(label, format="YYYY-MM-DD HH:mm")
        elif name in RATE_COLUMNS and frame.height > STYLED_ROWS:
            config[name] = st.column_config.NumberColumn(label, format="percent")
        else:
            config[name] = st.column_config.Column(label, width="medium" if name in cells else None)
    return config


def _labelled(config: dict[str, Any]) -> dict[str, Any]:
    """A page's own column configs, with the human label where a page left the column's raw name."""
    out: dict[str, Any] = {}
    for name, column in config.items():
        if isinstance(column, dict) and column.get("label") in (None, name):
            column = {**column, "label": fmt.label(name)}
        out[name] = column
    return out


def _cell_formats(frame: pl.DataFrame) -> dict[str, Callable[[Any], str]]:
    formats: dict[str, Callable[[Any], str]] = {}
    for name, dtype in frame.schema.items():
        if name in RATE_COLUMNS:
            formats[name] = fmt.percent
        elif _is_duration(name) and dtype.is_numeric():
            formats[name] = fmt.clock
        elif isinstance(dtype, pl.Datetime):
            formats[name] = lambda at: f"{at:%Y-%m-%d %H:%M}"
        elif dtype.is_integer():
            formats[name] = fmt.count
    return formats


def _styled(frame: pl.DataFrame, cells: dict[str, Callable[[Any], str]]) -> Any:
    """The frame as the grid shows it: formatted cells over the unchanged values (so columns sort by value)."""
    if frame.height > STYLED_ROWS or frame.is_empty():
        return frame
    data: pd.DataFrame = frame.to_pandas()
    formats = {**_cell_formats(frame), **cells}
    return data.style.format(formats, na_rep=fmt.MISSING)  # type: ignore[arg-type]


def has_points(figure: Any) -> bool:
    """Whether any trace of a plotly figure holds a value (an empty one draws only bare axes)."""
    for trace in figure.data:
        for axis in ("y", "z", "values"):
            values = getattr(trace, axis, None)
            if values is not None and any(v is not None for v in values):
                return True
    return False


def plot(figure: Any) -> None:
    """A chart, or a "no data" note in its place when it would draw nothing but axes."""
    if not has_points(figure):
        st.info(NO_DATA)
        return
    st.plotly_chart(figure, config={"displaylogo": False})

"""The weekday × 15-minute-interval heatmap of inbound calls (rows Monday … Sunday, columns local times)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def interval_label(minute: int) -> str:
    """Minutes after local midnight → ``09:15``."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def weekday_interval(frame: pl.DataFrame, value: str, title: str, percent: bool = False) -> go.Figure:
    """Cells coloured by ``value`` for each (weekday, interval_minute) row of ``frame``; empty cells blank.

    Columns span the intervals that hold calls on any weekday, so a day of quiet nights stays readable.
    """
    minutes = sorted(set(frame["interval_minute"].to_list())) if not frame.is_empty() else []
    column_of = {minute: i for i, minute in enumerate(minutes)}
    grid: list[list[float | None]] = [[None] * len(minutes) for _ in WEEKDAYS]
    for weekday, minute, cell in frame.select("weekday", "interval_minute", value).iter_rows():
        grid[int(weekday) - 1][column_of[minute]] = None if cell is None else float(cell)
    figure = go.Figure(
        go.Heatmap(
            z=grid,
            x=[interval_label(m) for m in minutes],
            y=list(WEEKDAYS),
            colorscale="Reds" if percent else "Blues",
            hoverongaps=False,
            colorbar={"title": title, "tickformat": ".0%" if percent else ",.1f"},
            hovertemplate=f"%{{y}} %{{x}}<br>{title}: %{{z:{'.1%' if percent else ',.1f'}}}<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 0}, height=320)
    return figure

"""Agent status timeline: one row per agent, one coloured bar per status interval (local times)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from app.components.charts import AGENT_STATUS_COLOURS, status_label


def status_timeline(intervals: pl.DataFrame) -> go.Figure:
    """``intervals`` has agent, status, started, ended (local timestamps); bars span started → ended."""
    figure = go.Figure()
    agents = sorted(set(intervals["agent"].to_list())) if not intervals.is_empty() else []
    for status, colour in AGENT_STATUS_COLOURS.items():
        rows = intervals.filter(pl.col("status") == status)
        if rows.is_empty():
            continue
        starts = rows["started"].to_list()
        lengths_ms = [
            (end - start).total_seconds() * 1000
            for start, end in zip(starts, rows["ended"].to_list(), strict=True)
        ]
        figure.add_trace(
            go.Bar(
                name=status_label(status),
                y=rows["agent"].to_list(),
                x=lengths_ms,
                base=[start.isoformat() for start in starts],
                orientation="h",
                marker_color=colour,
                customdata=[
                    [start.strftime("%H:%M"), end.strftime("%H:%M")]
                    for start, end in zip(starts, rows["ended"].to_list(), strict=True)
                ],
                hovertemplate=f"%{{y}}: {status_label(status)} %{{customdata[0]}}–%{{customdata[1]}}<extra></extra>",
            )
        )
    figure.update_xaxes(type="date", tickformat="%H:%M")
    figure.update_yaxes(categoryorder="array", categoryarray=agents[::-1])
    figure.update_layout(
        barmode="overlay",
        height=max(200, 36 * len(agents) + 80),
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        margin={"l": 0, "r": 0, "t": 30, "b": 0},
    )
    return figure

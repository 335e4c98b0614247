"""Chart builders: pure functions from report-shaped frames to plotly figures."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

# Stack order (bottom first) and colours: answered green, lost calls red and orange, the rest muted.
STATUS_COLOURS: dict[str, str] = {
    "completed": "#2E7D32",
    "in_progress": "#1E88E5",
    "abandoned": "#D32F2F",
    "caller_hangup": "#F4511E",
    "voicemail": "#8E24AA",
    "no_answer": "#FFB300",
    "busy": "#6D4C41",
    "failed": "#455A64",
    "canceled": "#9E9E9E",
}


def status_label(status: str) -> str:
    """``no_answer`` → ``No answer``."""
    return status.replace("_", " ").capitalize()


def calls_by_day_and_status(daily: pl.DataFrame) -> go.Figure:
    """Stacked bars of calls: one bar per local day, one segment per status.

    ``daily`` has columns date, status, calls (one row per day and status).
    """
    present = set(daily["status"].to_list())
    ordered = [s for s in STATUS_COLOURS if s in present] + sorted(present - STATUS_COLOURS.keys())
    figure = go.Figure()
    for status in ordered:
        rows = daily.filter(pl.col("status") == status).sort("date")
        label = status_label(status)
        figure.add_trace(
            go.Bar(
                name=label,
                x=rows["date"].to_list(),
                y=rows["calls"].to_list(),
                marker_color=STATUS_COLOURS.get(status),
                hovertemplate=f"%{{x|%Y-%m-%d}}<br>{label}: %{{y:,}}<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="stack",
        yaxis_title="Calls",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        margin={"l": 0, "r": 0, "t": 30, "b": 0},
        hovermode="closest",
    )
    figure.update_xaxes(type="date", tickformat="%b %d")
    return figure

"""Chart builders: pure functions from report-shaped frames to plotly figures."""

from __future__ import annotations

from collections.abc import Mapping

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
AGENT_STATUS_COLOURS: dict[str, str] = {
    "available": "#43A047",
    "busy": "#1E88E5",
    "after_call_work": "#8E24AA",
    "break": "#FFB300",
    "offline": "#BDBDBD",
}
PALETTE = ("#1E88E5", "#43A047", "#FB8C00", "#8E24AA", "#E53935", "#00897B", "#6D4C41", "#546E7A")
LIMIT_COLOUR = "#D32F2F"


def status_label(status: str) -> str:
    """``no_answer`` → ``No answer``."""
    return status.replace("_", " ").capitalize()


def _layout(
    figure: go.Figure, y_title: str, height: int | None = None, percent: bool = False, fine: bool = False
) -> go.Figure:
    """Shared layout; ``fine`` percent ticks keep a decimal (small rates such as a 3 % drop-rate limit)."""
    figure.update_layout(
        yaxis_title=y_title,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "traceorder": "normal"},
        margin={"l": 0, "r": 0, "t": 30, "b": 0},
        hovermode="closest",
        height=height,
    )
    if percent:
        figure.update_yaxes(tickformat=".1%" if fine else ".0%", rangemode="tozero")
    return figure


def stacked_bars(
    frame: pl.DataFrame, x: str, stack: str, y: str, y_title: str, colours: Mapping[str, str] | None = None
) -> go.Figure:
    """One bar per ``x`` value, one segment per ``stack`` value; known stack values keep their colour order."""
    colours = colours or {}
    present = set(frame[stack].to_list()) if not frame.is_empty() else set()
    ordered = [s for s in colours if s in present] + sorted(present - set(colours))
    figure = go.Figure()
    for i, value in enumerate(ordered):
        rows = frame.filter(pl.col(stack) == value).sort(x)
        label = status_label(str(value)) if value else "(none)"
        figure.add_trace(
            go.Bar(
                name=label,
                x=rows[x].to_list(),
                y=rows[y].to_list(),
                marker_color=colours.get(value, PALETTE[i % len(PALETTE)]),
                hovertemplate=f"%{{x}}<br>{label}: %{{y:,}}<extra></extra>",
            )
        )
    figure.update_layout(barmode="stack")
    if x == "date":
        figure.update_xaxes(type="date", tickformat="%b %d")
    return _layout(figure, y_title)


def calls_by_day_and_status(daily: pl.DataFrame) -> go.Figure:
    """Stacked bars of calls: one bar per local day, one segment per status (columns date, status, calls)."""
    return stacked_bars(daily, "date", "status", "calls", "Calls", STATUS_COLOURS)


def lines(frame: pl.DataFrame, x: str, series: Mapping[str, str], y_title: str, percent: bool = False,
          height: int | None = None, limit: float | None = None) -> go.Figure:  # fmt: skip
    """One line per column in ``series`` (column → legend label) over ``x``; ``limit`` draws a red threshold."""
    figure = go.Figure()
    for i, (column, label) in enumerate(series.items()):
        values = [None if v is None else float(v) for v in frame[column].to_list()]
        figure.add_trace(
            go.Scatter(
                name=label,
                x=frame[x].to_list(),
                y=values,
                mode="lines+markers",
                line={"color": PALETTE[i % len(PALETTE)]},
                hovertemplate=f"%{{x}}<br>{label}: %{{y:{'.1%' if percent else ',.1f'}}}<extra></extra>",
            )
        )
    if limit is not None:
        figure.add_hline(
            y=limit, line={"color": LIMIT_COLOUR, "dash": "dash"}, annotation_text=f"{limit:.0%} limit"
        )
    if x == "date":
        figure.update_xaxes(type="date", tickformat="%b %d")
    plotted = [float(v) for column in series for v in frame[column].to_list() if v is not None]
    highest = max([*plotted, 0.0 if limit is None else limit])
    fine = percent and highest < 0.2
    return _layout(figure, y_title, height=height, percent=percent, fine=fine)


def volume_and_rates(daily: pl.DataFrame) -> go.Figure:
    """Offered calls per day as bars, abandon rate and service level as lines on a percent axis."""
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            name="Offered", x=daily["date"].to_list(), y=daily["offered"].to_list(), marker_color="#90CAF9"
        )
    )
    for column, label, colour in (
        ("abandon_rate", "Abandon rate", "#D32F2F"),
        ("service_level", "Service level", "#2E7D32"),
    ):
        figure.add_trace(
            go.Scatter(
                name=label,
                x=daily["date"].to_list(),
                y=[None if v is None else float(v) for v in daily[column].to_list()],
                yaxis="y2",
                mode="lines+markers",
                line={"color": colour},
                hovertemplate=f"%{{x|%Y-%m-%d}}<br>{label}: %{{y:.1%}}<extra></extra>",
            )
        )
    figure.update_layout(
        yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%", "range": [0, 1.05], "dtick": 0.25,
                "showgrid": False}
    )  # fmt: skip
    figure.update_xaxes(type="date", tickformat="%b %d")
    return _layout(figure, "Offered calls")


def sparkline(frame: pl.DataFrame, x: str, y: str, percent: bool = False) -> go.Figure:
    """A small line without axes titles: the Overview's trends."""
    figure = lines(frame, x, {y: status_label(y)}, "", percent=percent, height=140)
    figure.update_layout(showlegend=False, margin={"l": 0, "r": 0, "t": 5, "b": 0})
    return figure


def ranked_bars(frame: pl.DataFrame, label: str, value: str, title: str) -> go.Figure:
    """Horizontal bars, best first from the top (the frame comes sorted by rank)."""
    labels = frame[label].to_list()[::-1]
    values = [None if v is None else float(v) for v in frame[value].to_list()][::-1]
    figure = go.Figure(go.Bar(x=values, y=labels, orientation="h", marker_color=PALETTE[0]))
    figure.update_layout(height=max(200, 28 * len(labels) + 60))
    return _layout(figure, "", percent=False).update_xaxes(title=title)

"""The SQL explorer's quick chart: one numeric column against another column, as bars or a line."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

MAX_POINTS = 5_000


def quick_chart(frame: pl.DataFrame, x: str, y: str, kind: str = "bar") -> go.Figure:
    """Bars (or a line) of ``y`` over ``x`` for the first ``MAX_POINTS`` rows, in the result's order."""
    rows = frame.head(MAX_POINTS)
    xs = rows[x].to_list()
    ys = [None if v is None else float(v) for v in rows[y].to_list()]
    trace = go.Bar(x=xs, y=ys) if kind == "bar" else go.Scatter(x=xs, y=ys, mode="lines+markers")
    figure = go.Figure(trace)
    figure.update_layout(xaxis_title=x, yaxis_title=y, margin={"l": 0, "r": 0, "t": 10, "b": 0}, height=360)
    return figure

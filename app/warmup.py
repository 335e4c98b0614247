"""Import what the first chart and table need in the background, once per server process.

The first query after a server start otherwise pays ~1.5-2 s of lazy pandas/pyarrow/plotly imports
(DEPENDENCIES.md). The shell starts this while the sign-in form is on screen, so it is done by the time the
first page draws.
"""

from __future__ import annotations

import threading

_started = threading.Event()


def _warm() -> None:
    import pandas  # noqa: F401  # plotly and Streamlit's dataframe serialisation import it lazily
    import plotly.graph_objects as go
    import plotly.io as pio
    import polars as pl
    import pyarrow  # noqa: F401

    pio.to_json(go.Figure(go.Bar(x=[1], y=[1])))
    pl.DataFrame({"a": [1]}).to_arrow()


def start() -> None:
    """Start warming (no-op after the first call in this process)."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_warm, name="voxlink-warmup", daemon=True).start()

"""Work done once per server process, in the background, so that no click pays for it.

Started by the shell on its first run (while the sign-in form is on screen):
- the user database's driver and engine (psycopg, the embedded server's helpers, argon2, the first
  connection: ~1.2 s that the first sign-in of the process paid), first since the sign-in comes first;
- every module the pages import (read from their source, so a new page is covered without a list here), and
  the lazy pandas/pyarrow parts the first chart and table need (~1.5-2 s, DEPENDENCIES.md);
- the page modules themselves (the prefetch imports them for their ``READS``) and the few modules imported on
  a first use (``FIRST_USE_IMPORTS``): their own time is small (~30 ms), but with Streamlit's source watcher
  on (``server.fileWatcherType``; off in the app's .streamlit/config.toml, on in a development run), after any
  script run in which ``sys.modules`` grew it walks the path of every loaded module (~2,000) on the event
  loop before the run's end reaches the browser: 0.13 s alone, 0.25-0.3 s sampled in the server, once per
  session for each run that followed new imports (the wallboard, first visited after a sign-in, paid it);
- plotly's per-trace validators, loaded on a type's first figure (~40 ms each for bars, lines, heatmaps);
- what the first formatted table and the first polars frame shown need: pandas' Styler (which imports jinja2,
  0.4-0.55 s on the first Call status or Abandon rate visit) and polars' conversion to pandas (~0.35 s on the
  wallboard's first agents table);
- the read-only connection to the served warehouse (20-30 ms to open);
- then ``gc.freeze()``. Streamlit collects garbage after every script run (``runner.postScriptGC``); with the
  ~220 k long-lived objects those imports leave, each full collection took 150-350 ms on the script thread,
  holding the GIL while the run's last messages waited to be sent: about half of every page change.
  Frozen objects are skipped by later collections; what each run allocates is still collected.
Between its steps it waits while a script run is under way (app/shell/foreground.py): a click goes first.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import importlib
import threading
from datetime import UTC, datetime
from pathlib import Path

from app.shell import foreground

PAGES_DIR = Path(__file__).resolve().parents[1] / "app_pages"

# Imported by a first use rather than by a page's imports; each one first imported during a page run cost that
# run the source watcher's walk (see above).
FIRST_USE_IMPORTS = (
    "streamlit.material_icon_names",  # the first ":material/…:" icon checked (the freshness banner's st.error)
    "streamlit.dataframe.lazy_df_adapters",  # the first st.dataframe (the wallboard's agents)
    "data_tests.store",  # app.queries.health's reads (the Data health page, and the prefetch of it)
)

_started = threading.Event()
done = threading.Event()  # set when the warm-up has finished


def page_imports(pages_dir: Path = PAGES_DIR) -> list[str]:
    """The modules the page scripts import (``from app import x`` names ``app.x`` when that is a module)."""
    names: set[str] = set()
    for script in sorted(pages_dir.glob("*.py")):
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return sorted(names - {"__future__"})


def page_modules(pages_dir: Path = PAGES_DIR) -> list[str]:
    """The page scripts as modules (``app.app_pages.wallboard``), as the prefetch imports them."""
    scripts = sorted(pages_dir.glob("*.py"))
    return [f"app.app_pages.{script.stem}" for script in scripts if script.stem != "__init__"]


def _import_pages() -> None:
    for name in [*page_imports(), *page_modules(), *FIRST_USE_IMPORTS]:
        foreground.wait_for_quiet()  # a sign-in or a page run under way goes first
        # ``from m import function`` also lists ``m.function``, which is not a module
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def _draw_once() -> None:
    """One small figure of each trace type and a table through Arrow: loads what the first ones load."""
    import pandas  # noqa: F401  # plotly and Streamlit's dataframe serialisation import it lazily
    import plotly.graph_objects as go
    import plotly.io as pio
    import polars as pl
    import pyarrow  # noqa: F401

    for trace in (
        go.Bar(x=[1], y=[1], orientation="h", marker_color="#000", hovertemplate="%{x}"),
        go.Scatter(x=[1], y=[1], mode="lines+markers", line={"color": "#000"}, hovertemplate="%{y}"),
        go.Heatmap(z=[[1]], x=["a"], y=["b"], colorscale="Reds", hoverongaps=False, colorbar={"title": "t"}),
    ):
        figure = go.Figure(trace)
        figure.add_hline(y=1, line_dash="dash", annotation_text="limit")
        figure.update_xaxes(type="date", tickformat="%b %d", title="x")
        figure.update_yaxes(tickformat=".0%", rangemode="tozero", autorange="reversed", title="y")
        figure.update_layout(barmode="stack", height=200, margin={"l": 0}, legend={"orientation": "h"})
        pio.to_json(figure)
    frame = pl.DataFrame({"a": [1], "at": [datetime.now(UTC)], "name": ["x"]})
    frame.to_arrow()
    shown = frame.to_pandas()  # st.dataframe converts a polars frame this way
    # app.display.layout formats its tables with a Styler, which Streamlit computes and translates as here
    shown.style.format({"a": "{:,}"}, na_rep="").to_html()


def _open_user_database() -> None:
    """The sign-in's and the wallboard's database: its driver imported and one pooled connection made."""
    from sqlalchemy.exc import SQLAlchemyError

    import operational.users  # noqa: F401  # argon2 and the user queries, needed by the first sign-in
    from operational.database import DatabaseNotRunning, get_engine

    # not running yet (the sign-in form says so): the first sign-in opens it instead
    with contextlib.suppress(DatabaseNotRunning, OSError, SQLAlchemyError), get_engine(start=False).connect():
        pass


def _open_warehouse() -> None:
    from voxlink import warehouse

    with contextlib.suppress(warehouse.WarehouseMissing):  # nothing published yet: the shell says so
        warehouse.open_both()


def warm() -> None:
    """Everything above, in this thread (``start`` runs it in a background thread)."""
    try:
        _open_user_database()  # first: the sign-in form is on screen, the sign-in is the first click
        _import_pages()
        foreground.wait_for_quiet()
        _draw_once()
        _open_warehouse()
    finally:
        gc.collect()  # what the imports left as garbage is freed first, then the rest is frozen
        gc.freeze()
        done.set()


def start() -> None:
    """Start warming (no-op after the first call in this process)."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=warm, name="voxlink-warmup", daemon=True).start()

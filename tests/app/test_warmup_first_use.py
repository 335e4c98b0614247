"""The server's warm-up loads what a page's or a sign-in's first use would otherwise pay for on the click.

Each check runs the warm-up in a new interpreter, where nothing is imported yet, so what it leaves loaded is
what the warm-up itself loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FIRST_USE_MODULES = (
    "pandas.io.formats.style",  # the first formatted table (app.display.layout) imports jinja2 through it
    "jinja2",
    "pyarrow.pandas_compat",  # the first polars frame shown (st.dataframe converts it to pandas)
    "psycopg",  # the sign-in's and the wallboard's database driver
    "argon2",
    "operational.users",
    # imported on a first use: a page run that imports a module pays Streamlit's source-watcher walk after it
    "streamlit.material_icon_names",
    "streamlit.dataframe.lazy_df_adapters",
    "data_tests.store",
    "app.app_pages.wallboard",  # the page modules, as the prefetch imports them
    "app.app_pages.overview",
)
PROBE = """
import json, sys
from app.shell import warmup
before = set(sys.modules)
warmup.warm()
from operational.database import get_engine
try:
    pooled = get_engine(start=False).pool.checkedin()
except Exception as error:
    pooled = type(error).__name__
print(json.dumps({"loaded": sorted(set(sys.modules) - before), "pooled": pooled}))
"""


def _warm_in_new_process(tmp_path: Path, **env: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if k != "VOXLINK_DATABASE_URL"}
    environ.update(VOXLINK_HOME=str(tmp_path / "home"), **env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, env=environ, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_warmup_loads_the_table_styler_the_frame_conversion_and_the_user_database(
    tmp_path: Path, db_url: str
) -> None:
    result = _warm_in_new_process(tmp_path, VOXLINK_DATABASE_URL=db_url)
    assert set(FIRST_USE_MODULES) <= set(result["loaded"])
    assert result["pooled"] == 1  # one connection made and back in the pool for the first sign-in


def test_warmup_without_a_running_user_database_still_loads_the_rest(tmp_path: Path) -> None:
    result = _warm_in_new_process(tmp_path)  # an embedded home whose server was never started
    assert {"pandas.io.formats.style", "jinja2", "pyarrow.pandas_compat"} <= set(result["loaded"])
    assert result["pooled"] == "DatabaseNotRunning"

"""The SQL of dbt's metric functions (the macro ``create_metric_functions``), rendered by dbt for DuckDB.

A refresh creates them through dbt's on-run-start hook and the publish carries them into the served file; a
warehouse file built some other way (a benchmark's, a test's) gets the same definitions from here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from voxlink.settings import REPO_ROOT


class RenderFailed(RuntimeError):
    """dbt could not render the metric functions."""


def metric_functions_sql(scratch_db: Path, target: Path) -> str:
    """Render the functions; dbt connects to ``scratch_db`` (never a file someone holds) and writes to ``target``."""
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [str(dbt) if dbt.exists() else "dbt", "compile", "--quiet", "--profiles-dir", ".",
         "--target-path", str(target), "--inline", "{{ create_metric_functions() }}"],
        cwd=REPO_ROOT / "transforms", env=dict(os.environ, VOXLINK_WORKING_DB=str(scratch_db)),
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if result.returncode != 0:
        raise RenderFailed(result.stdout[-4000:] + result.stderr[-2000:])
    return result.stdout

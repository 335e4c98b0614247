"""dbt's metric functions for tests that build a warehouse file by hand instead of through a refresh."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from voxlink.settings import REPO_ROOT


def hook_sql(working: Path, target: Path) -> str:
    """The SQL of dbt's on-run-start hook (``create_metric_functions``) as dbt renders it for DuckDB."""
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "compile",
            "--quiet",
            "--profiles-dir",
            ".",
            "--target-path",
            str(target),
            "--inline",
            "{{ create_metric_functions() }}",
        ],  # fmt: skip
        cwd=REPO_ROOT / "transforms",
        env=dict(os.environ, VOXLINK_WORKING_DB=str(working)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return result.stdout

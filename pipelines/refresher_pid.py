"""Whether a warm refresher runs in this home: its owner-only pid file.

Kept apart from :mod:`pipelines.warm_refresher` so the Dagster schedule (``pipelines.definitions``) can ask
without importing the refresher, which imports the refresh, which builds the definitions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from voxlink.files import write_private_text
from voxlink.settings import get_settings

PID_FILE = "warm_refresher.pid"


def pid_path() -> Path:
    return get_settings().state_dir / PID_FILE


def running_refresher() -> int | None:
    """The pid of this home's live warm refresher, if one runs (the Dagster schedule then leaves it the refreshes)."""
    try:
        pid = int(pid_path().read_text())
    except (FileNotFoundError, ValueError):
        return None
    return pid if psutil.pid_exists(pid) else None


@contextmanager
def refresher_claim() -> Iterator[None]:
    """This process is the home's warm refresher while the block runs; the file goes when it ends."""
    path = pid_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_private_text(path, str(os.getpid()))
    try:
        yield
    finally:
        path.unlink(missing_ok=True)

"""A throw-away embedded PostgreSQL with the product schema, for benchmarks (``with throwaway_database()``)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def throwaway_database(prefix: str = "voxlink-bench-") -> Iterator[tuple[Path, str]]:
    """``(home, SQLAlchemy URL)`` of a fresh, migrated database under a temporary VOXLINK_HOME; all removed after."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["VOXLINK_HOME"] = str(home)
    os.environ.pop("VOXLINK_DATABASE_URL", None)
    from operational import database
    from voxlink.settings import get_settings

    try:
        socket_dir = database.start_embedded(home / "pgdata", cleanup_mode="stop")
        url = f"postgresql+psycopg://postgres@/voxlink?host={socket_dir}"
        database.ensure_database(url)
        database.migrate(url)
        yield home, url
    finally:
        database.engine_for.cache_clear()
        try:
            get_settings.cache_clear()  # the settings of this home, whose pgdata the server runs on
            database.stop_embedded()
        except Exception as err:  # noqa: BLE001 - best effort clean-up of a throw-away server
            print(f"(could not stop the bench server: {err})", file=sys.stderr)
        shutil.rmtree(home, ignore_errors=True)

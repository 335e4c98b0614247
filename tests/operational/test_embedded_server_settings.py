"""The embedded PostgreSQL runs with the write-throughput settings, and durability left whole."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg

from operational import database
from voxlink.settings import Settings

_RUNS_WITH = """
select name, current_setting(name) from pg_settings
where name in ('wal_buffers', 'max_wal_size', 'min_wal_size', 'checkpoint_timeout', 'wal_compression',
               'fsync', 'full_page_writes', 'synchronous_commit')
order by name
"""


def _settings(socket_dir: Path) -> dict[str, str]:
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres") as conn:
        return dict(conn.execute(_RUNS_WITH).fetchall())


def test_a_new_embedded_server_runs_with_the_write_settings_and_every_durability_setting_on() -> None:
    home = Path(tempfile.mkdtemp(prefix="voxlink-settings-"))
    try:
        first = _settings(database.start_embedded(home / "pgdata", cleanup_mode="stop"))
        database.stop_embedded(Settings(home=home))
        again = _settings(database.start_embedded(home / "pgdata", cleanup_mode="stop"))  # kept across starts
    finally:
        database.stop_embedded(Settings(home=home))
        shutil.rmtree(home, ignore_errors=True)
    expected = {
        "checkpoint_timeout": "15min",
        "fsync": "on",
        "full_page_writes": "on",
        "max_wal_size": "4GB",
        "min_wal_size": "1GB",
        "synchronous_commit": "on",
        "wal_buffers": "16MB",  # only a start reads it: the first start restarted once for it
        "wal_compression": "off",
    }
    assert first == expected
    assert again == expected

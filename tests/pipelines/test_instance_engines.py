"""The Dagster home's SQLite storages keep one engine per file for the process, not one per connection."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from pipelines.refresh import prepare_dagster_home
from tests.conftest import product_environment


@dg.asset
def probe_asset() -> None:
    """Stands in for the refresh's assets: a run writing run, step and materialization events."""


def test_a_run_stored_in_the_dagster_home_reuses_one_engine_per_sqlite_file(tmp_path: Path) -> None:
    with product_environment(VOXLINK_HOME=str(tmp_path)):
        os.environ.pop("VOXLINK_DATABASE_URL", None)  # the embedded default: the instance in SQLite files
        engines, opened, stored = run_probe()
    assert len(stored) >= 8  # run start, step start, output, materialization, step success, run success, …
    assert len(opened) >= 2 * len(stored)  # every stored event opens its own connection(s), as before
    per_file = Counter(Path(e.url.database or "").name for e in engines)
    # a few engines for each file, made as the instance opened; Dagster alone builds one per connection (measured:
    # 13 for the run's file, 12 for the index, 44 for runs.db and 12 for schedules.db, holding the slots)
    assert per_file[f"{stored[0].run_id}.db"] == 1
    assert per_file["index.db"] + per_file["runs.db"] + per_file["schedules.db"] <= 8


def run_probe() -> tuple[set[sa.Engine], list[int], list]:
    """Every engine a probe run's storage connected through, the connections made and the events stored."""
    prepare_dagster_home()
    engines: set[sa.Engine] = set()
    opened: list[int] = []

    def on_connect(connection: sa.Connection) -> None:
        engines.add(connection.engine)
        opened.append(1)

    sa.event.listen(sa.Engine, "engine_connect", on_connect)
    try:
        with dg.DagsterInstance.get() as instance:
            job = dg.Definitions(assets=[probe_asset]).resolve_implicit_global_asset_job_def()
            result = job.execute_in_process(instance=instance)
            assert result.success
            stored = list(instance.all_logs(result.run_id))
    finally:
        sa.event.remove(sa.Engine, "engine_connect", on_connect)
    return engines, opened, stored

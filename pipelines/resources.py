"""Dagster resources: the operational database, the warehouse files and dbt, all from the product settings."""

from __future__ import annotations

import importlib.metadata
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from packaging import version
from pydantic import PrivateAttr

from voxlink.settings import get_settings

DUCKDB_POOL = "duckdb_writer"  # DuckDB has one writer: every asset writing the working file runs in this pool


class OperationalDatabase(dg.ConfigurableResource):
    """The PostgreSQL system of record the extract assets read from."""

    url: str

    def connectorx_uri(self) -> str:
        from operational.database import libpq_uri

        return libpq_uri(self.url)


class Warehouse(dg.ConfigurableResource):
    """The private working DuckDB file (dbt builds into it) and the served file readers open.

    Every asset of the refresh writes through this resource, so its set-up, once per run process, is where the
    run is tagged with the process that owns it and starts its heartbeat (:mod:`pipelines.run_guard`): the next
    refresh can then tell a dead run from a live one.
    """

    working_path: str
    served_path: str
    _heartbeat: Any = PrivateAttr(default=None)
    _in_run: bool = PrivateAttr(default=False)
    _open: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        from pipelines.run_guard import Heartbeat

        run = context.run
        if context.instance is not None and run is not None:
            self._heartbeat = Heartbeat(context.instance, run.run_id).start()
        self._in_run = True

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.release()
        self._in_run = False
        if self._heartbeat is not None:
            self._heartbeat.stop()

    @contextmanager
    def working(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the working file: within a run, a cursor of one connection kept between its steps.

        The extract assets and checks each used to open the file and close it again (~36 times a refresh; at
        10 M some 20-70 ms each, and every close after a write checkpoints). The steps run one after another in
        this process (one DuckDB writer), so they share one; :meth:`release` closes it before anything else
        opens the file (dbt, the publish's attach). Outside a run each use opens and closes its own.
        """
        Path(self.working_path).parent.mkdir(parents=True, exist_ok=True)
        if not self._in_run:
            with duckdb.connect(self.working_path) as con:
                yield con
            return
        if self._open is None:
            self._open = duckdb.connect(self.working_path)
        cursor = self._open.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def release(self) -> None:
        """Close the run's kept connection (a checkpoint writes what it changed): dbt or the publish opens the file
        next with a connection of its own (dbt's adapter, or a ``dbt`` process whose lock one kept here would refuse)."""
        if self._open is not None:
            self._open.close()
            self._open = None


class LocalDbt(DbtCliResource):
    """``DbtCliResource`` for the dbt installed in this environment, without two per-run start-up costs.

    The stock resource runs ``dbt --version`` in a subprocess every run (about 4 s here) although the
    executable is this environment's own dbt-core, and builds a dbt adapter inside the Dagster process
    (1.5–2.5 s) that only column-metadata features use, which this project does not.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None


def dbt_executable() -> str:
    """dbt from this environment, whether or not the environment is on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def build_resources() -> dict[str, object]:
    from operational.database import server_url

    settings = get_settings()
    # profiles.yml reads the working file's path from the environment the dbt subprocess inherits.
    os.environ["VOXLINK_WORKING_DB"] = str(settings.working_db)
    return {
        "operational_db": OperationalDatabase(url=server_url(settings)),
        "warehouse": Warehouse(working_path=str(settings.working_db), served_path=str(settings.served_db)),
        "dbt": LocalDbt(
            project_dir=str(settings.transforms_dir),
            profiles_dir=str(settings.transforms_dir),
            dbt_executable=dbt_executable(),
        ),
    }

"""Dagster resources: the operational database, the warehouse files and dbt, all from the product settings."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from voxlink.settings import get_settings

DUCKDB_POOL = "duckdb_writer"  # DuckDB has one writer: every asset writing the working file runs in this pool


class OperationalDatabase(dg.ConfigurableResource):
    """The PostgreSQL system of record the extract assets read from."""

    url: str

    def connectorx_uri(self) -> str:
        from operational.database import libpq_uri

        return libpq_uri(self.url)


class Warehouse(dg.ConfigurableResource):
    """The private working DuckDB file (dbt builds into it) and the served file readers open."""

    working_path: str
    served_path: str

    @contextmanager
    def working(self) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.working_path).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.working_path)
        try:
            yield con
        finally:
            con.close()


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
        "dbt": DbtCliResource(
            project_dir=str(settings.transforms_dir),
            profiles_dir=str(settings.transforms_dir),
            dbt_executable=dbt_executable(),
        ),
    }

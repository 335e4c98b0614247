"""dbt assets: the transforms/ project built on the working DuckDB file; dbt tests become asset checks."""

# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

import json
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines.resources import DUCKDB_POOL
from voxlink.settings import get_settings

dbt_project = DbtProject(
    project_dir=get_settings().transforms_dir, profiles_dir=get_settings().transforms_dir
)
# Parses only under `dagster dev`; elsewhere the manifest comes from `dbt parse` at set-up (see Makefile).
dbt_project.prepare_if_dev()


class LayerTranslator(DagsterDbtTranslator):
    """Groups dbt models by layer (staging, marts, reports) so the asset graph reads left to right."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return "raw"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "warehouse"


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False
    refresh_at: str = ""  # ISO instant open agent-status intervals run to; empty = the build's own clock


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=LayerTranslator(),
    pool=DUCKDB_POOL,
)
def warehouse_models(
    context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    args = ["build"] + (["--full-refresh"] if config.full_refresh else [])
    if config.refresh_at:
        args += ["--vars", json.dumps({"refresh_at": config.refresh_at})]
    yield from dbt.cli(args, context=context).stream()

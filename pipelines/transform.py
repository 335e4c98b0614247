"""dbt assets: the transforms/ project built on the working DuckDB file; dbt tests become asset checks."""

# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines.process_env import environment
from pipelines.resources import DUCKDB_POOL, Warehouse
from pipelines.tested import published_loads
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


# Models whose rows carry their raw row's `_loaded_at` and whose tests hold row by row (see the macro
# get_where_subquery): in an incremental build their tests read only the rows loaded since the last publish.
TESTED_FROM_RAW = {
    "stg_calls": "calls",
    "fct_calls": "calls",
    "stg_messages": "messages",
    "fct_messages": "messages",
    "stg_agent_status_events": "agent_status_events",
}


def build_environment(config: "DbtBuildConfig", served: Path) -> dict[str, str]:
    """What a build reads from its environment: the refresh instant and, unless it is a full build, what the
    served warehouse was already tested from (see the macros ``refresh_at`` and ``get_where_subquery``).

    Environment variables, not ``--vars``: dbt re-parses the whole project whenever its vars change.
    """
    since: dict[str, str] = {}
    if not config.full_refresh:
        through = published_loads(served)
        since = {model: through[raw].isoformat() for model, raw in TESTED_FROM_RAW.items() if raw in through}
    return {"VOXLINK_REFRESH_AT": config.refresh_at, "VOXLINK_TESTS_LOADED_AFTER": json.dumps(since)}


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
    context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig, warehouse: Warehouse
) -> Iterator[Any]:
    variables = build_environment(config, Path(warehouse.served_path))
    args = ["build"] + (["--full-refresh"] if config.full_refresh else [])
    if variables["VOXLINK_TESTS_LOADED_AFTER"] != "{}":
        # dbt's unit tests check the models' logic on fixed inputs, not the data: the first and every full
        # build of a warehouse runs them, an incremental one on top of a tested publish need not again
        args += ["--exclude", "resource_type:unit_test"]
    with environment(variables):
        yield from dbt.cli(args, context=context).stream()

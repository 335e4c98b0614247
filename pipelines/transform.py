"""dbt assets: the transforms/ project built on the working DuckDB file; dbt tests become asset checks."""

# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines.process_env import environment
from pipelines.resources import DUCKDB_POOL, Warehouse
from pipelines.tested import published_loads, sources_with_new_rows
from voxlink.settings import get_settings

dbt_project = DbtProject(
    project_dir=get_settings().transforms_dir, profiles_dir=get_settings().transforms_dir
)
# Parses only under `dagster dev`; elsewhere the manifest comes from `dbt parse` at set-up (see Makefile).
dbt_project.prepare_if_dev()


def project_shape(manifest_text: bytes | str) -> str:
    """A digest of the dbt project's nodes, sources and unit tests as a manifest describes them, without the
    instants each parse stamps anew: two parses of the same project give the same digest, whatever home."""

    def unstamped(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: unstamped(v) for k, v in value.items() if k != "created_at"}
        if isinstance(value, list):
            return [unstamped(v) for v in value]
        return value

    manifest = json.loads(manifest_text)
    parts = {key: unstamped(manifest.get(key)) for key in ("nodes", "sources", "unit_tests")}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


class _LoadedProject:
    """The project this process's dbt assets and checks were made from (read with them, at import)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stamp = path.stat().st_mtime_ns if path.exists() else 0
        self.shape = project_shape(path.read_bytes()) if path.exists() else ""

    def outdated(self) -> bool:
        """Whether the manifest now describes another project than the one loaded (checked only when its file
        changed). A long-lived process then runs dbt on models or tests its Dagster assets do not know: dbt's
        events for them fail the run (dagster-dbt looks each one up in the manifest it was made from)."""
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return False
        if stamp == self.stamp:
            return False
        if project_shape(self.path.read_bytes()) != self.shape:
            return True
        self.stamp = stamp  # parsed again, the same project: the next check is a stat
        return False


loaded_project = _LoadedProject(dbt_project.manifest_path)


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

# Report models whose rows are per (account_id, date) and keep the newest `_loaded_at` aggregated into each: the
# incremental ones replace whole days, and rpt_abandon_rate_daily (rebuilt whole from the interval table) gives an
# untouched day the very rows it had. In an incremental build their tests read every row of each day holding a row
# loaded since the last publish (the days this build changed); the other days' rows are the published, tested ones.
TESTED_BY_DAY = {
    "rpt_call_status_daily": "calls",
    "rpt_abandon_rate_interval": "calls",
    "rpt_abandon_rate_daily": "calls",
    "rpt_outgoing_calls_daily": "calls",
    "rpt_dispositions_daily": "calls",
    "rpt_agent_daily": "calls",
    "rpt_dialer_daily": "calls",
    "rpt_messages_daily": "messages",
}


# Models that change without new rows: open agent-status intervals run to the refresh instant, so they are rebuilt
# (with what reads them) by every refresh that builds anything.
CLOCK_DRIVEN = "fct_agent_status_intervals"


def build_exclusion(manifest: Mapping[str, Any], reached: list[str]) -> list[str]:
    """dbt ``--exclude`` arguments leaving out every model no new row reaches (see :func:`reached_models`).

    An exclusion, not ``--select source:raw.<table>+``: dagster-dbt adds its own ``--select`` of the run's
    assets after ours, and dbt keeps only the last one.
    """
    skipped = [name for name in models_in_order(manifest) if name not in reached]
    return ["--exclude", " ".join(skipped)] if skipped else []


def build_environment(config: "DbtBuildConfig", served: Path) -> dict[str, str]:
    """What a build reads from its environment: the refresh instant and, unless it is a full build, what the
    served warehouse was already tested from, per model tested row by row (``TESTED_FROM_RAW``) or day by day
    (``TESTED_BY_DAY``) (see the macros ``refresh_at`` and ``get_where_subquery``).

    Environment variables, not ``--vars``: dbt re-parses the whole project whenever its vars change.
    """
    through = {} if config.full_refresh else published_loads(served)

    def since(models: dict[str, str]) -> str:
        return json.dumps(
            {model: through[raw].isoformat() for model, raw in models.items() if raw in through}
        )

    return {
        "VOXLINK_REFRESH_AT": config.refresh_at,
        "VOXLINK_TESTS_LOADED_AFTER": since(TESTED_FROM_RAW),
        "VOXLINK_TESTS_DAYS_LOADED_AFTER": since(TESTED_BY_DAY),
    }


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
    served = Path(warehouse.served_path)
    variables = build_environment(config, served)
    args = ["build"] + (["--full-refresh"] if config.full_refresh else [])
    if not config.full_refresh:
        with warehouse.working() as con:
            changed = sources_with_new_rows(con, served)
        if changed is not None:
            manifest = json.loads(dbt_project.manifest_path.read_text())
            reached = reached_models(manifest, changed)
            yield from _unchanged(context, manifest, reached)
            if not reached:
                context.log.info("no rows loaded since the last publish: nothing to build")
                return
            args += build_exclusion(manifest, reached)
            context.log.info(f"new rows in {', '.join(changed)}: building {', '.join(reached)}")
    warehouse.release()  # dbt opens the working file with its own connection (in this process or a child)
    if variables["VOXLINK_TESTS_LOADED_AFTER"] != "{}":
        # dbt's unit tests check the models' logic on fixed inputs, not the data: the first and every full
        # build of a warehouse runs them, an incremental one on top of a tested publish need not again
        args += ["--exclude", "resource_type:unit_test"]
    with environment(variables):
        invocation = dbt.cli(args, context=context)
        try:
            yield from invocation.stream()
        finally:
            prune_targets(invocation.target_path)


class _UnbuiltModelsChecks(logging.Filter):
    """Drops Dagster's warning that a blocking check of ``warehouse_models`` emitted no result.

    An incremental refresh builds only the models new rows reach: the tests of the others do not run that time
    (they passed when their rows were built), and Dagster would say so once per check on every refresh.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "emitted no result in step 'warehouse_models'" not in record.getMessage()


logging.getLogger("dagster._core.execution.plan.active").addFilter(_UnbuiltModelsChecks())


KEPT_TARGETS = 3  # the newest builds' target folders (run_results.json, dbt.log, compiled SQL) kept to read
STALE_AFTER_SECONDS = 600  # older than any build: another home's build running now is never removed under it


def prune_targets(newest: Path, keep: int = KEPT_TARGETS, now: float | None = None) -> list[Path]:
    """Remove this step's dbt target folders beside ``newest`` beyond the ``keep`` most recent and untouched
    for ``STALE_AFTER_SECONDS``; return what was removed.

    dagster-dbt gives every build a folder of its own under the project's ``target/`` (~8 MB: manifest, partial
    parse state, compiled SQL, log) and never removes it: a refresh every minute would fill the disk. Homes
    share the project, so a folder may be another home's build in progress: only old ones go.
    """
    prefix = newest.name.split("-", 1)[0] + "-"
    folders = [f for f in newest.parent.glob(prefix + "*") if f.is_dir()] if newest.parent.exists() else []
    folders.sort(key=lambda f: f.stat().st_mtime, reverse=True)
    cutoff = (time.time() if now is None else now) - STALE_AFTER_SECONDS
    stale = [f for f in folders[keep:] if f != newest and f.stat().st_mtime < cutoff]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


def incremental_keys() -> dict[str, tuple[str, ...]]:
    """Each model dbt builds incrementally → its ``unique_key`` (what a delete+insert replaces), from the manifest.

    The publish brings these tables up to date by the same keys instead of copying them whole. Read again only
    when the manifest file changes; without a manifest, none (every table is then copied whole).
    """
    path = dbt_project.manifest_path
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    if _keys_cache.get("stamp") != stamp:
        nodes = json.loads(path.read_text())["nodes"].values()
        _keys_cache.update(stamp=stamp, keys={
            node["name"]: tuple([key] if isinstance(key, str) else key)
            for node in nodes
            if node["resource_type"] == "model" and node["config"].get("materialized") == "incremental"
            and (key := node["config"].get("unique_key"))
        })  # fmt: skip
    return dict(_keys_cache["keys"])


_keys_cache: dict[str, Any] = {}


def reached_models(manifest: Mapping[str, Any], changed: list[str]) -> list[str]:
    """Names of the models new rows in the raw tables ``changed`` reach — and the clock-driven ones, unless
    nothing changed — in the project's dependency order (what ``--select source:raw.<table>+`` builds)."""
    if not changed:
        return []
    starts = [
        uid
        for uid, src in manifest["sources"].items()
        if src["source_name"] == "raw" and src["name"] in changed
    ]
    starts += [uid for uid, node in manifest["nodes"].items() if node["name"] == CLOCK_DRIVEN]
    reached = {uid for uid in starts if uid.startswith("model.")}
    while starts:
        uid = starts.pop()
        for child in manifest["child_map"].get(uid, []):
            if child not in reached:
                reached.add(child)
                starts.append(child)
    return [
        name
        for name in models_in_order(manifest)
        if f"model.{manifest['metadata']['project_name']}.{name}" in reached
    ]


def models_in_order(manifest: Mapping[str, Any]) -> list[str]:
    """Every model's name, each after the models it reads."""
    ordered: list[str] = []
    done: set[str] = set()

    def visit(uid: str) -> None:
        if uid in done:
            return
        done.add(uid)
        for parent in manifest["parent_map"].get(uid, []):
            visit(parent)
        if manifest["nodes"].get(uid, {}).get("resource_type") == "model":
            ordered.append(manifest["nodes"][uid]["name"])

    for uid in sorted(manifest["nodes"]):
        visit(uid)
    return ordered


def _unchanged(
    context: AssetExecutionContext, manifest: Mapping[str, Any], reached: list[str]
) -> Iterator[Any]:
    """The selected models no new row reaches, as outputs marked ``rebuilt: false`` in dependency order: what
    the working file holds from the last build is still current.

    Without them Dagster would skip the publish, which runs only once every upstream output was yielded; they
    come before dbt's own, as Dagster wants a multi-asset's outputs in dependency order.
    """
    selected = {key.path[-1]: key for key in context.selected_asset_keys}
    for name in models_in_order(manifest):
        if name in selected and name not in reached:
            output = context.assets_def.get_output_name_for_asset_key(selected[name])
            yield dg.Output(None, output_name=output, metadata={"rebuilt": False})

"""Snapshot of the Dagster graph: unintended changes to assets, checks, jobs or schedules show up here.

After an intended change, refresh the snapshot with ``VOXLINK_UPDATE_SNAPSHOTS=1 pytest tests/pipelines``;
a missing snapshot fails (it is never written silently).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import dagster as dg
import pytest

SNAPSHOT = Path(__file__).with_name("definitions_snapshot.json")
REGENERATE = (
    "regenerate it deliberately with `VOXLINK_UPDATE_SNAPSHOTS=1 pytest tests/pipelines/test_definitions.py`"
)


@pytest.fixture(scope="module")
def defs(db_url: str) -> dg.Definitions:
    from cli.dagster_definitions import build_definitions  # the code location the daemon loads

    return build_definitions()


def graph_summary(defs: dg.Definitions) -> dict[str, list[str]]:
    graph = defs.resolve_asset_graph()
    return {
        "assets": sorted(k.to_user_string() for k in graph.get_all_asset_keys()),
        "checks": sorted(f"{c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys),
        "jobs": sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")),
        "schedules": sorted(s.name for s in defs.schedules or []),
        "sensors": sorted(s.name for s in defs.sensors or []),
    }


def test_graph_matches_snapshot(defs: dg.Definitions) -> None:
    summary = graph_summary(defs)
    if os.environ.get("VOXLINK_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(summary, indent=2) + "\n")
    assert SNAPSHOT.exists(), f"{SNAPSHOT.name} is missing: {REGENERATE}"
    assert summary == json.loads(SNAPSHOT.read_text()), f"the graph changed; if intended, {REGENERATE}"


def test_a_missing_snapshot_fails_and_says_how_to_regenerate(defs: dg.Definitions, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(sys.modules[__name__], "SNAPSHOT", tmp_path / "definitions_snapshot.json")
    monkeypatch.delenv("VOXLINK_UPDATE_SNAPSHOTS", raising=False)

    with pytest.raises(AssertionError, match="VOXLINK_UPDATE_SNAPSHOTS=1"):
        test_graph_matches_snapshot(defs)
    assert not (tmp_path / "definitions_snapshot.json").exists()  # nothing written behind the reader's back


def test_lineage_runs_from_postgres_extracts_to_the_served_file(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    parents = {key.to_user_string(): {p.to_user_string() for p in graph.get(key).parent_keys}
               for key in graph.get_all_asset_keys()}  # fmt: skip
    assert "raw/calls" in parents["stg_calls"]  # dbt source raw.calls is the extract asset
    assert "stg_calls" in parents["fct_calls"]
    assert "rpt_call_status_daily" in parents["served_warehouse"]


def test_every_warehouse_writer_shares_one_pool(defs: dg.Definitions) -> None:
    from pipelines.resources import DUCKDB_POOL

    graph = defs.resolve_asset_graph()
    writers = [graph.get(k) for k in graph.get_all_asset_keys() if not graph.get(k).is_external]
    pools = {node.key.to_user_string(): node.pools for node in writers if node.is_materializable}
    assert pools and all(DUCKDB_POOL in p for p in pools.values()), pools

"""Every export equals the metric catalogue on hand-built events, shuffled and duplicated, across a DST change."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from cli.main import main
from exports.report_specs import REPORTS
from operational.accounts import create_account
from pipelines.refresh import run_refresh
from tests.transforms.metric_cases import END, EVENTS, EXPECTED, REFRESH_AT, START

REFRESH = datetime.fromisoformat(REFRESH_AT)


def write_events(path: Path, events: list[dict], seed: int) -> Path:
    rng = random.Random(seed)
    delivered = events + rng.sample(events, len(events) // 2)
    rng.shuffle(delivered)
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in delivered))
    return path


def export(report: str, capsys: pytest.CaptureFixture[str], account: str = "metrics") -> str:
    capsys.readouterr()
    assert main(["export", report, "--account", account, "--start", START, "--end", END]) == 0
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def warehouse_built(engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("metrics")
    create_account(engine, "metrics", "America/New_York")
    create_account(engine, "neighbour", "America/New_York")
    # Half the events first, refreshed incrementally, then the rest: the incremental path must end where
    # a single full build does.
    half = len(EVENTS) // 2
    first, second = (
        write_events(folder / "a.jsonl", EVENTS[:half], 1),
        write_events(folder / "b.jsonl", EVENTS[half:], 2),
    )
    assert main(["ingest", str(first), "--account", "metrics", "--quiet"]) == 0
    run_refresh(refresh_at=REFRESH)
    assert main(["ingest", str(second), "--account", "metrics", "--quiet"]) == 0
    # a neighbour with the very same events must not leak into any of metrics' reports
    neighbour = [dict(e, event_id=f"n-{e['event_id']}") for e in EVENTS[:40]]
    assert main(["ingest", str(write_events(folder / "n.jsonl", neighbour, 3)), "--account", "neighbour",
                 "--quiet"]) == 0  # fmt: skip
    run_refresh(refresh_at=REFRESH)


@pytest.mark.parametrize("report", sorted(EXPECTED))
def test_export_equals_hand_computed_catalogue(warehouse_built: None, report: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    assert export(report, capsys) == EXPECTED[report]


def test_every_report_is_covered() -> None:
    assert set(EXPECTED) == set(REPORTS)


def test_full_rebuild_equals_incremental(warehouse_built: None, capsys: pytest.CaptureFixture[str]) -> None:
    incremental = {report: export(report, capsys) for report in sorted(REPORTS)}
    run_refresh(full=True, refresh_at=REFRESH)
    assert {report: export(report, capsys) for report in sorted(REPORTS)} == incremental

"""A refresh's figures: Dagster's own share is the run's time outside its steps, not the set-up before the run."""

from __future__ import annotations

import pytest

from pipelines.refresh import RefreshResult


def test_dagster_share_leaves_out_the_set_up_and_the_wait_before_the_run() -> None:
    # 12 s in all: 7 s building the definitions and waiting for an earlier run, then a 5 s run whose
    # steps took 3 + 1.5 s: Dagster's own share is the 0.5 s of the run outside them, not 12 − 4.5 = 7.5 s
    result = RefreshResult(
        12.0, {"raw__calls": 1.5, "warehouse_models": 3.0}, 4, setup_seconds=7.0, run_seconds=5.0
    )
    assert result.dagster_seconds == pytest.approx(0.5)

"""The fault suite's short form (issue 12): every failure counter of bench/faults.py is 0 here too.

The scenarios live in ``bench/fault_scenarios/`` and run in full from ``bench/faults.py`` (10 kills landing in
every phase: ``.venv/bin/python bench/faults.py``, or ``make heavy-tests``). Sized to fit CI, the kills here aim at
the two phases that write warehouse files, publish and dbt; a kill in extract or the checks is bench/faults.py's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.fault_scenarios.disk_scenario import run_disk_faults
from bench.fault_scenarios.fault_home import FaultHome, open_home, prepare_home, remove_home
from bench.fault_scenarios.ingest_scenario import run_ingest
from bench.fault_scenarios.kill_scenario import run_kills
from bench.fault_scenarios.poison_scenario import run_poison

SHORT_KILLS = 2  # publish, dbt (bench/faults.py: 10, every phase; --short: these 2)
SHORT_EVENTS = 10_000
SHORT_CLIENTS = 8


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultHome]:
    """Three accounts, one simulated day each, published once; its own PostgreSQL."""
    prepared = prepare_home(Path(tmp_path_factory.mktemp("faults")) / "home")
    yield prepared
    remove_home(prepared)


def test_sigkilled_refresh_leaves_the_last_publish_served_and_the_next_refresh_completes(
    home: FaultHome,
) -> None:
    figures = run_kills(home, SHORT_KILLS, stop_at_first_failure=True)
    assert figures.failures == []
    assert (figures.tried, figures.wedged, figures.partial_served, figures.failed_after) == (
        SHORT_KILLS,
        0,
        0,
        0,
    )


def test_full_disk_or_unwritable_warehouse_fails_loudly_and_keeps_the_last_good_file(home: FaultHome) -> None:
    figures = run_disk_faults(home)
    assert figures.failures == []
    assert (figures.tried, figures.quiet_failures, figures.partial_served, figures.not_recovered) == (
        2,
        0,
        0,
        0,
    )


def test_one_accounts_poisoned_rows_hold_back_no_other_account(home: FaultHome) -> None:
    figures = run_poison(home)
    assert figures.failures == [], figures.refresh_output[-2000:]
    # every rule PostgreSQL does not enforce itself was broken once: 11 on calls, 5 on messages, 3 on statuses
    assert len(figures.violated) == 19 and figures.accounts == 2
    assert (figures.held_back, figures.poisoned_served) == (0, 0)


def test_concurrent_ingest_through_a_postgres_restart_loses_and_duplicates_nothing(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    home = open_home(Path(tmp_path_factory.mktemp("faults-ingest")) / "home")
    try:
        figures = run_ingest(home, SHORT_EVENTS, SHORT_CLIENTS)
    finally:
        remove_home(home)
    assert figures.outage_seconds >= 3 and figures.retries > 0 and figures.events == SHORT_EVENTS
    assert (figures.lost, figures.duplicated, figures.tables_differing) == (0, 0, [])

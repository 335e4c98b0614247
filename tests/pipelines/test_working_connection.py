"""Within a run the steps share one connection to the working file, released before anything else opens it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipelines.resources import Warehouse

OPEN_ELSEWHERE = (
    "import duckdb, sys\n"
    "try:\n"
    "    duckdb.connect(sys.argv[1]).close()\n"
    "    print('opened')\n"
    "except duckdb.Error:\n"
    "    print('locked')\n"
)


def opened_by_another_process(path: Path) -> str:
    """What a separate process (as ``dbt build`` is for ``voxlink refresh``) gets when it opens ``path``."""
    done = subprocess.run(
        [sys.executable, "-c", OPEN_ELSEWHERE, str(path)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_steps_of_a_run_share_one_connection_until_it_is_released(tmp_path: Path) -> None:
    working = tmp_path / "working.duckdb"
    warehouse = Warehouse(working_path=str(working), served_path=str(tmp_path / "served.duckdb"))
    warehouse.setup_for_execution(dg.build_init_resource_context())

    with warehouse.working() as con:  # an extract step
        con.execute("create table raw_calls as select 1 as id")
    with warehouse.working() as con:  # a check step: it sees the write, through the same open database
        assert con.execute("select count(*) from raw_calls").fetchall() == [(1,)]
    assert opened_by_another_process(working) == "locked"  # kept open between the steps

    warehouse.release()  # before dbt: its own process must be able to open the file
    assert opened_by_another_process(working) == "opened"

    with warehouse.working() as con:  # a check after dbt opens it again
        con.execute("insert into raw_calls values (2)")
    warehouse.teardown_after_execution(dg.build_init_resource_context())
    assert opened_by_another_process(working) == "opened"  # the run's end closes it (its write checkpointed)


def test_outside_a_run_each_use_opens_and_closes_the_file(tmp_path: Path) -> None:
    working = tmp_path / "working.duckdb"
    warehouse = Warehouse(working_path=str(working), served_path=str(tmp_path / "served.duckdb"))
    with warehouse.working() as con:  # `voxlink refresh --full` resets raw before the run
        con.execute("create table raw_calls as select 1 as id")
    assert opened_by_another_process(working) == "opened"

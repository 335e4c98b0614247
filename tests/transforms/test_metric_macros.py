"""The catalogue's ratios are dbt-defined warehouse functions that the publish carries into the served file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from pipelines.metric_functions import metric_functions_sql as hook_sql
from pipelines.publish import publish
from voxlink.settings import REPO_ROOT

RATIO_FUNCTIONS = {
    "abandon_rate", "service_level", "asa_seconds", "aht_seconds", "conversion_rate", "connect_rate", "drop_rate",
    "is_drop_compliant", "delivery_rate", "opt_out_rate", "disposition_share", "occupancy", "round_rate",
    "round_seconds", "round_average_seconds", "per_day",
}  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working file holding the functions as dbt's hook creates them, published over an older served file."""
    folder = tmp_path_factory.mktemp("metric_macros")
    working, served = folder / "working.duckdb", folder / "served.duckdb"
    created = hook_sql(working, folder / "target")  # dbt opens the file: render before we hold its lock
    with duckdb.connect(str(working)) as con:
        con.execute(created)
    # a served file from an older build, holding a function dbt no longer defines
    with duckdb.connect(str(served)) as con:
        con.execute("create macro retired_ratio(a, b) as a / b")
    publish(working, served)
    return served


def call(served: Path, sql: str) -> object:
    with duckdb.connect(str(served), read_only=True) as con:
        row = con.execute(f"select {sql}").fetchone()
    assert row is not None
    return row[0]


def test_publish_carries_every_metric_function_and_drops_retired_ones(served: Path) -> None:
    with duckdb.connect(str(served), read_only=True) as con:
        names = {n for (n,) in con.execute(
            "select function_name from duckdb_functions() where function_type = 'macro' and not internal").fetchall()}  # fmt: skip
    assert names == RATIO_FUNCTIONS


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("abandon_rate(1, 0, 3)", Decimal("0.3333")),
        ("abandon_rate(2, 1, 4)", Decimal("0.3333")),  # (2 - 1) / (4 - 1): short abandons left out
        ("abandon_rate(1, 1, 1)", None),  # only short abandons: nothing counted
        ("abandon_rate(0, 0, 0)", None),
        ("abandon_rate(1, 0, 20000)", Decimal("0.0001")),  # 0.00005: half away from zero
        ("abandon_rate(9999, 0, 200000000)", Decimal("0.0000")),  # 0.000049995
        ("service_level(3, 3, 2, 1)", Decimal("0.7500")),  # 3 / (3 + 2 - 1)
        ("service_level(0, 0, 1, 1)", None),
        ("asa_seconds(10.25, 1)", Decimal("10.3")),
        ("asa_seconds(10, 3)", Decimal("3.3")),
        ("asa_seconds(3, 0)", None),
        ("aht_seconds(0.05, 1)", Decimal("0.1")),
        ("aht_seconds(7, 2)", Decimal("3.5")),
        ("conversion_rate(2, 3)", Decimal("0.6667")),
        ("conversion_rate(0, 0)", None),
        ("connect_rate(1, 8)", Decimal("0.1250")),
        ("connect_rate(0, 0)", None),
        ("drop_rate(1, 32)", Decimal("0.0313")),  # 0.03125
        ("drop_rate(0, 0)", None),
        ("is_drop_compliant(3, 100)", True),  # exactly 3 % complies
        ("is_drop_compliant(3, 99)", False),  # 3.03 %
        ("is_drop_compliant(31, 1000)", False),
        ("is_drop_compliant(0, 0)", None),
        ("delivery_rate(2, 1, 1)", Decimal("0.5000")),
        ("delivery_rate(0, 0, 0)", None),
        ("opt_out_rate(1, 8)", Decimal("0.1250")),
        ("opt_out_rate(0, 5)", Decimal("0.0000")),  # messages sent, nobody opted out: zero, not empty
        ("opt_out_rate(0, 0)", None),  # nothing sent: empty
        ("opt_out_rate(3, 0)", None),  # keywords received but nothing sent in the range: still empty
        ("opt_out_rate(1, 20000)", Decimal("0.0001")),  # 0.00005: half away from zero
        ("opt_out_rate(3, 80000)", Decimal("0.0000")),  # 0.0000375: rounds down
        ("opt_out_rate(2, 3)", Decimal("0.6667")),  # 0.66666…
        ("opt_out_rate(3, 2)", Decimal("1.5000")),  # more keywords than sends: not capped
        ("disposition_share(1, 8)", Decimal("0.1250")),
        ("occupancy(1.5, 1.0, 0.5)", Decimal("0.5000")),  # 1.5 / 3.0
        ("occupancy(19999, 1, 0)", Decimal("0.0001")),  # 1 / 20000 = 0.00005
        ("occupancy(0, 0, 0)", None),
        ("round_seconds(2.25)", Decimal("2.3")),
        ("round_seconds(0.04999)", Decimal("0.0")),
        ("round_average_seconds(0.25, 2)", Decimal("0.1")),  # 0.125
        ("round_rate(5, 10)", Decimal("0.5000")),
        ("per_day(2, 4)", 0.5),  # not rounded: 2 calls over 4 Mondays
        ("per_day(1, 3)", 1 / 3),
        ("per_day(3, 0)", None),  # the range holds no such day
    ],
)
def test_served_metric_function_on_a_read_only_connection(served: Path, sql: str, expected: object) -> None:
    assert call(served, sql) == expected


def test_ratio_of_window_sum_is_taken_per_partition(served: Path) -> None:
    with duckdb.connect(str(served), read_only=True) as con:
        rows = con.execute(
            "select d, calls, disposition_share(calls, sum(calls) over (partition by d)) "
            "from (values (1, 1), (1, 2), (2, 5)) as t(d, calls) order by d, calls"
        ).fetchall()
    assert rows == [(1, 1, Decimal("0.3333")), (1, 2, Decimal("0.6667")), (2, 5, Decimal("1.0000"))]


def test_a_database_migrated_before_opt_out_rate_existed_gets_it_from_the_next_migration(db_url: str) -> None:
    # a database that ran 0005 while the file had no opt_out_rate, then 0006: the function is missing
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("drop function metrics.opt_out_rate(numeric, numeric)"))
    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "operational" / "migrations"))
    config.set_main_option("sqlalchemy.url", db_url.replace("%", "%%"))
    command.stamp(config, "0006")

    command.upgrade(config, "0007")  # only the migration under test: later ones already ran on this database
    command.stamp(config, "head")

    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select metrics.opt_out_rate(1, 20000), metrics.opt_out_rate(2, 3), metrics.opt_out_rate(0, 0)"
        )).one()  # fmt: skip
    engine.dispose()
    assert tuple(rows) == (Decimal("0.0001"), Decimal("0.6667"), None)

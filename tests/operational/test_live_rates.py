"""The live rates are the catalogue's functions (installed from the dbt macro), equal to hand-computed values."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import sqlalchemy as sa

from operational.accounts import create_account
from operational.ingest import ingest_events
from operational.live import ALL_QUEUES, live_state
from operational.sql.generate import ROOT
from tests.operational.test_live import MINUTE, NOW


def test_the_installed_metric_functions_file_is_rendered_from_the_current_dbt_macro() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "operational.sql.generate", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_live_rates_of_a_scripted_minute_equal_hand_computed_values(engine: sa.Engine) -> None:
    account = create_account(engine, "live-rates", "America/New_York")
    assert ingest_events(engine, account.id, enumerate(MINUTE)).rejected == []
    with engine.connect() as conn:
        state = live_state(conn, account.id, "America/New_York", NOW)
    sales, support = state.queue("sales"), state.queue("support")
    # sales: 5 offered, 2 answered (1 within 20 s), 2 abandoned of which 1 short (3 s < 5 s)
    assert sales.abandon_rate == Decimal("0.2500")  # (2 − 1) / (5 − 1)
    assert sales.service_level == Decimal("0.3333")  # 1 / (2 + 2 − 1), half away from zero
    # support: 1 offered, still waiting: nothing answered or abandoned yet → no service level
    assert support.abandon_rate == Decimal("0.0000")  # 0 / 1
    assert support.service_level is None
    # the whole account: 7 offered (5 sales, 1 support, 1 never queued answered by the AI in 2 s)
    total = state.queue(None)
    assert total.queue == ALL_QUEUES
    assert (total.offered, total.answered, total.abandoned, total.short_abandoned) == (7, 3, 2, 1)
    assert (total.waiting, total.in_progress, total.longest_wait_seconds) == (2, 1, 30.0)
    assert total.abandon_rate == Decimal("0.1667")  # (2 − 1) / (7 − 1) = 0.16666…
    assert total.service_level == Decimal("0.5000")  # 2 within SL / (3 + 2 − 1)


def test_live_rates_come_from_the_metrics_schema_not_python(engine: sa.Engine) -> None:
    account = create_account(engine, "live-rates-fn", "America/New_York")
    assert ingest_events(engine, account.id, enumerate(MINUTE)).rejected == []
    with (
        engine.begin() as conn
    ):  # a changed definition in the database changes the live figure: no copy in Python
        conn.execute(
            sa.text(
                "create or replace function metrics.abandon_rate(abandoned numeric, short_abandoned numeric, "
                "offered numeric) returns numeric language sql immutable as $$ select 0.4242 $$"
            )
        )
        try:
            assert live_state(conn, account.id, "America/New_York", NOW).queue(
                "sales"
            ).abandon_rate == Decimal("0.4242")
        finally:
            conn.rollback()
    with engine.connect() as conn:
        assert live_state(conn, account.id, "America/New_York", NOW).queue("sales").abandon_rate == Decimal(
            "0.2500"
        )

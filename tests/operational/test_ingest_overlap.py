"""A file's ingest keeps PostgreSQL busy: small first batch, COPY text built by the thread that reads the file."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from operational import ingest
from operational.accounts import create_account
from operational.events import ValidEvent
from operational.ingest_store import Prepared


def _statuses(count: int) -> list[dict[str, str]]:
    start = datetime(2026, 11, 2, 8, tzinfo=UTC)
    return [
        {
            "event_id": f"s{n}",
            "type": "agent.status",
            "occurred_at": (start + timedelta(seconds=n)).isoformat(),
            "agent": f"agent-{n % 7}",
            "status": "available" if n % 2 else "break",
        }
        for n in range(count)
    ]


def test_a_files_first_batch_is_small_and_each_next_twice_the_last_up_to_the_batch_size(
    engine: Engine,
) -> None:
    account = create_account(engine, "ramp", "UTC")
    sizes: list[int] = []
    report = ingest.ingest_events(
        engine, account.id, enumerate(_statuses(9_000)), batch_size=4_000, on_batch=sizes.append
    )
    assert (report.stored, report.rejected) == (9_000, [])
    assert sizes == [2_500, 4_000, 2_500]  # 2,500, then twice that capped at 4,000, then the rest
    with engine.connect() as conn:
        stored = conn.scalar(sa.text("select count(*) from events where account_id = :a"), {"a": account.id})
    assert stored == 9_000


def test_copy_rows_lock_keys_and_names_are_built_by_the_reading_thread_never_the_storing_one(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = create_account(engine, "copy-thread", "UTC")
    built_by: list[str] = []
    real = ingest.prepare

    def recorded(account_id: int, batch: list[ValidEvent]) -> Prepared:
        built_by.append(threading.current_thread().name)
        return real(account_id, batch)

    monkeypatch.setattr(ingest, "prepare", recorded)
    report = ingest.ingest_events(engine, account.id, enumerate(_statuses(8_000)))
    assert (report.stored, report.rejected) == (8_000, [])
    # 2,500 + 5,000 + 500: three batches, each split between the storing threads, built here behind the checks
    assert set(built_by) == {threading.current_thread().name} and len(built_by) >= 3


def test_the_report_says_how_long_the_batches_transactions_took_within_the_whole(engine: Engine) -> None:
    account = create_account(engine, "storing-time", "UTC")
    report = ingest.ingest_events(engine, account.id, enumerate(_statuses(6_000)))
    assert report.stored == 6_000
    # two transactions (2,500 + 3,500 events) take some time, and never more than the whole run
    assert 0 < report.storing_seconds <= report.seconds
    nothing = ingest.ingest_events(engine, account.id, iter([]))
    assert nothing.storing_seconds == 0.0

"""Concurrent batches of one account: events of the same calls split across racing transactions, replays
included, end in the state a single sequential ingest gives (the per-call locks)."""

from __future__ import annotations

import random
import threading
from datetime import date

import sqlalchemy as sa

from operational.accounts import create_account
from operational.ingest import ingest_events
from operational.simulator import simulate

STATE = (
    "select call_id, status, queue, agent, connected_agent, started_at, answered_at, ended_at, wait_seconds, "
    "hold_seconds, talk_seconds, wrap_seconds, disposition, event_count from calls where account_id = :a "
    "order by call_id"
)
MESSAGES = "select message_id, status, status_at, body from messages where account_id = :a order by 1"
COUNTS = (
    "select (select count(*) from agent_status_events where account_id = :a), "
    "(select count(*) from agents where account_id = :a), (select count(*) from sms_consent where account_id = :a)"
)


def state(engine: sa.Engine, account: int) -> tuple[list, list, tuple]:
    with engine.connect() as conn:
        return (
            [tuple(r) for r in conn.execute(sa.text(STATE), {"a": account})],
            [tuple(r) for r in conn.execute(sa.text(MESSAGES), {"a": account})],
            tuple(conn.execute(sa.text(COUNTS), {"a": account}).one()),
        )


def test_racing_batches_of_one_account_equal_one_sequential_ingest(engine: sa.Engine) -> None:
    events = list(simulate(days=2, timezone="America/New_York", seed=9, end_date=date(2026, 11, 3)))
    sequential = create_account(engine, "sequential", "America/New_York").id
    racing = create_account(engine, "racing", "America/New_York").id
    ingest_events(engine, sequential, enumerate(events))

    deliveries = events * 2  # every event twice: the replays race the originals
    random.Random(4).shuffle(deliveries)
    batches = [deliveries[i : i + 150] for i in range(0, len(deliveries), 150)]
    errors: list[BaseException] = []

    def worker(mine: list[list[dict]]) -> None:
        try:
            for batch in mine:
                ingest_events(engine, racing, enumerate(batch))
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(batches[k::4],)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    expected = state(engine, sequential)
    assert len(expected[0]) > 500 and expected == state(engine, racing)

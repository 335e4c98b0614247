"""One request's batch of events: stored in one transaction, with a result for each event.

Every rejected event is listed with its ``index``, ``event_id`` (null when it has none as text), the
``field`` at fault and the ``reason``; a value PostgreSQL refuses splits the batch (ingest_store.store) rather
than failing the request, so a request fails as a whole only when the database is unreachable.

A request is one batch, so it is checked and stored here directly (ingest.store_batch, one transaction)
rather than through ingest_events' file pipeline; store_batch says which events are new, asking PostgreSQL
only when the counts cannot tell (some, not all, were stored before): the usual all-new or all-replayed
request reads no ids back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from operational.events import EventRejected, ValidEvent, shown, validate
from operational.ingest import copy_rows, ingest_events, store_batch

MAX_EVENTS = 1000


def _refusal(index: int, obj: Any, field: str, reason: str) -> dict[str, Any]:
    value = obj.get("event_id") if isinstance(obj, dict) else None
    event_id = value[:200] if isinstance(value, str) else None  # the column's length
    return {"index": index, "event_id": event_id, "status": "rejected", "field": field, "reason": reason}


def ingest_batch(engine: Engine, account_id: int, events: list[Any]) -> dict[str, Any]:
    """Store the valid events of ``events`` (≤ MAX_EVENTS: one transaction); say what became of each."""
    assert len(events) <= MAX_EVENTS
    now = datetime.now(UTC)
    results: list[dict[str, Any] | None] = [None] * len(events)
    batch: dict[str, ValidEvent] = {}  # by event_id: a later copy within the request is a duplicate
    for index, obj in enumerate(events):
        try:
            valid = validate(obj, now)
        except EventRejected as err:
            results[index] = _refusal(index, obj, err.field, err.reason)
            continue
        except Exception as err:  # noqa: BLE001 - a check that breaks on odd input refuses that event alone
            reason = f"could not be checked ({type(err).__name__}: {shown(str(err), 120)})"
            results[index] = _refusal(index, obj, "event", reason)
            continue
        batch.setdefault(valid.event_id, valid)
    if batch:
        try:
            new, beyond = _store(engine, account_id, list(batch.values()))
        except sa.exc.DataError:
            # a value the contract let through and PostgreSQL refused: the file path splits the batch down to
            # the event at fault (nothing of this attempt was committed)
            return _outcome_by_splitting(engine, account_id, events)
    else:
        new, beyond = set(), {}
    for index, obj in enumerate(events):
        if results[index] is not None:
            continue
        event_id = obj["event_id"]
        if event_id in beyond:
            results[index] = _refusal(index, obj, "occurred_at", beyond[event_id])
            continue
        status = "stored" if event_id in new else "duplicate"
        new.discard(event_id)  # a second copy in the same request is a duplicate of the first
        results[index] = {"index": index, "event_id": event_id, "status": status}
    return _summary(results)


def _store(engine: Engine, account_id: int, batch: list[ValidEvent]) -> tuple[set[str], dict[str, str]]:
    """Store ``batch`` in one transaction: the ids stored as new, and the events refused (id → reason)."""
    with engine.begin() as conn:
        _, refused, new = store_batch(conn, account_id, batch, copy_rows(batch))
    return new, {ev.event_id: reason for ev, reason in refused}


def _outcome_by_splitting(engine: Engine, account_id: int, events: list[Any]) -> dict[str, Any]:
    report = ingest_events(engine, account_id, enumerate(events), collect_ids=True)
    rejected = {r.position: r for r in report.rejected}
    results: list[dict[str, Any] | None] = []
    first_seen: set[str] = set()
    for index, event in enumerate(events):
        refusal = rejected.get(index)
        if refusal is not None:
            results.append(_refusal(index, event, refusal.field, refusal.reason))
            continue
        event_id = event["event_id"]
        new = event_id in report.stored_ids and event_id not in first_seen
        first_seen.add(event_id)
        results.append({"index": index, "event_id": event_id, "status": "stored" if new else "duplicate"})
    return _summary(results)


def _summary(results: list[dict[str, Any] | None]) -> dict[str, Any]:
    counts = {"stored": 0, "duplicate": 0, "rejected": 0}
    for result in results:
        assert result is not None
        counts[result["status"]] += 1
    return {
        "received": len(results),
        "stored": counts["stored"],
        "duplicates": counts["duplicate"],
        "rejected": counts["rejected"],
        "results": results,
    }

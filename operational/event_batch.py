"""One request's batch of events: stored in one transaction, with a result for each event.

Every rejected event is listed with its ``index``, ``event_id`` (null when it has none as text), the
``field`` at fault and the ``reason``; a value PostgreSQL refuses splits the batch (ingest._store) rather
than failing the request, so a request fails as a whole only when the database is unreachable.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from operational.ingest import ingest_events

MAX_EVENTS = 1000


def ingest_batch(engine: Engine, account_id: int, events: list[Any]) -> dict[str, Any]:
    """Store the valid events of ``events`` (≤ MAX_EVENTS: one transaction); say what became of each."""
    assert len(events) <= MAX_EVENTS
    report = ingest_events(engine, account_id, enumerate(events), collect_ids=True)
    rejected = {r.position: r for r in report.rejected}
    results: list[dict[str, Any]] = []
    first_seen: set[str] = set()
    for index, event in enumerate(events):
        refusal = rejected.get(index)
        if refusal is not None:
            results.append(
                {
                    "index": index,
                    "event_id": refusal.event_id,
                    "status": "rejected",
                    "field": refusal.field,
                    "reason": refusal.reason,
                }
            )
            continue
        event_id = event["event_id"]
        new = event_id in report.stored_ids and event_id not in first_seen
        first_seen.add(event_id)
        results.append({"index": index, "event_id": event_id, "status": "stored" if new else "duplicate"})
    return {
        "received": report.received,
        "stored": report.stored,
        "duplicates": report.duplicates,
        "rejected": len(report.rejected),
        "results": results,
    }

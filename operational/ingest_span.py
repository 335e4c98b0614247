"""The one check of an event against its stored neighbours: the events of one call lie less than a day apart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from operational.database import driver_sql
from operational.events import MAX_CALL_SECONDS, ValidEvent, shown

# Calls the batch's new events (in ``touched``) make last a day or more, counting every stored event. A replay
# touches nothing and costs nothing here; a new call's few events are read by an index probe, as the
# recompute of call state reads them next.
_LONG_CALLS = driver_sql(
    """
select t.call_id
from (select distinct call_id from touched where call_id is not null) t
cross join lateral (
    select min(e.occurred_at) as first_at, max(e.occurred_at) as last_at
    from events e where e.account_id = :account_id and e.call_id = t.call_id
) e
where e.last_at - e.first_at >= make_interval(secs => :limit)
"""
)
# Only for those few calls: the span of their events stored before this batch.
_EARLIER_SPANS = driver_sql(
    """
select e.call_id, min(e.occurred_at), max(e.occurred_at)
from events e
where e.account_id = :account_id and e.call_id = any(cast(:calls as text[]))
  and not exists (select 1 from touched t where t.event_id = e.event_id)
group by e.call_id
"""
)
_FORGET_EVENTS = driver_sql(
    "delete from events where account_id = :account_id and event_id = any(cast(:ids as text[]))"
)
_FORGET_TOUCHED = driver_sql("delete from touched where event_id = any(cast(:ids as text[]))")


def beyond_a_day(
    cur: psycopg.Cursor[Any], account_id: int, batch: list[ValidEvent], new: set[str]
) -> list[tuple[ValidEvent, str]]:
    """The batch's new events refused because their call would last a day or more, with why.

    The raw_calls gate wants every duration under a day; all of them are differences of a call's event
    times, so the events of one call must lie less than a day apart. Only when a call breaks that are its
    new events judged, in arrival order, against the call's earlier stored events and the ones this batch
    accepted before them (the calls are locked, so a concurrent batch's events of the call are committed
    and seen, or come after). ``cur``: a cursor of the batch's transaction.
    """
    params = {"account_id": account_id}
    long_calls = {row[0] for row in cur.execute(_LONG_CALLS, params | {"limit": MAX_CALL_SECONDS})}
    if not long_calls:
        return []
    spans: dict[str, tuple[datetime, datetime]] = {
        row[0]: (row[1], row[2])
        for row in cur.execute(_EARLIER_SPANS, params | {"calls": sorted(long_calls)})
    }
    refused: list[tuple[ValidEvent, str]] = []
    for ev in batch:
        call, moment = ev.call_id, ev.occurred_at
        if call is None or call not in long_calls or ev.event_id not in new:
            continue
        first, last = spans.get(call, (moment, moment))
        first, last = min(first, moment), max(last, moment)
        if (last - first).total_seconds() >= MAX_CALL_SECONDS:
            reason = (
                f"call {shown(call)} would last {last - first} (from {first.isoformat()} to {last.isoformat()}): "
                f"the events of one call lie less than {MAX_CALL_SECONDS:,} s apart"
            )
            refused.append((ev, reason))
            continue
        spans[call] = (first, last)
    if refused:
        ids = [ev.event_id for ev, _ in refused]
        cur.execute(_FORGET_EVENTS, params | {"ids": ids})
        cur.execute(_FORGET_TOUCHED, {"ids": ids})
    return refused

"""Live demo traffic: simulated days replayed against the real clock through the real ingest path.

``voxlink demo`` runs this in a child process it owns (cli/serve_commands.py), so the wallboard and the event
stream move while the demo is open. A simulated day opens (its first agent logging in) "now" and plays ``speed``
times faster than life (a simulated day has a call every minute or two: at 10× something happens every second or
so), then the next day follows. Events keep their order and their meaning; only their times are moved onto the
real clock (so waits and talk times are ``speed`` times shorter than the simulator's).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from operational.simulator.day import simulate

Event = dict[str, Any]
TICK_SECONDS = 0.5


def replay(timezone: str, slug: str, started: datetime, speed: float) -> Iterator[tuple[datetime, Event]]:
    """Endless (due time, event) pairs from ``started``; the seed follows the start, so ids never repeat a run's."""
    origin = started
    for day_index in range(10_000):
        events = list(simulate(days=1, timezone=timezone, seed=int(started.timestamp()) * 100 + day_index,
                               account_slug=slug))  # fmt: skip
        if not events:
            continue
        moments = [datetime.fromisoformat(e["occurred_at"]) for e in events]
        sim_origin = min(moments)  # the day opens with its first agent logging in
        last = origin
        for event, moment in sorted(zip(events, moments, strict=True), key=lambda pair: pair[1]):
            due = origin + (moment - sim_origin) / speed
            last = max(last, due)
            yield due, event | {"occurred_at": due.isoformat()}
        origin = last + timedelta(seconds=1)


def run(
    engine: Engine,
    accounts: list[tuple[int, str, str]],
    *,
    speed: float = 10.0,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    until: datetime | None = None,
) -> int:
    """Ingest each account's (id, slug, time zone) events as they fall due, until ``until`` (forever if None)."""
    from operational.ingest import ingest_events

    started = clock()
    streams = [
        (account_id, replay(timezone, slug, started, speed)) for account_id, slug, timezone in accounts
    ]
    pending: list[tuple[int, datetime, Event] | None] = [None] * len(streams)
    stored = 0
    while until is None or clock() < until:
        now = clock()
        for index, (account_id, stream) in enumerate(streams):
            batch: list[Event] = []
            while True:
                head = pending[index]
                if head is None:
                    due, event = next(stream)
                    head = pending[index] = (account_id, due, event)
                if head[1] > now:
                    break
                batch.append(head[2])
                pending[index] = None
            if batch:
                stored += len(batch)
                ingest_events(engine, account_id, enumerate(batch, start=1))
        time.sleep(TICK_SECONDS)
    return stored


def main(argv: list[str] | None = None) -> int:
    """``python -m operational.simulator.live --account SLUG [--account SLUG] [--speed X]``: until stopped."""
    from operational.accounts import get_account
    from operational.database import get_engine

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--account", action="append", required=True)
    parser.add_argument("--speed", type=float, default=10.0)
    args = parser.parse_args(argv)
    engine = get_engine(start=False)
    accounts = [(a.id, a.slug, a.timezone) for a in (get_account(engine, slug) for slug in args.account)]
    run(engine, accounts, speed=args.speed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The live read model: what is happening now in an account, per queue, read from PostgreSQL for the wallboard.

History comes from the warehouse; *now* comes from here. Today's counters follow the metric catalogue
(DESIGN.md) exactly as ``fct_calls`` and ``rpt_abandon_rate_daily`` do — offered = inbound calls started
in the account's local day, answered = by a human or an AI, short abandons under ``short_abandon_seconds``,
service level against ``service_level_seconds`` with short abandons left out — so they equal the
warehouse's figures for the same day once it is published. The rates are the catalogue's own functions
(``metrics.abandon_rate``, ``metrics.service_level``: operational/sql/metric_functions.sql, rendered from the dbt
macro), called in the query. Every query is an index range scan
(``ix_calls_open``, ``ix_calls_inbound_started``, ``ix_agent_status_latest``): cheap enough to poll every
couple of seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from operational.events import MAX_CALL_SECONDS

ALL_QUEUES = "*"  # the name LiveState.total goes by (no queue name is '*': queues are named by events)

# Open calls: a call's events lie less than a day apart (ingest refuses the rest), so a call started a day
# or more ago with no end will never be seen ending and is not "now".
_OPEN_CALLS = sa.text(
    """
select coalesce(queue, '') as queue, grouping(coalesce(queue, '')) = 1 as is_total,
    count(*) filter (where answered_at is null and direction = 'inbound') as waiting,
    max(extract(epoch from (:now - coalesce(queued_at, started_at))))
        filter (where answered_at is null and direction = 'inbound') as longest_wait_seconds,
    count(*) filter (where answered_at is not null) as in_progress
from calls
where account_id = :account_id and ended_at is null
  and started_at > :now - make_interval(secs => :max_call) and started_at <= :now
group by grouping sets ((coalesce(queue, '')), ())
"""
)

# The same flags as fct_calls (is_answered, is_abandoned, is_short_abandoned, is_answered_within_sl); the
# ratios are the catalogue's own functions (migration 0005 installs them from the dbt macro), never restated
# here. The empty grouping set is the account's whole day, its ratios taken over the summed parts.
_TODAY = sa.text(
    """
with parts as (
    select coalesce(c.queue, '') as queue, grouping(coalesce(c.queue, '')) = 1 as is_total,
        count(*) as offered,
        count(*) filter (where c.answered_by in ('human', 'ai')) as answered,
        count(*) filter (where c.status = 'abandoned') as abandoned,
        count(*) filter (where c.status = 'abandoned' and c.wait_seconds < a.short_abandon_seconds)
            as short_abandoned,
        count(*) filter (where c.answered_by in ('human', 'ai') and c.wait_seconds <= a.service_level_seconds)
            as answered_within_sl
    from calls c
    join accounts a on a.id = c.account_id
    where c.account_id = :account_id and c.direction = 'inbound'
      and c.started_at >= :day_start and c.started_at < :day_end
    group by grouping sets ((coalesce(c.queue, '')), ())
)
select parts.*,
    metrics.abandon_rate(abandoned, short_abandoned, offered) as abandon_rate,
    metrics.service_level(answered_within_sl, answered, abandoned, short_abandoned) as service_level
from parts
"""
)

# Each agent's latest status: one index probe per agent (a skip scan), not a scan of all their history.
_AGENTS = sa.text(
    """
select g.name, s.status, s.occurred_at
from agents g
cross join lateral (
    select a.status, a.occurred_at from agent_status_events a
    where a.account_id = g.account_id and a.agent = g.name and a.occurred_at <= :now
    order by a.occurred_at desc
    limit 1
) s
where g.account_id = :account_id
order by g.name
"""
)


@dataclass(frozen=True)
class QueueNow:
    """One queue's live figures; ``queue`` is '' for calls never queued, ``ALL_QUEUES`` for the whole account.

    The rates are the catalogue's functions of the counters, computed by PostgreSQL (4 places, half away from
    zero, None when nothing counts yet); they follow from the counters, so equality leaves them out.
    """

    queue: str
    waiting: int = 0
    longest_wait_seconds: float | None = None
    in_progress: int = 0
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    answered_within_sl: int = 0
    abandon_rate: Decimal | None = field(default=None, compare=False)
    service_level: Decimal | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AgentNow:
    agent: str
    status: str
    since: datetime


@dataclass(frozen=True)
class LiveState:
    """An account now: per queue, per agent, and the local day the counters cover."""

    day: date
    at: datetime
    queues: list[QueueNow]
    agents: list[AgentNow]
    total: QueueNow = field(default_factory=lambda: QueueNow(ALL_QUEUES), compare=False)

    def queue(self, name: str | None) -> QueueNow:
        """One queue's figures (zeros when it has none today), or the account's whole day for None."""
        if name is None:
            return self.total
        return next((q for q in self.queues if q.queue == name), QueueNow(name))

    def agents_by_status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for agent in self.agents:
            counts[agent.status] = counts.get(agent.status, 0) + 1
        return counts


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants a local day starts and ends (23 or 25 h apart when daylight saving time changes)."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def live_state(conn: Connection, account_id: int, timezone: str, now: datetime) -> LiveState:
    """The account's live state at ``now`` (aware); the counters cover ``now``'s local day in ``timezone``."""
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date()
    day_start, day_end = local_day_bounds(day, zone)
    params = {"account_id": account_id, "now": now}
    figures: dict[str, dict[str, object]] = {}
    for row in conn.execute(_OPEN_CALLS, params | {"max_call": MAX_CALL_SECONDS}).mappings():
        figures.setdefault(ALL_QUEUES if row["is_total"] else row["queue"], {}).update(row)
    for row in conn.execute(_TODAY, params | {"day_start": day_start, "day_end": day_end}).mappings():
        figures.setdefault(ALL_QUEUES if row["is_total"] else row["queue"], {}).update(row)
    total = _queue(ALL_QUEUES, figures.pop(ALL_QUEUES, {}))
    queues = [_queue(name, values) for name, values in sorted(figures.items())]
    agents = [AgentNow(row.name, row.status, row.occurred_at) for row in conn.execute(_AGENTS, params)]
    return LiveState(day, now, queues, agents, total)


def _queue(name: str, values: dict[str, object]) -> QueueNow:
    def count(key: str) -> int:
        value = values.get(key)
        return int(value) if isinstance(value, int) else 0

    def rate(key: str) -> Decimal | None:
        value = values.get(key)
        return value if isinstance(value, Decimal) else None

    wait = values.get("longest_wait_seconds")
    return QueueNow(
        queue=name,
        waiting=count("waiting"),
        longest_wait_seconds=float(wait) if isinstance(wait, (int, float, Decimal)) else None,
        in_progress=count("in_progress"),
        offered=count("offered"),
        answered=count("answered"),
        abandoned=count("abandoned"),
        short_abandoned=count("short_abandoned"),
        answered_within_sl=count("answered_within_sl"),
        abandon_rate=rate("abandon_rate"),
        service_level=rate("service_level"),
    )

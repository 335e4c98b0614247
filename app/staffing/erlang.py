"""Erlang C staffing what-if: agents needed for a service level, and what N agents would achieve.

The M/M/N queue behind Erlang C: calls arrive at random (Poisson), handling times are exponential, nobody
abandons and every call waits for the next free agent. Traffic A (Erlangs) = calls per interval × AHT /
interval length. With N > A agents:

- probability a call waits   Pw = Erlang C(N, A), from the Erlang B recursion (exact and stable for large N)
- service level in T seconds SL = 1 − Pw · e^(−(N − A) · T / AHT)
- average speed of answer    ASA = Pw · AHT / (N − A)
- occupancy                  A / N
- scheduled agents           ⌈N / (1 − shrinkage)⌉ (shrinkage: breaks, training, absence)

With N ≤ A the queue grows without bound: the call waits for sure, SL is 0 and ASA is infinite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_AGENTS = 10_000


@dataclass(frozen=True)
class Staffing:
    agents: int
    traffic_erlangs: float
    wait_probability: float
    service_level: float
    asa_seconds: float  # math.inf when the agents cannot keep up
    occupancy: float
    scheduled_agents: int  # agents to roster once shrinkage is taken out


def traffic(calls: float, aht_seconds: float, interval_seconds: float) -> float:
    """Offered traffic in Erlangs: the average number of agents busy with these calls."""
    if interval_seconds <= 0:
        raise ValueError("the interval must last longer than 0 s")
    return calls * aht_seconds / interval_seconds


def erlang_c(agents: int, erlangs: float) -> float:
    """Probability that a call waits, with ``agents`` agents and ``erlangs`` of offered traffic."""
    if agents <= 0:
        return 1.0
    if erlangs <= 0:
        return 0.0
    if agents <= erlangs:
        return 1.0
    blocking = 1.0  # Erlang B with 0 agents
    for n in range(1, agents + 1):
        blocking = erlangs * blocking / (n + erlangs * blocking)
    return agents * blocking / (agents - erlangs * (1 - blocking))


def scheduled(agents: int, shrinkage: float) -> int:
    """Agents to roster so that ``agents`` are on the phones once ``shrinkage`` (0 ≤ s < 1) is away."""
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage is a fraction from 0 up to (not including) 1")
    # round first: 14 / 0.7 is 20.000000000000004 in floating point, and 20 agents are enough
    return math.ceil(round(agents / (1 - shrinkage), 9))


def with_agents(
    agents: int,
    calls: float,
    aht_seconds: float,
    interval_seconds: float,
    target_seconds: float,
    shrinkage: float,
) -> Staffing:
    """What ``agents`` agents on the phones achieve for ``calls`` per interval."""
    erlangs = traffic(calls, aht_seconds, interval_seconds)
    wait = erlang_c(agents, erlangs)
    if calls <= 0 or aht_seconds <= 0:
        service_level, asa = 1.0, 0.0
    elif agents <= erlangs:
        service_level, asa = 0.0, math.inf
    else:
        service_level = 1 - wait * math.exp(-(agents - erlangs) * target_seconds / aht_seconds)
        asa = wait * aht_seconds / (agents - erlangs)
    occupancy = min(1.0, erlangs / agents) if agents > 0 else 1.0
    return Staffing(
        agents=agents,
        traffic_erlangs=erlangs,
        wait_probability=wait,
        service_level=max(0.0, service_level),
        asa_seconds=asa,
        occupancy=occupancy,
        scheduled_agents=scheduled(agents, shrinkage),
    )


def agents_needed(
    calls: float,
    aht_seconds: float,
    interval_seconds: float,
    target_seconds: float,
    target_service_level: float,
    shrinkage: float = 0.0,
) -> Staffing:
    """The fewest agents whose predicted service level reaches ``target_service_level`` (0 < target < 1)."""
    if not 0 < target_service_level < 1:
        raise ValueError("the target service level is a fraction between 0 and 1")
    erlangs = traffic(calls, aht_seconds, interval_seconds)
    agents = max(1, math.floor(erlangs) + 1)
    while agents <= MAX_AGENTS:
        result = with_agents(agents, calls, aht_seconds, interval_seconds, target_seconds, shrinkage)
        if result.service_level >= target_service_level:
            return result
        agents += 1
    raise ValueError(f"more than {MAX_AGENTS:,} agents would be needed")

"""What one account's simulated traffic looks like: its profile, hours, number areas and call outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Relative call intensity per local hour: a mid-morning and an early-afternoon peak around a lunch dip.
HOURLY = {8: 0.5, 9: 0.9, 10: 1.4, 11: 1.3, 12: 0.8, 13: 1.0, 14: 1.35, 15: 1.1, 16: 0.8, 17: 0.5}
ACCOUNT_AREA = {"America/New_York": "212", "America/Chicago": "312", "America/Denver": "303"}
CUSTOMER_AREAS = ("201", "206", "213", "305", "312", "404", "415", "503", "512", "617", "646", "702", "713")
INBOUND_DISPOSITIONS: dict[str, tuple[tuple[str, float], ...]] = {
    "sales": (("sale", 0.28), ("no_sale", 0.32), ("callback", 0.2), ("not_interested", 0.2)),
    "support": (("support_resolved", 0.75), ("callback", 0.2), ("sale", 0.05)),
    "billing": (("support_resolved", 0.65), ("callback", 0.25), ("sale", 0.1)),
}
OTHER_DISPOSITIONS = (("support_resolved", 0.5), ("callback", 0.25), ("sale", 0.15), ("no_sale", 0.1))
NO_SALE = (("no_sale", 0.35), ("callback", 0.25), ("not_interested", 0.4))
CONTACTS_PER_CAMPAIGN = 20_000


@dataclass(frozen=True)
class SimulationProfile:
    """What one demo account looks like; volumes are per weekday, weekends are derived from them."""

    agents: tuple[str, ...] = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
    queues: dict[str, float] = field(default_factory=lambda: {"sales": 0.35, "support": 0.45, "billing": 0.2})
    ai_queue: str | None = "support"
    ai_agent: str = "ava"
    ai_share: float = 0.22  # of the AI queue's calls: about 10 % of all inbound calls
    abandon_share: float = 0.07  # callers who give up whatever the queue looks like
    # campaign -> (sale share of connected calls, dialer drop share of human answers)
    campaigns: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {"winter-promo": (0.12, 0.04), "renewals": (0.3, 0.015)}
    )
    inbound_per_weekday: int = 240
    outbound_per_weekday: int = 150
    messages_per_weekday: int = 140
    saturday_share: float = 0.25
    sunday_share: float = 0.03


@dataclass(frozen=True)
class DayPlan:
    open_hour: int
    close_hour: int
    share: float  # of the weekday volume
    staff: int | None  # agents on a weekend shift; None: a weekday, the whole team works and the dialer runs


def day_plan(day: date, profile: SimulationProfile) -> DayPlan:
    if day.weekday() < 5:
        return DayPlan(8, 18, 1.0, None)
    if day.weekday() == 5:
        return DayPlan(9, 14, profile.saturday_share, 3)
    return DayPlan(10, 14, profile.sunday_share, 1)

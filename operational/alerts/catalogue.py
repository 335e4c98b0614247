"""What an alert rule may watch: each metric, its unit, the windows it may use and where its figure comes from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class AlertMetric:
    name: str
    label: str
    unit: str  # rate (0–1, as the warehouse rounds it), seconds or calls
    windows: tuple[str, ...]
    source: str  # live (PostgreSQL, now) or warehouse (after each refresh)
    scopes: tuple[str, ...]


_CALL_WINDOWS = ("15m", "1h", "today")
_CALL_SCOPES = ("account", "queue", "campaign")
METRICS: dict[str, AlertMetric] = {
    m.name: m
    for m in (
        AlertMetric("abandon_rate", "Abandon rate", "rate", _CALL_WINDOWS, "warehouse", _CALL_SCOPES),
        AlertMetric("service_level", "Service level", "rate", _CALL_WINDOWS, "warehouse", _CALL_SCOPES),
        AlertMetric("asa_seconds", "ASA", "seconds", _CALL_WINDOWS, "warehouse", _CALL_SCOPES),
        AlertMetric("longest_wait_now", "Longest wait now", "seconds", ("now",), "live", ("account", "queue")),
        AlertMetric("calls_waiting_now", "Calls waiting now", "calls", ("now",), "live", ("account", "queue")),
        AlertMetric("drop_rate_24h", "Dialer drop rate, trailing 24 h", "rate", ("24h",), "warehouse",
                    ("account", "campaign")),
        AlertMetric("drop_rate_30d", "Dialer drop rate, trailing 30 days", "rate", ("30d",), "warehouse",
                    ("account", "campaign")),
        AlertMetric("delivery_rate", "SMS delivery rate", "rate", _CALL_WINDOWS, "warehouse", ("account", "campaign")),
        AlertMetric("opt_out_rate", "Opt-out rate", "rate", _CALL_WINDOWS, "warehouse", ("account", "campaign")),
    )
}  # fmt: skip

# Trailing windows as durations; "today" is the account's local day so far and has none.
WINDOW_LENGTHS: dict[str, timedelta] = {
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "30d": timedelta(days=30),
    "now": timedelta(0),
}
WINDOWS = (*WINDOW_LENGTHS, "today")
COMPARISONS = (">", ">=", "<", "<=")


def breaches(value: float | None, comparison: str, threshold: float) -> bool:
    """Whether ``value`` is on the wrong side of ``threshold``; no value (nothing to measure) never breaches."""
    if value is None:
        return False
    if comparison == ">":
        return value > threshold
    if comparison == ">=":
        return value >= threshold
    if comparison == "<":
        return value < threshold
    return value <= threshold

"""How numbers read on screen: counts with separators, rates as percentages, seconds and durations."""

from __future__ import annotations

from decimal import Decimal

MISSING = "–"  # a ratio or average whose denominator is zero


def count(value: int | None) -> str:
    return MISSING if value is None else f"{int(value):,}"


def percent(rate: Decimal | float | None, places: int = 1) -> str:
    """0.0720 → ``7.2 %``; None (zero denominator) → ``–``."""
    return MISSING if rate is None else f"{float(rate) * 100:.{places}f} %"


def seconds(value: Decimal | float | None) -> str:
    """12.3 → ``12.3 s``; from an hour up, ``1 h 02 min``."""
    if value is None:
        return MISSING
    total = float(value)
    if total < 3600:
        return f"{total:,.1f} s"
    return duration(total)


def duration(value: Decimal | float | None) -> str:
    """Elapsed time in hours and minutes: ``37 h 05 min``."""
    if value is None:
        return MISSING
    minutes = int(round(float(value) / 60))
    return f"{minutes // 60} h {minutes % 60:02d} min"


def count_delta(now: int | None, before: int | None) -> str | None:
    """Change of a count vs the previous period: ``+12`` / ``-3`` (None when either side is missing)."""
    if now is None or before is None:
        return None
    return f"{int(now) - int(before):+,}"


def rate_delta(now: Decimal | float | None, before: Decimal | float | None) -> str | None:
    """Change of a rate in percentage points: ``+0.8 pp``."""
    if now is None or before is None:
        return None
    return f"{(float(now) - float(before)) * 100:+.1f} pp"


def seconds_delta(now: Decimal | float | None, before: Decimal | float | None) -> str | None:
    if now is None or before is None:
        return None
    return f"{float(now) - float(before):+,.1f} s"


def counted(number: int, noun: str) -> str:
    """``1 call``, ``2 calls``, ``1,312 messages``."""
    return f"{number:,} {noun if number == 1 else noun + 's'}"


def label(name: str) -> str:
    """``no_answer`` → ``No answer``."""
    return name.replace("_", " ").capitalize()

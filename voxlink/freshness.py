"""How old the served data is, against the refresh schedule: the one definition of fresh, late and stale.

Everything that shows or acts on freshness (the app's banner, the API's ``/readyz``, ``voxlink status``, the
Dagster ``stale_warehouse`` sensor) asks :func:`served_freshness` or :func:`assess`; none decides on its own.

- **fresh**: younger than two refresh intervals (the newest scheduled refresh may still be running);
- **late**: at least one scheduled refresh has not published, but the data is not yet stale;
- **stale**: older than ``VOXLINK_STALE_AFTER_MINUTES`` (default three refresh intervals);
- **never published**: there is no served warehouse yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voxlink.settings import Settings, get_settings

if TYPE_CHECKING:
    from voxlink.warehouse import PublishInfo


class State(StrEnum):
    FRESH = "fresh"
    LATE = "late"
    STALE = "stale"
    NEVER_PUBLISHED = "never published"


@dataclass(frozen=True)
class Freshness:
    state: State
    interval_seconds: int
    stale_after_seconds: int
    version: int | None = None
    published_at: datetime | None = None
    age_seconds: float | None = None

    def describe(self, zone: tzinfo = UTC, state: bool = True) -> str:
        """One line for people: "data as of 2026-11-30 14:05 UTC — 3 min old; refreshed every 5 min (fresh)"."""
        every = f"refreshed every {_minutes(self.interval_seconds)}"
        if self.published_at is None or self.age_seconds is None:
            return f"no data published yet; {every}" + (" (never published)" if state else "")
        as_of = self.published_at.astimezone(zone)
        line = f"data as of {as_of:%Y-%m-%d %H:%M %Z} — {_minutes(self.age_seconds)} old; {every}"
        return f"{line} ({self.state})" if state else line

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (``/readyz``): state, age and schedule in seconds, publish version and time."""
        return {
            "state": str(self.state),
            "age_seconds": None if self.age_seconds is None else round(self.age_seconds, 1),
            "version": self.version,
            "published_at": None
            if self.published_at is None
            else self.published_at.astimezone(UTC).isoformat(),
            "refresh_interval_seconds": self.interval_seconds,
            "stale_after_seconds": self.stale_after_seconds,
        }


def assess(
    version: int | None, published_at: datetime | None, now: datetime, settings: Settings | None = None
) -> Freshness:
    """The state of data published at ``published_at`` (None: never) seen at ``now``."""
    s = settings or get_settings()
    interval, stale_after = 60 * s.refresh_interval_minutes, s.stale_after_seconds
    if published_at is None:
        return Freshness(State.NEVER_PUBLISHED, interval, stale_after)
    # a clock a little behind the publisher's must not show a negative age
    age = max(0.0, (now - published_at).total_seconds())
    if age > stale_after:
        state = State.STALE
    elif age > 2 * interval:
        state = State.LATE
    else:
        state = State.FRESH
    return Freshness(state, interval, stale_after, version, published_at, age)


def served_freshness(path: Path | None = None, now: datetime | None = None) -> Freshness:
    """The freshness of the served warehouse now: one ``stat`` and, once per publish, one tiny query."""
    from voxlink import warehouse

    path = path or warehouse.served_path()
    try:
        version = warehouse.file_version(path)
        seen = _publish_seen.get(path)
        if seen is None or seen[0] != version:
            seen = _publish_seen[path] = (version, warehouse.publish_info(path))
    except warehouse.WarehouseMissing:
        return assess(None, None, now or datetime.now(UTC))
    info = seen[1]
    return assess(info.version, info.published_at, now or datetime.now(UTC))


# the publish record of each served file as of its file version: a readiness probe or a sensor tick costs a stat
_publish_seen: dict[Path, tuple[str, PublishInfo]] = {}


def _minutes(seconds: float) -> str:
    if seconds >= 5400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"

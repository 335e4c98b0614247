"""Helpers to write hand-built canonical events compactly in tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

_ids = itertools.count(1)


def at(stamp: str, plus: float = 0.0) -> str:
    """ISO timestamp ``stamp`` (UTC, 'YYYY-MM-DD HH:MM:SS') shifted by ``plus`` seconds."""
    moment = datetime.fromisoformat(stamp).replace(tzinfo=UTC) + timedelta(seconds=plus)
    return moment.isoformat()


def ev(kind: str, when: str, **fields: Any) -> dict[str, Any]:
    event = {"event_id": fields.pop("event_id", f"ev-{next(_ids)}"), "type": kind, "occurred_at": when}
    for key, value in fields.items():
        event["from" if key == "from_" else key] = value
    return event


CALLER = "+14155552671"
LINE = "+12125550123"

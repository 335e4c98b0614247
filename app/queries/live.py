"""What the wallboard reads from the system of record: the live state (operational/live.py) and queue targets.

*Now* comes from PostgreSQL, never from the warehouse; the account is always the signed-in viewer's. Targets
are the managers' own settings (``queue_targets``, migration 0005): everyone on the wallboard reads them,
only admins and managers change them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine

from app.components.live_tiles import Targets
from app.filters.scope import Scope
from app.signin.access import SUBSCRIPTION_ROLES, Viewer, require_role
from operational.live import ALL_QUEUES, LiveState, live_state
from operational.models import QueueTarget

TARGET_ROLES = SUBSCRIPTION_ROLES  # admins and managers: the people who run the floor
DEFAULTS = Targets()


class TargetError(ValueError):
    """A target a manager typed is out of range; the message names it."""


def _engine() -> Engine:
    from operational.database import get_engine

    return get_engine(start=False)


def now(scope: Scope, at: datetime | None = None) -> LiveState:
    """The account's live state (today's counters in its local day)."""
    with _engine().connect() as conn:
        return live_state(conn, scope.viewer.account_id, scope.account.timezone, at or datetime.now(UTC))


def targets(scope: Scope, queue: str | None) -> Targets:
    """``queue``'s targets (None: the account-wide row), each missing value from the account row, then defaults."""
    names = [ALL_QUEUES] if queue is None else [queue, ALL_QUEUES]
    query = sa.select(QueueTarget).where(
        QueueTarget.account_id == scope.viewer.account_id, QueueTarget.queue.in_(names)
    )
    with _engine().connect() as conn:
        rows = {row.queue: row for row in conn.execute(query)}
    chain = [rows[name] for name in names if name in rows]

    def pick(column: str, default: object) -> object:
        return next((getattr(r, column) for r in chain if getattr(r, column) is not None), default)

    return Targets(
        service_level=Decimal(str(pick("service_level_target", DEFAULTS.service_level))),
        abandon_rate=Decimal(str(pick("abandon_rate_target", DEFAULTS.abandon_rate))),
        longest_wait_seconds=int(str(pick("longest_wait_seconds_target", DEFAULTS.longest_wait_seconds))),
    )


def parse_targets(
    service_level_percent: str, abandon_rate_percent: str, longest_wait_seconds: str
) -> Targets:
    """The form's text as targets; a clear TargetError naming the field when one is out of range."""

    def percent(text: str, name: str) -> Decimal:
        try:
            value = Decimal(text.strip().rstrip("%").strip())
        except InvalidOperation:
            raise TargetError(f"{name} must be a percentage between 0 and 100, not {text!r}") from None
        if not value.is_finite() or not 0 <= value <= 100:
            raise TargetError(f"{name} must be a percentage between 0 and 100, not {text!r}")
        return (value / 100).quantize(Decimal("0.0001"))

    try:
        wait = int(longest_wait_seconds.strip())
    except ValueError:
        raise TargetError(
            f"longest wait must be a whole number of seconds, not {longest_wait_seconds!r}"
        ) from None
    if wait <= 0:
        raise TargetError(f"longest wait must be more than 0 seconds, not {wait}")
    return Targets(
        percent(service_level_percent, "service level"), percent(abandon_rate_percent, "abandon rate"), wait
    )


def save_targets(viewer: Viewer, queue: str | None, chosen: Targets) -> None:
    """Store ``queue``'s targets (None: the account-wide default) for the viewer's account; admins/managers only."""
    require_role(viewer, TARGET_ROLES, "Setting wallboard targets")
    values = {
        "account_id": viewer.account_id,
        "queue": ALL_QUEUES if queue is None else queue,
        "service_level_target": chosen.service_level,
        "abandon_rate_target": chosen.abandon_rate,
        "longest_wait_seconds_target": chosen.longest_wait_seconds,
        "updated_by": viewer.username,
    }
    statement = insert(QueueTarget).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["account_id", "queue"],
        set_={key: statement.excluded[key] for key in values if key not in ("account_id", "queue")}
        | {"updated_at": sa.func.now()},
    )
    with _engine().begin() as conn:
        conn.execute(statement)

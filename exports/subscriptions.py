"""Report subscriptions (create, list, update, delete) and their delivery log: what the app page and CLI call.

Every function is scoped to one account and validates what it stores: a known report and format, filters
on the report's text columns, a schedule that can fire, and recipients who are users of the account or in
its allowed e-mail domains.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from exports.export import FORMATS, validate_filters
from exports.recipients import RecipientError, check_recipients
from exports.report_specs import REPORTS, ReportError
from exports.schedule import Schedule, ScheduleError
from operational.models import ReportDelivery, ReportSubscription


class SubscriptionError(ValueError):
    """A subscription that cannot be stored or found; the message says why, ``field`` names the field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SubscriptionNotFound(SubscriptionError):
    """No subscription with this id in the account (another account's answers the same)."""


class DuplicateSubscription(SubscriptionError):
    """Another subscription of the account has this name."""


@dataclass(frozen=True)
class SubscriptionRef:
    id: int
    account_id: int
    name: str
    report: str
    format: str
    filters: dict[str, str]
    schedule: Schedule
    recipients: list[str]
    enabled: bool
    held_at: datetime | None
    hold_reason: str | None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def describe(self) -> str:
        held = f"  HELD: {self.hold_reason}" if self.held_at else ""
        state = "" if self.enabled else " (disabled)"
        return (
            f"#{self.id} {self.name}: {self.report} as {self.format}, {self.schedule.describe()}"
            f" → {', '.join(self.recipients)}{state}{held}"
        )


@dataclass(frozen=True)
class DeliveryEntry:
    """One line of the delivery log."""

    id: int
    subscription_id: int
    subscription: str
    period_start: date
    period_end: date
    status: str
    attempts: int
    due_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None
    rows: int | None


def _ref(row: Any) -> SubscriptionRef:
    schedule = Schedule(row.frequency, row.send_at, row.weekday, row.day_of_month)
    return SubscriptionRef(row.id, row.account_id, row.name, row.report, row.format, dict(row.filters),
                           schedule, list(row.recipients), row.enabled, row.held_at, row.hold_reason,
                           row.created_at, row.updated_at)  # fmt: skip


def _values(conn: sa.Connection, account_id: int, **fields: Any) -> dict[str, Any]:
    """Validated column values for the fields given (None means: not changing)."""
    values: dict[str, Any] = {}
    try:
        if fields.get("name") is not None:
            name = fields["name"].strip()
            if not name or len(name) > 200:
                raise SubscriptionError("a subscription needs a name of at most 200 characters", "name")
            values["name"] = name
        if fields.get("fmt") is not None:
            if fields["fmt"] not in FORMATS:
                raise SubscriptionError(
                    f"format {fields['fmt']!r} is not one of {', '.join(FORMATS)}", "format"
                )
            values["format"] = fields["fmt"]
        if fields.get("report") is not None:
            values["report"] = fields["report"]
            values["filters"] = validate_filters(fields["report"], fields.get("filters") or {})
        schedule: Schedule | None = fields.get("schedule")
        if schedule is not None:
            values.update(frequency=schedule.frequency, weekday=schedule.weekday,
                          day_of_month=schedule.day_of_month, send_at=schedule.send_at)  # fmt: skip
        if fields.get("recipients") is not None:
            values["recipients"] = check_recipients(conn, account_id, fields["recipients"])
        if fields.get("enabled") is not None:
            values["enabled"] = bool(fields["enabled"])
    except RecipientError as err:
        raise SubscriptionError(str(err), "recipients") from None
    except ScheduleError as err:
        raise SubscriptionError(str(err), "schedule") from None
    except ReportError as err:  # an unknown report, or a filter on a column the report has not
        raise SubscriptionError(str(err), "filters" if fields["report"] in REPORTS else "report") from None
    return values


def create_subscription(
    engine: Engine, account_id: int, *, name: str, report: str, fmt: str, schedule: Schedule,
    recipients: list[str], filters: dict[str, str] | None = None, created_by: int | None = None,
) -> SubscriptionRef:  # fmt: skip
    with engine.begin() as conn:
        values = _values(conn, account_id, name=name, report=report, fmt=fmt, schedule=schedule,
                         recipients=recipients, filters=filters or {})  # fmt: skip
        try:
            with conn.begin_nested():
                row = conn.execute(
                    sa.insert(ReportSubscription)
                    .values(account_id=account_id, created_by=created_by, **values)
                    .returning(ReportSubscription)
                ).one()
        except IntegrityError:
            raise DuplicateSubscription(
                f"a subscription named {values['name']!r} already exists", "name"
            ) from None
    return _ref(row)


def list_subscriptions(engine: Engine, account_id: int) -> list[SubscriptionRef]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(ReportSubscription)
            .where(ReportSubscription.account_id == account_id)
            .order_by(ReportSubscription.name)
        )
        return [_ref(row) for row in rows]


def get_subscription(engine: Engine, account_id: int, subscription_id: int) -> SubscriptionRef:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(ReportSubscription).where(
                ReportSubscription.account_id == account_id, ReportSubscription.id == subscription_id
            )
        ).first()
    if row is None:
        raise SubscriptionNotFound(f"no subscription #{subscription_id} in this account")
    return _ref(row)


def update_subscription(
    engine: Engine, account_id: int, subscription_id: int, *, name: str | None = None,
    report: str | None = None, fmt: str | None = None, schedule: Schedule | None = None,
    recipients: list[str] | None = None, filters: dict[str, str] | None = None, enabled: bool | None = None,
) -> SubscriptionRef:  # fmt: skip
    """Change the fields given; the rest stay as they are."""
    current = get_subscription(engine, account_id, subscription_id)
    if report is not None or filters is not None:  # filters are checked against the report they apply to
        report, filters = report or current.report, current.filters if filters is None else filters
    with engine.begin() as conn:
        values = _values(conn, account_id, name=name, report=report, fmt=fmt,
                         schedule=schedule, recipients=recipients, filters=filters, enabled=enabled)  # fmt: skip
        try:
            with conn.begin_nested():
                row = conn.execute(
                    sa.update(ReportSubscription)
                    .where(
                        ReportSubscription.account_id == account_id, ReportSubscription.id == subscription_id
                    )
                    .values(updated_at=sa.func.now(), **values)
                    .returning(ReportSubscription)
                ).one()
        except IntegrityError:
            raise DuplicateSubscription(
                f"a subscription named {values.get('name')!r} already exists", "name"
            ) from None
    return _ref(row)


def delete_subscription(engine: Engine, account_id: int, subscription_id: int) -> bool:
    """Remove a subscription and its delivery log; False when there was none."""
    with engine.begin() as conn:
        deleted = conn.execute(
            sa.delete(ReportSubscription).where(
                ReportSubscription.account_id == account_id, ReportSubscription.id == subscription_id
            )
        ).rowcount
    return bool(deleted)


def delivery_log(
    engine: Engine, account_id: int, *, subscription_id: int | None = None, limit: int = 100
) -> list[DeliveryEntry]:
    """The newest deliveries first: status, attempts, the last error (SMTP failures, holds)."""
    query = (
        sa.select(ReportDelivery, ReportSubscription.name.label("subscription"))
        .join(ReportSubscription, ReportSubscription.id == ReportDelivery.subscription_id)
        .where(ReportDelivery.account_id == account_id)
        .order_by(ReportDelivery.created_at.desc(), ReportDelivery.id.desc())
        .limit(limit)
    )
    if subscription_id is not None:
        query = query.where(ReportDelivery.subscription_id == subscription_id)
    with engine.connect() as conn:
        rows = conn.execute(query)
        return [
            DeliveryEntry(
                r.id,
                r.subscription_id,
                r.subscription,
                r.period_start,
                r.period_end,
                r.status,
                r.attempts,
                r.due_at,
                r.sent_at,
                r.next_attempt_at,
                r.last_error,
                r.rows,
            )  # fmt: skip
            for r in rows
        ]

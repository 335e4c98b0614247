"""The subscriptions page's logic: the viewer's own account's report subscriptions and their delivery log.

Everything goes through ``exports.subscriptions``, which validates what it stores (report, filters, schedule,
recipients) and raises ``SubscriptionError`` with a message for the user. Every function here takes the
signed-in viewer, refuses a role that may not manage subscriptions and uses the viewer's account, never one
the page names: a manager cannot reach another account's subscriptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy.engine import Engine

from app.filters.call_report_widgets import STATUSES
from app.signin.access import SUBSCRIPTION_ROLES, Viewer, require_role
from exports import subscriptions as store
from exports.presentation import TEXT_COLUMNS
from exports.recipients import allowed_domains, user_addresses
from exports.report_specs import REPORTS
from exports.schedule import Schedule, ScheduleError, fire_instant, fires_on
from exports.subscriptions import SubscriptionError, SubscriptionRef

WHAT = "Report subscriptions"
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Filter values that come from a short fixed list (queue, campaign and agent names come from the warehouse).
FILTER_CHOICES = {
    "direction": ("inbound", "outbound"),
    "channel": ("sms", "mms", "chat", "email"),
    "window": ("24h", "30d"),
    "compliant": ("true", "false"),
    "status": STATUSES,
}
LOG_SCHEMA: dict[str, pl.DataType] = {
    "subscription": pl.String(),
    "period": pl.String(),
    "status": pl.String(),
    "attempts": pl.Int64(),
    "last_error": pl.String(),
    "sent_at": pl.Datetime("us", "UTC"),
    "next_attempt_at": pl.Datetime("us", "UTC"),
    "rows": pl.Int64(),
}

__all__ = ["SubscriptionError", "SubscriptionRef"]


def _engine() -> Engine:
    from operational.database import get_engine

    return get_engine(start=False)


def _account(viewer: Viewer) -> int:
    require_role(viewer, SUBSCRIPTION_ROLES, WHAT)
    return viewer.account_id


@dataclass(frozen=True)
class NewSubscription:
    """The create form as typed: checked by ``exports.subscriptions`` when stored."""

    name: str
    report: str
    fmt: str
    frequency: str
    send_at: time
    recipients: str  # addresses separated by commas, semicolons, spaces or new lines
    weekday: int | None = None  # 0 = Monday; weekly only
    day_of_month: int | None = None  # monthly only
    filters: dict[str, str | None] = field(default_factory=dict)  # empty values mean "any"


def filter_columns(report: str) -> list[str]:
    """The report's text columns, the ones a subscription can filter on."""
    return [column for column in REPORTS[report].columns if column in TEXT_COLUMNS]


def split_addresses(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text) if part]


def create(viewer: Viewer, new: NewSubscription) -> SubscriptionRef:
    account_id = _account(viewer)
    schedule, filters = _schedule_and_filters(new)
    return store.create_subscription(
        _engine(), account_id, name=new.name, report=new.report, fmt=new.fmt, schedule=schedule,
        recipients=split_addresses(new.recipients), filters=filters, created_by=viewer.user_id,
    )  # fmt: skip


def _schedule_and_filters(new: NewSubscription) -> tuple[Schedule, dict[str, str]]:
    try:
        schedule = Schedule(
            new.frequency,
            new.send_at.replace(second=0, microsecond=0),
            new.weekday if new.frequency == "weekly" else None,
            new.day_of_month if new.frequency == "monthly" else None,
        )
    except ScheduleError as err:
        raise SubscriptionError(str(err)) from None
    return schedule, {
        column: value.strip() for column, value in new.filters.items() if value and value.strip()
    }


def update(viewer: Viewer, subscription_id: int, edited: NewSubscription) -> SubscriptionRef:
    """Save the edit form: name, format, schedule, recipients and filters (the report stays the same)."""
    account_id = _account(viewer)
    schedule, filters = _schedule_and_filters(edited)
    return store.update_subscription(
        _engine(), account_id, subscription_id, name=edited.name, fmt=edited.fmt, schedule=schedule,
        recipients=split_addresses(edited.recipients), filters=filters,
    )  # fmt: skip


def send_now(viewer: Viewer, subscription_id: int) -> str:
    """E-mail the subscription's latest period now, through the scheduled delivery; what happened, in words."""
    from exports.delivery import NothingToSend, current_health
    from exports.delivery import send_now as deliver_now

    account_id = _account(viewer)
    try:
        outcome = deliver_now(
            _engine(), account_id, subscription_id, health=current_health(_failed_refresh_at())
        )
    except NothingToSend as err:
        raise SubscriptionError(str(err)) from None
    if outcome.status == "sent":
        return f"Sent “{outcome.subscription}” for {outcome.period}."
    raise SubscriptionError(f"“{outcome.subscription}” for {outcome.period} not sent ({outcome.status}): "
                            f"{outcome.detail}")  # fmt: skip


def _failed_refresh_at() -> datetime | None:
    """When the refresh last failed (a delivery then holds rather than send stale figures); None if unknown."""
    try:
        import dagster as dg

        from pipelines.deliveries import last_failed_refresh_at
        from pipelines.refresh import prepare_dagster_home

        prepare_dagster_home()
        with dg.DagsterInstance.get() as instance:
            return last_failed_refresh_at(instance)
    except (
        Exception
    ):  # no Dagster instance here: the publish time alone still holds data older than the period
        return None


def local_now(timezone: str, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone))


def next_send(ref: SubscriptionRef, timezone: str, now: datetime | None = None) -> datetime | None:
    """The next time the subscription's e-mail goes out, local to the account (None when paused)."""
    if not ref.enabled:
        return None
    now = now or datetime.now(UTC)
    today = local_now(timezone, now).date()
    for ahead in range(0, 63):
        day = today + timedelta(days=ahead)
        if fires_on(ref.schedule, day) and (instant := fire_instant(ref.schedule, day, timezone)) > now:
            return instant.astimezone(ZoneInfo(timezone))
    return None


def subscriptions(viewer: Viewer) -> list[SubscriptionRef]:
    return store.list_subscriptions(_engine(), _account(viewer))


def set_enabled(viewer: Viewer, subscription_id: int, enabled: bool) -> SubscriptionRef:
    """Pause (False) or resume (True); a paused subscription is not delivered."""
    return store.update_subscription(_engine(), _account(viewer), subscription_id, enabled=enabled)


def remove(viewer: Viewer, subscription_id: int) -> None:
    if not store.delete_subscription(_engine(), _account(viewer), subscription_id):
        raise SubscriptionError(f"no subscription #{subscription_id} in this account")


def allowed_recipients(viewer: Viewer) -> tuple[list[str], list[str]]:
    """The account's users' addresses and its allowed e-mail domains: who a subscription may go to."""
    account_id = _account(viewer)
    with _engine().connect() as conn:
        return sorted(user_addresses(conn, account_id)), allowed_domains(conn, account_id)


def describe(ref: SubscriptionRef) -> str:
    """``Abandon rate & service level as XLSX, daily at 07:00``."""
    return f"{REPORTS[ref.report].title} as {ref.format.upper()}, {ref.schedule.describe()}"


def subscription_frame(
    refs: list[SubscriptionRef], timezone: str = "UTC", now: datetime | None = None
) -> pl.DataFrame:
    """The listing: one row per subscription, in words, with its next send time local to the account."""
    rows = [
        {
            "name": ref.name,
            "report": describe(ref),
            "recipients": ", ".join(ref.recipients),
            "filters": ", ".join(f"{column} = {value}" for column, value in ref.filters.items()),
            "state": ("held" if ref.held_at else "active") if ref.enabled else "paused",
            "next send": f"{sent:%a %Y-%m-%d %H:%M %Z}" if (sent := next_send(ref, timezone, now)) else "",
        }
        for ref in refs
    ]
    columns = ("name", "report", "recipients", "filters", "state", "next send")
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String))


def _period(start: object, end: object) -> str:
    return f"{start}" if start == end else f"{start} to {end}"


def delivery_log(viewer: Viewer, timezone: str, limit: int = 200) -> pl.DataFrame:
    """The newest deliveries first; times in the account's time zone."""
    entries = store.delivery_log(_engine(), _account(viewer), limit=limit)
    frame = pl.DataFrame(
        [
            {
                "subscription": e.subscription,
                "period": _period(e.period_start, e.period_end),
                "status": e.status,
                "attempts": e.attempts,
                "last_error": e.last_error,
                "sent_at": e.sent_at,
                "next_attempt_at": e.next_attempt_at,
                "rows": e.rows,
            }
            for e in entries
        ],
        schema=LOG_SCHEMA,
    )
    return frame.with_columns(
        pl.col("sent_at").dt.convert_time_zone(timezone),
        pl.col("next_attempt_at").dt.convert_time_zone(timezone),
    )

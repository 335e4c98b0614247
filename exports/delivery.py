"""Deliver due subscriptions exactly once per (subscription, period): claim, lease, hold or render and send.

1. Claim: for every enabled subscription whose latest firing has passed, insert its (subscription, period)
   row into ``report_deliveries``; the unique key turns a second insert, by a retried or overlapping run,
   into nothing.
2. Lease: a worker takes a row with one conditional ``UPDATE … RETURNING`` (pending, retry-due or held →
   sending). Two workers cannot both win it; a worker that died leaves a lease that expires.
3. Hold, or render and send: while the served warehouse is older than the latest failed refresh (its build
   or data checks failed), or was published before the period ended, the row is ``held`` and the
   subscription flagged, and every later run looks again. Otherwise the report is rendered and e-mailed;
   an SMTP failure is retried a couple of times at once, then the row waits with exponential backoff.

The e-mail leaves at most once per row, except if a worker dies between the SMTP server's "250 OK" and the
``sent`` update: SMTP gives no way to close that gap, so such a resend carries the same Message-ID.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from exports.delivery_outcome import Outcome, Recorder
from exports.export import RenderedReport, build_report, export_context
from exports.mail_body import MailBody
from exports.presentation import Tile, tiles
from exports.recipients import refused
from exports.report_specs import REPORTS
from exports.schedule import Schedule, latest_firing, period_end_instant, period_for
from operational.models import Account, ReportDelivery, ReportSubscription
from voxlink import warehouse
from voxlink.mail import Attachment, PartiallyRefused, SendFailed, SmtpConfig, build_message, send

OPEN = ("pending", "retry", "held")
READ_AGAIN = 3  # reads of the attachment and its figures while publishes keep landing between them


@dataclass(frozen=True)
class DataHealth:
    """What the delivery knows about the served data: when it was published, when a refresh last failed."""

    published_at: datetime | None
    failed_refresh_at: datetime | None = None

    def hold_reason(self, period_over_at: datetime) -> str | None:
        if self.published_at is None:
            return "no warehouse has been published yet"
        if self.failed_refresh_at is not None and self.failed_refresh_at > self.published_at:
            return (f"the refresh of {self.failed_refresh_at:%Y-%m-%d %H:%M} UTC failed its build or data checks; "
                    f"held until a refresh passes (served data is from {self.published_at:%Y-%m-%d %H:%M} UTC)")  # fmt: skip
        if self.published_at < period_over_at:
            return (f"the served data (published {self.published_at:%Y-%m-%d %H:%M} UTC) ends before the period "
                    f"does ({period_over_at:%Y-%m-%d %H:%M} UTC); waiting for a refresh")  # fmt: skip
        return None


def current_health(failed_refresh_at: datetime | None) -> DataHealth:
    try:
        published = warehouse.publish_info().published_at
    except warehouse.WarehouseMissing:
        published = None
    return DataHealth(published, failed_refresh_at)


@dataclass(frozen=True)
class DeliveryPolicy:
    quick_retries: int = 2  # further SMTP tries within one run
    quick_backoff_seconds: float = 2.0  # doubled before each further try
    retry_after: timedelta = timedelta(minutes=1)  # then the row waits: doubled per failed run, capped
    retry_cap: timedelta = timedelta(hours=1)
    max_attempts: int = 8  # runs that tried SMTP before the delivery is marked failed
    lease: timedelta = timedelta(minutes=10)
    hold_recheck: timedelta = timedelta(minutes=5)  # a held delivery looks again after the next refresh


Sender = Callable[[EmailMessage, SmtpConfig], None]


def claim_due(engine: Engine, now: datetime) -> int:
    """Insert the delivery row of every subscription's latest passed firing; return how many were new."""
    with engine.begin() as conn:
        subs = conn.execute(
            sa.select(ReportSubscription, Account.timezone)
            .join(Account, Account.id == ReportSubscription.account_id)
            .where(ReportSubscription.enabled)
        ).all()
        rows = []
        for sub in subs:
            schedule = Schedule(sub.frequency, sub.send_at, sub.weekday, sub.day_of_month)
            firing = latest_firing(schedule, sub.timezone, now)
            if firing is None or firing[1] < sub.created_at:  # no firing since the subscription was made
                continue
            start, end = period_for(schedule, firing[0])
            rows.append({"account_id": sub.account_id, "subscription_id": sub.id, "period_start": start,
                         "period_end": end, "due_at": firing[1]})  # fmt: skip
        if not rows:
            return 0
        inserted = conn.execute(
            insert(ReportDelivery).values(rows).on_conflict_do_nothing().returning(ReportDelivery.id)
        )
        return len(inserted.all())


def _leasable(now: datetime) -> sa.ColumnElement[bool]:
    waiting = sa.and_(
        ReportDelivery.status.in_(OPEN),
        sa.or_(ReportDelivery.next_attempt_at.is_(None), ReportDelivery.next_attempt_at <= now),
    )
    abandoned = sa.and_(ReportDelivery.status == "sending", ReportDelivery.lease_until < now)
    return sa.or_(waiting, abandoned)


def has_work(engine: Engine, now: datetime) -> bool:
    """Claim what fell due and say whether any delivery is waiting (cheap: what a sensor asks)."""
    claim_due(engine, now)
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.exists().where(_leasable(now)))) or False


def deliver_due(
    engine: Engine, *, health: DataHealth, now: datetime | None = None, smtp: SmtpConfig | None = None,
    policy: DeliveryPolicy | None = None, sender: Sender = send,
) -> list[Outcome]:  # fmt: skip
    """Claim and work through every delivery that is due; safe to run from several places at once."""
    now = now or datetime.now(UTC)
    policy, smtp = policy or DeliveryPolicy(), smtp or SmtpConfig.from_settings()
    claim_due(engine, now)
    with engine.connect() as conn:
        candidates = conn.scalars(
            sa.select(ReportDelivery.id)
            .where(_leasable(now))
            .order_by(ReportDelivery.due_at, ReportDelivery.id)
        ).all()
    outcomes = []
    for delivery_id in candidates:
        with engine.begin() as conn:
            leased = _lease(conn, delivery_id, now, policy)
        if leased:  # another worker got there first otherwise
            outcomes.append(_deliver(engine, delivery_id, now, health, smtp, policy, sender))
    return outcomes


def _lease(conn: sa.Connection, delivery_id: int, now: datetime, policy: DeliveryPolicy) -> bool:
    """Take ``delivery_id`` for sending if it is leasable now (one worker, or one "Send now", wins it)."""
    taken = conn.execute(
        sa.update(ReportDelivery)
        .where(ReportDelivery.id == delivery_id, _leasable(now))
        .values(status="sending", lease_until=now + policy.lease, updated_at=sa.func.now())
        .returning(ReportDelivery.id)
    ).first()
    return taken is not None


class NothingToSend(LookupError):
    """ "Send now" for a subscription the account has not, or whose schedule has no period to report yet."""


def send_now(
    engine: Engine, account_id: int, subscription_id: int, *, health: DataHealth, now: datetime | None = None,
    smtp: SmtpConfig | None = None, policy: DeliveryPolicy | None = None, sender: Sender = send,
) -> Outcome:  # fmt: skip
    """Deliver the subscription's latest period now, through the scheduled path: its delivery row is claimed
    (or re-opened, if that period went out already), leased and worked like any other, so a "Send now" and the
    schedule never both send it, and the delivery log records it. The e-mail gets a Message-ID of its own."""
    now = now or datetime.now(UTC)
    policy, smtp = policy or DeliveryPolicy(), smtp or SmtpConfig.from_settings()
    with engine.begin() as conn:
        found = conn.execute(
            sa.select(ReportSubscription, Account.timezone)
            .join(Account, Account.id == ReportSubscription.account_id)
            .where(ReportSubscription.account_id == account_id, ReportSubscription.id == subscription_id)
        ).first()
        if found is None:
            raise NothingToSend(f"no subscription #{subscription_id} in this account")
        sub = found  # the subscription's columns and the account's time zone, in one row
        if not sub.enabled:
            raise NothingToSend(f"“{sub.name}” is paused: resume it to send it")
        schedule = Schedule(sub.frequency, sub.send_at, sub.weekday, sub.day_of_month)
        firing = latest_firing(schedule, found.timezone, now)
        if firing is None:
            raise NothingToSend(f"“{sub.name}” has no period to report yet")
        start, end = period_for(schedule, firing[0])
        row = {"account_id": account_id, "subscription_id": sub.id, "period_start": start, "period_end": end,
               "due_at": now, "status": "pending"}  # fmt: skip
        # a period already sent, failed or waiting is re-opened; one that is being sent right now is left alone
        delivery_id = conn.execute(
            insert(ReportDelivery)
            .values(row)
            .on_conflict_do_update(
                index_elements=["subscription_id", "period_start", "period_end"],
                set_={"status": "pending", "next_attempt_at": None, "updated_at": sa.func.now()},
                where=ReportDelivery.status != "sending",
            )
            .returning(ReportDelivery.id)
        ).scalar()
        if delivery_id is None:
            return Outcome(0, sub.name, f"{start} to {end}", "sending", "already being sent")
        leased = _lease(conn, delivery_id, now, policy)
    if not leased:
        return Outcome(delivery_id, sub.name, f"{start} to {end}", "sending", "already being sent")
    return _deliver(engine, delivery_id, now, health, smtp, policy, sender, manual=True)


def _deliver(engine: Engine, delivery_id: int, now: datetime, health: DataHealth, smtp: SmtpConfig,
             policy: DeliveryPolicy, sender: Sender, manual: bool = False) -> Outcome:  # fmt: skip
    with Session(engine) as session:
        row = session.execute(
            sa.select(ReportDelivery, ReportSubscription, Account.slug, Account.timezone)
            .join(ReportSubscription, ReportSubscription.id == ReportDelivery.subscription_id)
            .join(Account, Account.id == ReportDelivery.account_id)
            .where(ReportDelivery.id == delivery_id)
        ).one()
        d, sub = row.ReportDelivery, row.ReportSubscription
        outside = refused(session.connection(), sub.account_id, sub.recipients)
    period = d.period_start.isoformat() + ("" if d.period_start == d.period_end else f" to {d.period_end}")
    done = Recorder(engine, d, sub, period)
    if not sub.enabled:
        return done.finish("failed", "the subscription was disabled before this period was sent")
    reason = health.hold_reason(period_end_instant(d.period_end, row.timezone))
    if reason:
        return done.hold(reason, now + policy.hold_recheck)
    recipients = [address for address in sub.recipients if address not in outside]
    if not recipients:
        return done.finish("failed", f"no recipient is allowed any more: {', '.join(outside)}")
    try:
        report, figures = _report_with_figures(sub, row.slug, row.timezone, d, now)
    except warehouse.WarehouseMissing as err:
        return done.hold(str(err), now + policy.hold_recheck)
    title = REPORTS[sub.report].title
    body = MailBody(sub.name, title, row.slug, period, row.timezone, report.rows, figures, dict(sub.filters),
                    Schedule(sub.frequency, sub.send_at, sub.weekday, sub.day_of_month).describe(), outside)  # fmt: skip
    # a manual send is a message of its own: mail clients would hide a second one with the schedule's Message-ID
    tag = f"-now{int(now.timestamp())}" if manual else ""
    message = build_message(
        smtp.sender, recipients, f"{sub.name}: {title}, {period}", body.text(),
        Attachment(report.file_name, report.media_type, report.content),
        f"<vx-sub{sub.id}-{d.period_start}-{d.period_end}{tag}@{smtp.sender.rsplit('@', 1)[-1]}>",
    )  # fmt: skip
    message.get_body(("plain",)).add_alternative(body.html(), subtype="html")  # type: ignore[union-attr]
    error, note = None, "; ".join(f"not allowed: {a}" for a in outside)
    for attempt in range(policy.quick_retries + 1):
        try:
            sender(message, smtp)
            error = None
            break
        except PartiallyRefused as err:
            error, note = None, f"refused by the server: {err}"
            break
        except SendFailed as err:
            error = str(err)
            if attempt < policy.quick_retries:
                time.sleep(policy.quick_backoff_seconds * 2**attempt)
    attempts = d.attempts + 1
    if error is None:
        return done.finish("sent", note, attempts=attempts, recipients=recipients, rows=report.rows,
                           message_id=str(message["Message-ID"]))  # fmt: skip
    if attempts >= policy.max_attempts:
        return done.finish("failed", f"gave up after {attempts} attempts: {error}", attempts=attempts)
    wait = min(policy.retry_after * 2 ** (attempts - 1), policy.retry_cap)
    return done.finish(
        "retry", f"attempt {attempts} failed: {error}", attempts=attempts, next_attempt_at=now + wait
    )


def _report_with_figures(
    sub: ReportSubscription, slug: str, timezone: str, d: ReportDelivery, now: datetime
) -> tuple[RenderedReport, list[Tile]]:
    """The attachment and the e-mail body's headline figures, both read from one published version.

    They are two reads of the served warehouse (the report's rows, then the tiles the PDF's first page shows);
    a publish between them would give a body of one version and an attachment of the next, so the pair is read
    again until the version is the same before, between and after (publishes are a minute apart at most).
    """
    for _ in range(READ_AGAIN):
        before = warehouse.publish_info().version
        report = build_report(sub.account_id, slug, timezone, sub.report, d.period_start, d.period_end,
                              sub.format, dict(sub.filters), now)  # fmt: skip
        context = export_context(sub.report, slug, timezone, d.period_start, d.period_end, dict(sub.filters),
                                 now, sub.account_id)  # fmt: skip
        figures = tiles(context)
        if before == report.version == context.warehouse_version == warehouse.publish_info().version:
            break
    return report, figures  # after READ_AGAIN publishes in a row, the last pair read (the newest data)

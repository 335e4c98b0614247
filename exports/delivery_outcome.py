"""A delivery's outcome, and writing it back: the row's status, and the subscription's held flag with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from operational.models import ReportDelivery, ReportSubscription


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    subscription: str
    period: str
    status: str
    detail: str = ""


class Recorder:
    """Writes one leased delivery's outcome back, and the subscription's held flag with it."""

    def __init__(
        self, engine: Engine, delivery: ReportDelivery, sub: ReportSubscription, period: str
    ) -> None:
        self.engine, self.delivery, self.sub, self.period = engine, delivery, sub, period

    def hold(self, reason: str, recheck_at: datetime) -> Outcome:
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(ReportSubscription)
                .where(ReportSubscription.id == self.sub.id)
                .values(
                    held_at=sa.func.coalesce(ReportSubscription.held_at, sa.func.now()), hold_reason=reason
                )
            )
        return self.finish("held", reason, next_attempt_at=recheck_at)

    def finish(self, status: str, detail: str, **values: object) -> Outcome:
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(ReportDelivery)
                .where(ReportDelivery.id == self.delivery.id, ReportDelivery.status == "sending")
                .values(
                    status=status,
                    last_error=detail or None,
                    lease_until=None,
                    updated_at=sa.func.now(),
                    sent_at=sa.func.now() if status == "sent" else None,
                    **{"next_attempt_at": None, **values},
                )  # fmt: skip
            )
            if status == "sent":
                conn.execute(
                    sa.update(ReportSubscription)
                    .where(ReportSubscription.id == self.sub.id)
                    .values(held_at=None, hold_reason=None)
                )
        return Outcome(self.delivery.id, self.sub.name, self.period, status, detail)

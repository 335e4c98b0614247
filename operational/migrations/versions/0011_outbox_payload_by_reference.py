"""The stream outbox keeps a reference to its event, not a second copy of the payload (issue 18, ingest)

``stream_outbox.data`` repeated each stream event's canonical payload: about 40 % of the outbox's WAL, written
again for every ingested event that becomes a stream event. It is now null for those rows, and readers take the
payload from ``events`` by (account_id, event_id) (operational/outbox.py); alerts, which have no event, keep
theirs. Rows written before keep their copy, which readers prefer, until pruning removes them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 03:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("stream_outbox", "data", nullable=True)


def downgrade() -> None:
    # rows that referred to their event get its payload back before the column is required again
    op.execute(
        "update stream_outbox o set data = e.payload from events e "
        "where o.data is null and e.account_id = o.account_id and e.event_id = o.event_id"
    )
    op.execute("delete from stream_outbox where data is null")
    op.alter_column("stream_outbox", "data", nullable=False)

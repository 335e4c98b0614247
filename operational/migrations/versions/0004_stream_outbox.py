"""The stream outbox (issue 17) and the indexes the live read model polls by

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 17:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stream_outbox",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue", sa.String(length=200), nullable=True),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_stream_outbox_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stream_outbox")),
    )
    op.create_index("ix_stream_outbox_account_id", "stream_outbox", ["account_id", "id"])
    op.create_index("ix_stream_outbox_created_at", "stream_outbox", ["created_at"])
    op.create_index(
        "ix_calls_open", "calls", ["account_id", "started_at"], postgresql_where=sa.text("ended_at is null")
    )
    op.create_index(
        "ix_calls_inbound_started",
        "calls",
        ["account_id", "started_at"],
        postgresql_where=sa.text("direction = 'inbound'"),
    )


def downgrade() -> None:
    op.drop_index("ix_calls_inbound_started", table_name="calls")
    op.drop_index("ix_calls_open", table_name="calls")
    op.drop_table("stream_outbox")

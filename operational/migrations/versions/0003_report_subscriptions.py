"""Report subscriptions, their delivery log (exactly once per period), allowed e-mail domains, users' e-mail

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 21:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _account_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id"], ["accounts.id"], name=op.f(f"fk_{table}_account_id_accounts"), ondelete="CASCADE"
    )


def _stamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    op.add_column("users", sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "account_email_domains",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        _stamp("created_at"),
        _account_fk("account_email_domains"),
        sa.PrimaryKeyConstraint("account_id", "domain", name=op.f("pk_account_email_domains")),
    )
    op.create_table(
        "report_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("report", sa.String(length=40), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column(
            "filters",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),  # fmt: skip
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=True),
        sa.Column("day_of_month", sa.SmallInteger(), nullable=True),
        sa.Column("send_at", sa.Time(), nullable=False),
        sa.Column("recipients", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _stamp("created_at"),
        _stamp("updated_at"),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("format in ('csv', 'xlsx', 'pdf')", name=op.f("ck_report_subscriptions_format")),
        sa.CheckConstraint(
            "frequency in ('daily', 'weekly', 'monthly')", name=op.f("ck_report_subscriptions_frequency")
        ),
        sa.CheckConstraint(
            "(frequency = 'weekly') = (weekday is not null) and (weekday is null or weekday between 0 and 6)",
            name=op.f("ck_report_subscriptions_weekday"),
        ),
        sa.CheckConstraint(
            "(frequency = 'monthly') = (day_of_month is not null)"
            " and (day_of_month is null or day_of_month between 1 and 31)",
            name=op.f("ck_report_subscriptions_day_of_month"),
        ),
        _account_fk("report_subscriptions"),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_report_subscriptions_created_by_users"),
            ondelete="SET NULL",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_subscriptions")),
        sa.UniqueConstraint("account_id", "name", name=op.f("uq_report_subscriptions_account_id")),
    )
    op.create_table(
        "report_deliveries",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("recipients", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        _stamp("created_at"),
        _stamp("updated_at"),
        sa.CheckConstraint(
            "status in ('pending', 'sending', 'sent', 'retry', 'held', 'failed')",
            name=op.f("ck_report_deliveries_status"),
        ),
        _account_fk("report_deliveries"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["report_subscriptions.id"],
            name=op.f("fk_report_deliveries_subscription_id_report_subscriptions"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_deliveries")),
        sa.UniqueConstraint(
            "subscription_id", "period_start", "period_end", name=op.f("uq_report_deliveries_subscription_id")
        ),
    )
    op.create_index(
        "ix_report_deliveries_open", "report_deliveries", ["status", "next_attempt_at"],
        postgresql_where=sa.text("status in ('pending', 'sending', 'retry', 'held')"),
    )  # fmt: skip
    op.create_index("ix_report_deliveries_log", "report_deliveries", ["account_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_report_deliveries_log", table_name="report_deliveries")
    op.drop_index("ix_report_deliveries_open", table_name="report_deliveries")
    op.drop_table("report_deliveries")
    op.drop_table("report_subscriptions")
    op.drop_table("account_email_domains")
    op.drop_column("users", "email")

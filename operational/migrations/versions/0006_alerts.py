"""Metric alerts (issue 19): rules, their firing state, history, the webhook secret and delivery log

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _account() -> sa.Column[int]:
    return sa.Column(
        "account_id", sa.Integer(), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )


def _created(name: str = "created_at") -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer(), primary_key=True),
        _account(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("scope_name", sa.String(200), nullable=True),
        sa.Column("window", sa.String(10), nullable=False),
        sa.Column("comparison", sa.String(2), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("min_volume", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rearm_seconds", sa.Integer(), server_default="600", nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("recipients", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("webhook_url", sa.String(2000), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        _created(),
        _created("updated_at"),
        sa.UniqueConstraint("account_id", "name", name=op.f("uq_alert_rules_account_id")),
        sa.CheckConstraint("scope in ('account', 'queue', 'campaign')", name=op.f("ck_alert_rules_scope")),
        sa.CheckConstraint(
            "(scope = 'account') = (scope_name is null)", name=op.f("ck_alert_rules_scope_name")
        ),
        sa.CheckConstraint("comparison in ('>', '>=', '<', '<=')", name=op.f("ck_alert_rules_comparison")),
        sa.CheckConstraint(
            "(quiet_start is null) = (quiet_end is null)", name=op.f("ck_alert_rules_quiet_hours")
        ),
    )
    op.create_table(
        "alert_states",
        sa.Column(
            "rule_id", sa.Integer(), sa.ForeignKey("alert_rules.id", ondelete="CASCADE"), primary_key=True
        ),
        _account(),
        sa.Column("state", sa.String(10), server_default="ok", nullable=False),
        _created("since"),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state in ('ok', 'firing', 'recovering')", name=op.f("ck_alert_states_state")),
    )
    op.create_table(
        "alert_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        _account(),
        sa.Column(
            "rule_id", sa.Integer(), sa.ForeignKey("alert_rules.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("rule_name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("scope_name", sa.String(200), nullable=True),
        sa.Column("window", sa.String(10), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("comparison", sa.String(2), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("drilldown", sa.Text(), nullable=False),
        sa.Column("emailed_to", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("email_error", sa.Text(), nullable=True),
        _created("occurred_at"),
        sa.CheckConstraint("kind in ('fired', 'recovered')", name=op.f("ck_alert_events_kind")),
    )
    op.create_index("ix_alert_events_history", "alert_events", ["account_id", "occurred_at"])
    op.create_table(
        "alert_webhook_secrets",
        sa.Column(
            "account_id", sa.Integer(), sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("secret", sa.String(200), nullable=False),
        _created(),
    )
    op.create_table(
        "alert_webhook_deliveries",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        _account(),
        sa.Column(
            "event_id", sa.BigInteger(), sa.ForeignKey("alert_events.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(10), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        sa.CheckConstraint(
            "status in ('pending', 'retry', 'delivered', 'failed')",
            name=op.f("ck_alert_webhook_deliveries_status"),
        ),
    )
    op.create_index(
        "ix_alert_webhook_deliveries_due",
        "alert_webhook_deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status in ('pending', 'retry')"),
    )
    op.create_index(
        "ix_alert_webhook_deliveries_log", "alert_webhook_deliveries", ["account_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("alert_webhook_deliveries")
    op.drop_table("alert_webhook_secrets")
    op.drop_table("alert_events")
    op.drop_table("alert_states")
    op.drop_table("alert_rules")

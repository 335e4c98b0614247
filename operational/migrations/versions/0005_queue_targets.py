"""Per-queue wallboard targets and the catalogue's metric functions in the 'metrics' schema (issue 17)

The functions come from operational/sql/metric_functions.sql, rendered from the dbt macro that defines them for
the warehouse, so the live read model and the warehouse compute a ratio the same way. ``create or replace``
makes installing them again (a later revision, after the macro changes) safe.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from operational.sql.generate import OUTPUT, SCHEMA, statements

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(f"create schema if not exists {SCHEMA}")
    for statement in statements(OUTPUT.read_text(encoding="utf-8")):
        op.execute(statement)
    op.create_table(
        "queue_targets",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=200), nullable=False),
        sa.Column("service_level_target", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("abandon_rate_target", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("longest_wait_seconds_target", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "service_level_target between 0 and 1", name=op.f("ck_queue_targets_service_level_target")
        ),
        sa.CheckConstraint(
            "abandon_rate_target between 0 and 1", name=op.f("ck_queue_targets_abandon_rate_target")
        ),
        sa.CheckConstraint(
            "longest_wait_seconds_target > 0", name=op.f("ck_queue_targets_longest_wait_seconds_target")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_queue_targets_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "queue", name=op.f("pk_queue_targets")),
    )


def downgrade() -> None:
    op.drop_table("queue_targets")
    op.execute(f"drop schema if exists {SCHEMA} cascade")

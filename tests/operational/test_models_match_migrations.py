"""The models, split into one module per domain, still describe exactly the schema the migrations build."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from operational.models import Base


def test_every_table_of_the_migrated_database_matches_the_models(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_the_models_package_registers_all_twenty_seven_tables() -> None:
    assert sorted(Base.metadata.tables) == [
        "account_email_domains", "accounts", "agent_status_events", "agents", "alert_events", "alert_rules",
        "alert_states", "alert_webhook_deliveries", "alert_webhook_secrets", "api_keys", "browser_sessions", "calls",
        "campaigns", "device_tokens", "dialer_contacts", "dialer_decisions", "dnc_entries", "events", "messages", "queue_targets", "queues",
        "report_deliveries", "report_subscriptions", "sms_consent", "speed_dial_entries", "stream_outbox",
        "users",
    ]  # fmt: skip

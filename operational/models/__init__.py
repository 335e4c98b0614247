"""SQLAlchemy models of the operational store, one module per domain; importing this package registers every
table on ``Base.metadata`` (what Alembic compares the migrations with)."""

from operational.models import alerts as alerts  # the alert tables (issue 19)
from operational.models.base import NAMING_CONVENTION, SECONDS, Base, change_seq
from operational.models.device_tokens import BrowserSession, DeviceToken
from operational.models.dialer import DialerContact, DialerDecision, DncEntry, SmsConsent, SpeedDialEntry
from operational.models.dimensions import Agent, Campaign, Queue
from operational.models.ledger import AgentStatusEvent, Call, Event, Message
from operational.models.outbox import StreamEvent
from operational.models.subscriptions import AccountEmailDomain, ReportDelivery, ReportSubscription
from operational.models.targets import QueueTarget
from operational.models.tenants import Account, ApiKey, User

__all__ = [
    "NAMING_CONVENTION",
    "SECONDS",
    "Account",
    "AccountEmailDomain",
    "Agent",
    "AgentStatusEvent",
    "ApiKey",
    "Base",
    "BrowserSession",
    "Call",
    "Campaign",
    "DeviceToken",
    "DialerContact",
    "DialerDecision",
    "DncEntry",
    "Event",
    "Message",
    "Queue",
    "QueueTarget",
    "ReportDelivery",
    "ReportSubscription",
    "SmsConsent",
    "SpeedDialEntry",
    "StreamEvent",
    "User",
    "change_seq",
]

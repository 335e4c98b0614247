"""What the export tests share: a warehouse built from the hand-computed metric events, and a real SMTP server.

Account "metrics" carries the events of ``tests/transforms/metric_cases.py`` (their exports are known by
hand); account "tricky" has agents whose names are spreadsheet formulas.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from email.message import Message
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

from tests.events_factory import CALLER, LINE, at, ev
from tests.transforms.metric_cases import EVENTS, REFRESH_AT

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FORMULA_AGENTS = ('=HYPERLINK("http://evil.example","click")', "+SUM(1,2)", "@cmd", "-2+3")


def pytest_configure(config: pytest.Config) -> None:
    # select or skip it with `-m e2e` / `-m "not e2e"`
    config.addinivalue_line(
        "markers", "e2e: starts the real dagster-daemon and waits for its e-mail (~1 min)"
    )


def formula_agent_events() -> list[dict]:
    """One handled inbound call per formula-named agent on 2026-11-02 (a leaderboard of four, all rank 1)."""
    events = []
    for index, agent in enumerate(FORMULA_AGENTS):
        call, start = f"T{index}", f"2026-11-02 15:0{index}:00"
        events += [
            ev("call.started", at(start), call_id=call, direction="inbound", from_=CALLER, to=LINE),
            ev("call.queued", at(start), call_id=call, queue="q1"),
            ev("call.answered", at(start, 5), call_id=call, answered_by="human", agent=agent),
            ev("call.ended", at(start, 65), call_id=call, reason="completed"),
        ]
    return events


@pytest.fixture(scope="module")
def warehouse_built(engine: sa.Engine) -> dict[str, int]:
    """Accounts "metrics" and "tricky" ingested and refreshed from scratch; their ids by slug."""
    from operational.accounts import create_account
    from operational.ingest import ingest_events
    from pipelines.refresh import run_refresh

    metrics = create_account(engine, "metrics", "America/New_York")
    tricky = create_account(engine, "tricky", "America/New_York")
    ingest_events(engine, metrics.id, enumerate(EVENTS))
    ingest_events(engine, tricky.id, enumerate(formula_agent_events()))
    # full: the session's working warehouse may hold raw rows of another module's database
    run_refresh(full=True, refresh_at=datetime.fromisoformat(REFRESH_AT))
    return {"metrics": metrics.id, "tricky": tricky.id}


class Inbox(MessageHandler):
    """Collects every e-mail the SMTP server accepts."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    def handle_message(self, message: Message) -> None:
        with self.lock:
            self.messages.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    """aiosmtpd on loopback that can be stopped and started again on the same port (SMTP down, then up)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()

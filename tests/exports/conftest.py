"""What the export tests share: a warehouse built from the hand-computed metric events, and a real SMTP server.

Account "metrics" carries the events of ``tests/transforms/metric_cases.py`` (their exports are known by
hand); account "tricky" has agents whose names are spreadsheet formulas. They are ingested and refreshed once per
session, through the product's own path, into a PostgreSQL database and a home of their own; every module that
asks for ``warehouse_built`` gets its own copy of both (``create database … template`` and a file copy), so a
module that refreshes again or changes rows changes only its copy.
"""

from __future__ import annotations

import shutil
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

from tests.conftest import product_environment
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


@dataclass(frozen=True)
class BuiltWarehouse:
    """The session's refreshed database (a template for the modules' copies) and the home it published into."""

    database: str
    home: Path
    accounts: dict[str, int]  # slug → account id


@pytest.fixture(scope="session")
def built_once(
    new_migrated_database: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> BuiltWarehouse:
    """Accounts "metrics" and "tricky" ingested and refreshed from scratch, once for the session."""
    from operational import database
    from operational.accounts import create_account
    from operational.ingest import ingest_events
    from pipelines.refresh import run_refresh

    home = tmp_path_factory.mktemp("exports-home")
    name = f"t_exports_template_{uuid.uuid4().hex[:6]}"
    url = new_migrated_database(name)
    with product_environment(VOXLINK_HOME=str(home), VOXLINK_DATABASE_URL=url):
        engine = database.engine_for(url)
        metrics = create_account(engine, "metrics", "America/New_York")
        tricky = create_account(engine, "tricky", "America/New_York")
        ingest_events(engine, metrics.id, enumerate(EVENTS))
        ingest_events(engine, tricky.id, enumerate(formula_agent_events()))
        run_refresh(full=True, refresh_at=datetime.fromisoformat(REFRESH_AT))
        engine.dispose()
    return BuiltWarehouse(name, home, {"metrics": metrics.id, "tricky": tricky.id})


@pytest.fixture(scope="module")
def warehouse_built(engine: sa.Engine, server_url: str, built_once: BuiltWarehouse) -> dict[str, int]:
    """This module's database and home replaced by copies of the session's refreshed ones; account ids by slug."""
    from pipelines.refresh import prepare_dagster_home
    from voxlink import warehouse
    from voxlink.settings import get_settings

    engine.dispose()
    warehouse.close_all()
    name = engine.url.database
    admin = sa.create_engine(sa.make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # a template must have no sessions; the Dagster instance of the session's build may keep one open
        conn.execute(
            sa.text("select pg_terminate_backend(pid) from pg_stat_activity where datname = :t"),
            {"t": built_once.database},
        )
        conn.execute(sa.text(f'drop database "{name}" with (force)'))
        conn.execute(sa.text(f'create database "{name}" template "{built_once.database}"'))
    admin.dispose()
    home = get_settings().home_dir
    # dagster.yaml names its database: the module's own is written for it below
    shutil.copytree(built_once.home, home, dirs_exist_ok=True, ignore=shutil.ignore_patterns("dagster.yaml"))
    prepare_dagster_home()
    return dict(built_once.accounts)


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

"""What the app tests share: one real warehouse and user database, built once per session.

Accounts "north" and "south" hold the hand-written events of ``fixture_events`` (the figures the page tests
expect are worked out by hand there); "acme" and "globex" hold simulated demo traffic for the browser tests.
Everything goes through the product's own path: PostgreSQL ingest, then ``run_refresh`` and its publish.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
import streamlit as st

from app.signin.demo_logins import DEMO_PASSWORD, ensure_demo_users
from app.signin.rate_limit import LIMITER
from tests.app.fixture_events import NORTH_EVENTS, REFRESH_AT, SOUTH_EVENTS
from tests.conftest import product_environment
from voxlink import warehouse
from voxlink.settings import get_settings

PASSWORD = "correct-horse-1"
USERS = {
    # username: (account, role)
    "north-admin": ("north", "admin"),
    "north-manager": ("north", "manager"),
    "north-analyst": ("north", "analyst"),
    "alice@north": ("north", "agent"),
    "south-manager": ("south", "manager"),
    "south-analyst": ("south", "analyst"),
    "alice@south": ("south", "agent"),
}
DEMO_END = date(2025, 3, 12)
# slug, time zone, name, simulator seed, days simulated (globex only needs to exist beside acme)
DEMO_ACCOUNTS = (
    ("acme", "America/New_York", "Acme Support", 1, 7),
    ("globex", "Europe/London", "Globex Sales", 2, 3),
)


@dataclass(frozen=True)
class Stack:
    """The environment the app runs in: its home (served warehouse) and its user database."""

    home: Path
    database_url: str
    accounts: dict[str, int]  # slug → account id

    def env(self) -> dict[str, str]:
        return {"VOXLINK_HOME": str(self.home), "VOXLINK_DATABASE_URL": self.database_url}


def pytest_configure(config: pytest.Config) -> None:
    # voxlink.warehouse ignores this DuckDB note when it is imported, but pytest resets the warning filters around
    # every test (and imports it inside one): the same filter for the tests, so the output shows real warnings
    config.addinivalue_line("filterwarnings", "ignore:Arrow output on a DB-API result:UserWarning")


def _use(env: dict[str, str]) -> None:
    os.environ.update(env)
    get_settings.cache_clear()
    warehouse.close_all()


@pytest.fixture(scope="session")
def stack(
    new_migrated_database: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    from operational import database
    from operational.accounts import create_account
    from operational.ingest import ingest_events
    from operational.simulator import simulate
    from operational.users import create_user
    from pipelines.refresh import run_refresh

    home = tmp_path_factory.mktemp("app-home")
    url = new_migrated_database(f"t_app_{uuid.uuid4().hex[:6]}")
    built = Stack(home, url, {})
    with product_environment(**built.env()):
        engine = database.engine_for(url)
        ids: dict[str, int] = {}
        for slug, timezone, events in (
            ("north", "Europe/London", NORTH_EVENTS),
            ("south", "America/New_York", SOUTH_EVENTS),
        ):
            ids[slug] = create_account(engine, slug, timezone, slug.capitalize()).id
            report = ingest_events(engine, ids[slug], enumerate(events, start=1))
            assert not report.rejected, report.rejected
        for slug, timezone, name, seed, days in DEMO_ACCOUNTS:
            ids[slug] = create_account(engine, slug, timezone, name).id
            generated = simulate(
                days=days, timezone=timezone, seed=seed, end_date=DEMO_END, account_slug=slug
            )
            ingest_events(engine, ids[slug], enumerate(generated, start=1))
        for username, (slug, role) in USERS.items():
            create_user(engine, ids[slug], username, role, PASSWORD)
        ensure_demo_users(engine, [slug for slug, *_ in DEMO_ACCOUNTS])
        run_refresh(refresh_at=datetime.fromisoformat(REFRESH_AT))
        built = Stack(home, url, ids)
    yield built


@pytest.fixture(scope="session", autouse=True)
def _components_scanned_once() -> Iterator[None]:
    """Every new AppTest scans all ~750 installed distributions for Streamlit components (~0.5 s each
    time); a real server does it once at start-up, and the app uses none, so the tests scan once too."""
    from streamlit.components.v2 import manifest_scanner

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            manifest_scanner,
            "scan_component_manifests",
            functools.cache(manifest_scanner.scan_component_manifests),
        )
        yield


@pytest.fixture(scope="session")
def _fresh_caches(stack: Stack) -> None:
    # The stack never changes during the session and every cached query is keyed by the publish version,
    # so the query caches are cleared once, not per test.
    st.cache_data.clear()


@pytest.fixture
def app_env(stack: Stack, _fresh_caches: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """This test runs the app (in-process) over the session's stack, with fresh login limits."""
    for key, value in stack.env().items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    LIMITER.reset()
    yield stack
    LIMITER.reset()
    get_settings.cache_clear()


__all__ = ["DEMO_PASSWORD", "PASSWORD", "USERS", "Stack"]

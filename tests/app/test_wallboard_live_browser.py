"""The live wallboard in chromium: the demo's live traffic (the real ingest path) moves its figures within 5 s."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from operational.simulator.live import run
from tests.app.browser import TIMEOUT_MS, chromium, sign_in, streamlit_server, wait_until_idle
from tests.app.conftest import DEMO_PASSWORD, Stack

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(stack: Stack) -> Iterator[str]:
    with streamlit_server(stack.env(), stack.home / "streamlit-wallboard.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser, server: str, app_env: Stack) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1600, "height": 2000})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def live_value(page: Page, label: str) -> str:
    return page.locator(f'[data-tile="{label}"] .live-value').inner_text()


def test_demo_traffic_changes_the_kiosk_wallboard_within_5_seconds(
    page: Page, server: str, app_env: Stack
) -> None:
    sign_in(page, server, "globex-manager", DEMO_PASSWORD, path="wallboard?kiosk=1")
    wait_until_idle(page)
    before = {label: live_value(page, label) for label in ("Offered today", "Calls waiting", "In progress")}
    assert page.get_by_test_id("stSidebar").is_hidden()  # kiosk: no sidebar, no navigation

    engine = sa.create_engine(app_env.database_url)
    until = datetime.now(UTC) + timedelta(seconds=8)
    traffic = threading.Thread(
        target=run, args=(engine, [(app_env.accounts["globex"], "globex", "Europe/London")]),
        kwargs={"speed": 600.0, "until": until}, daemon=True,
    )  # fmt: skip
    started = time.monotonic()
    traffic.start()
    try:
        while time.monotonic() - started < 5.0:
            now = {label: live_value(page, label) for label in before}
            if now != before:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"the wallboard still showed {before} 5 s after live traffic began")
    finally:
        traffic.join(timeout=15)
        engine.dispose()

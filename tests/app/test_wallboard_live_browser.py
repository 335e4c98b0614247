"""The live wallboard in chromium: the demo's live traffic (the real ingest path) moves its figures within 5 s."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page

from operational.simulator.live import run
from tests.app.browser import TIMEOUT_MS, module_fixtures, wait_until_idle
from tests.app.conftest import DEMO_PASSWORD, Stack

pytestmark = pytest.mark.browser


# a kiosk-sized page, not routed: the board's own polling goes straight to the app
server, browser, page = module_fixtures("streamlit-wallboard.log", width=1600, height=2000, offline=False)


def live_figures(page: Page) -> list[str]:
    """Every live number on the board: the tiles and the agents-by-state counts."""
    tiles = page.locator("[data-tile] .live-value").all_inner_texts()
    return tiles + page.get_by_test_id("stMetricValue").all_inner_texts()


def test_demo_traffic_changes_the_kiosk_wallboard_within_5_seconds(
    page: Page, server: str, app_env: Stack
) -> None:
    page.goto(server + "wallboard?kiosk=1")
    page.get_by_role("textbox", name="Username").fill("globex-manager")
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator('[data-tile="Offered today"] .live-value').wait_for(timeout=2 * TIMEOUT_MS)
    wait_until_idle(page)
    before = live_figures(page)
    assert page.get_by_test_id("stSidebar").is_hidden()  # kiosk: no sidebar, no navigation

    engine = sa.create_engine(app_env.database_url)
    until = datetime.now(UTC) + timedelta(seconds=8)
    traffic = threading.Thread(
        target=run, args=(engine, [(app_env.accounts["globex"], "globex", "Europe/London")]),
        kwargs={"speed": 600.0, "until": until}, daemon=True,
    )  # fmt: skip
    globex = app_env.accounts["globex"]
    count = sa.text("select count(*) from events where account_id = :a")
    with engine.connect() as conn:
        stored_before = conn.execute(count, {"a": globex}).scalar_one()
    traffic.start()  # the simulator first generates a day (seconds on a loaded machine): time from the first store
    try:
        while True:
            with engine.connect() as conn:
                if conn.execute(count, {"a": globex}).scalar_one() > stored_before:
                    break
            assert traffic.is_alive(), "the live traffic stopped before storing anything"
            time.sleep(0.05)
        started = time.monotonic()
        while time.monotonic() - started < 5.0:
            if live_figures(page) != before:  # agents logging in, calls arriving
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"the wallboard still showed {before} 5 s after live traffic began")
    finally:
        traffic.join(timeout=15)
        engine.dispose()

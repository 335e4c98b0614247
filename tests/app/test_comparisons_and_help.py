"""In chromium over the demo: change badges say when the previous period is too thin to compare with, the
Erlang C what-if follows the filters (the same URL gives the same roster however the session got there), and
tiles carry their own help."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.app.browser import (
    TIMEOUT_MS,
    main_text,
    module_fixtures,
    navigate,
    offline_page,
    set_dates,
    sign_in,
    wait_until_idle,
)
from tests.app.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

server, browser, page = module_fixtures("streamlit-comparisons.log")

PLAN = re.compile(r"\d+ agents? on the phones reach [^\n]*roster \d+\. Traffic: [\d.]+ Erlangs\.")
OFFERED_NOTICE = "Offered, Abandon rate, Service level and ASA: not enough data to compare"


def offered_delta(page: Page) -> int:
    tile = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text("Offered")
    )
    return tile.get_by_test_id("stMetricDelta").count()


def staffing_plan(page: Page) -> str:
    navigate(page, "Abandon rate & service level")
    expect(page.get_by_text(PLAN)).to_be_visible(timeout=TIMEOUT_MS)
    found = PLAN.search(main_text(page))
    assert found, main_text(page)
    return found.group(0)


def test_an_almost_empty_previous_period_gives_a_notice_not_a_badge(page: Page, server: str) -> None:
    # acme's demo holds 2025-03-06 .. 03-12; the default 30 days end 03-12, the 30 days before hold nothing
    sign_in(page, server, "acme-manager", DEMO_PASSWORD)
    expect(page.get_by_text(OFFERED_NOTICE)).to_be_visible(timeout=TIMEOUT_MS)
    assert offered_delta(page) == 0

    set_dates(page, "2025-03-10", "2025-03-12")  # compared with 03-07 .. 03-09: three full demo days
    expect(page.get_by_text("compared with 2025-03-07 – 2025-03-09")).to_be_visible(timeout=TIMEOUT_MS)
    assert OFFERED_NOTICE not in main_text(page)
    assert offered_delta(page) == 1


def test_the_same_url_gives_the_same_roster_after_other_filters(browser: Browser, server: str) -> None:
    with offline_page(browser) as fresh:
        sign_in(fresh, server, "acme-manager", DEMO_PASSWORD, path="?queue=sales")
        expected = staffing_plan(fresh)

    with offline_page(browser) as page:
        sign_in(page, server, "acme-manager", DEMO_PASSWORD)
        every_queue = staffing_plan(page)
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_test_id("stSelectbox").filter(has_text="Queue").click()
        page.get_by_role("option", name="sales", exact=True).click()
        expect(page).to_have_url(re.compile(r".*queue=sales.*"), timeout=TIMEOUT_MS)
        wait_until_idle(page)
        expect(page.get_by_text(PLAN)).to_be_visible(timeout=TIMEOUT_MS)
        found = PLAN.search(main_text(page))
        assert found
        assert found.group(0) == expected
    assert every_queue != expected  # the queue filter changes the plan: the test would see a stale one


def test_call_status_tiles_each_have_their_own_help(page: Page, server: str) -> None:
    sign_in(page, server, "acme-manager", DEMO_PASSWORD)
    navigate(page, "Call status")
    tile = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text("In progress")
    )
    tile.get_by_test_id("stTooltipHoverTarget").hover()
    expect(page.get_by_test_id("stTooltipContent")).to_contain_text(
        "Calls with no end yet: they count here, in offered, answered, ASA and service level",
        timeout=TIMEOUT_MS,
    )

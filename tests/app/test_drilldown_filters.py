"""Drill-downs list exactly what their number counts: no filter of an earlier drill-down sticks, the sidebar's
filters are never rewritten by one, and with a queue filter every Overview tile equals its drill-down."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.app.browser import (
    TIMEOUT_MS,
    main_text,
    module_fixtures,
    navigate,
    sidebar_text,
    sign_in,
    wait_until_idle,
)
from tests.app.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

server, browser, page = module_fixtures("streamlit-drilldown.log")

DRILL = re.compile(r"^([\d,]+) (?:calls?|messages?)(?: missed)? →$")
MATCHES = re.compile(r"([\d,]+) (?:calls?|messages?) match")
SIDEBAR_DATES = re.compile(r"Dates\s*\d{4}-\d\d-\d\d")


def shared_filters(page: Page) -> str:
    """The sidebar's filters as text (period, dates, queue, campaign, agent), once the dates have been drawn."""
    expect(page.get_by_test_id("stSidebar")).to_contain_text(SIDEBAR_DATES, timeout=TIMEOUT_MS)
    text = sidebar_text(page)
    return text[text.index("Period") :]


def drill_links(page: Page) -> Locator:
    return page.get_by_test_id("stMain").get_by_role("link").filter(has_text=DRILL)


def follow(page: Page, link: Locator) -> int:
    """Click a drill-down link; the number of calls the Call Report then lists."""
    link.click()
    expect(page.get_by_role("heading", level=1, name="Call report")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    found = MATCHES.search(main_text(page))
    assert found, main_text(page)
    return int(found.group(1).replace(",", ""))


def shown(link: Locator) -> int:
    found = DRILL.match(link.inner_text().strip())
    assert found, link.inner_text()
    return int(found.group(1).replace(",", ""))


def test_a_drill_down_after_the_heatmap_lists_exactly_its_tiles_calls(page: Page, server: str) -> None:
    sign_in(page, server, "acme-manager", DEMO_PASSWORD)
    sidebar_before = shared_filters(page)
    navigate(page, "Abandon rate & service level")
    heatmap_cell = page.get_by_role("link").filter(has_text=re.compile(r"^The calls of \w+ \d\d:\d\d"))
    narrow = follow(page, heatmap_cell.first)  # one weekday and 15 minutes of the range

    navigate(page, "Call status")
    total = drill_links(page).first
    expected = shown(total)
    assert expected > narrow  # the heatmap's cell is a small part of all calls
    assert follow(page, total) == expected
    assert "Only calls started on" not in main_text(page)  # the heatmap's weekday / interval is gone

    navigate(page, "Overview")
    handled = drill_links(page).nth(4)  # the Handled tile's (after offered, abandoned, in time, answered)
    expected = shown(handled)
    assert follow(page, handled) == expected
    assert shared_filters(page) == sidebar_before  # no drill-down rewrote the shared filters


def test_with_a_queue_filter_every_overview_tile_equals_its_drill_down(page: Page, server: str) -> None:
    sign_in(page, server, "acme-manager", DEMO_PASSWORD, path="?queue=sales")
    expect(page.get_by_text(re.compile(r"every queue \(the queue filter does not apply"))).to_have_count(2)
    # offered, abandoned, answered in time, answered, handled, attempts, answered by a person, conversions,
    # not delivered
    expect(drill_links(page)).to_have_count(9, timeout=TIMEOUT_MS)
    wait_until_idle(page)
    counts = [shown(link) for link in drill_links(page).all()]
    listed = []
    for number in range(len(counts)):
        listed.append(follow(page, drill_links(page).nth(number)))
        assert "&queue=sales&" in page.url  # the sidebar keeps its queue
        navigate(page, "Overview")
    assert listed == counts

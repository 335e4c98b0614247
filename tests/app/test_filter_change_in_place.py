"""A filter's change in chromium updates the page in place: every element keeps its place in the run's order.

The run a filter causes also draws the script that closes the sidebar on a phone; drawn above the page, it moved
each element of the page one place down, so the browser built the whole page anew (its charts, tables and tiles)
instead of updating it, and the page jumped 16 px down.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.app.browser import module_fixtures, navigate, sign_in, wait_until_idle
from tests.app.conftest import PASSWORD

pytestmark = pytest.mark.browser

server, browser, page = module_fixtures("streamlit-filter-change.log")

TITLE = "Abandon rate & service level"
# marks the page's title element in the browser; a rebuilt title is a new element, without the mark
MARK_TITLE = "() => { document.querySelector('h1').dataset.kept = 'yes'; }"


def test_a_filter_change_keeps_the_page_where_it_was(page: Page, server: str) -> None:
    sign_in(page, server, "north-manager", PASSWORD)
    navigate(page, TITLE)  # a run no filter caused (the first run after a sign-in draws its cookie handoff)
    title = page.get_by_role("heading", level=1).filter(has_text=TITLE)
    expect(title).to_be_visible()
    before = title.bounding_box()
    page.evaluate(MARK_TITLE)

    page.get_by_test_id("stSidebar").get_by_role("combobox", name="Queue").click()
    page.get_by_role("option", name="sales", exact=True).click()
    expect(page).to_have_url(re.compile(r"queue=sales"))
    wait_until_idle(page)

    assert title.bounding_box() == before
    expect(title).to_have_attribute("data-kept", "yes")  # the same element, updated

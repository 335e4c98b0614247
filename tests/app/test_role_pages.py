"""A page outside the signed-in role says so, at its own URL, instead of landing silently on Overview."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from app.shell.navigation import visible_titles
from tests.app.browser import chromium, nav_titles, offline_page, sign_in, streamlit_server
from tests.app.conftest import DEMO_PASSWORD, Stack

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(stack: Stack) -> Iterator[str]:
    with streamlit_server(stack.env(), stack.home / "streamlit-roles.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser, app_env: Stack) -> Iterator[Page]:
    with offline_page(browser) as page:
        yield page


def test_the_sql_explorer_tells_a_manager_it_is_not_for_their_role(page: Page, server: str) -> None:
    sign_in(page, server, "acme-manager", DEMO_PASSWORD, path="sql-explorer")

    expect(page.get_by_text("SQL explorer is not available to your role (manager).")).to_be_visible()
    expect(page.get_by_role("heading", name="Overview")).to_have_count(0)
    assert nav_titles(page) == visible_titles("manager")  # the refusal is not in the menu


def test_subscriptions_tell_an_analyst_they_are_not_for_their_role(page: Page, server: str) -> None:
    sign_in(page, server, "acme-analyst", DEMO_PASSWORD, path="subscriptions")

    expect(page.get_by_text("Report subscriptions is not available to your role (analyst).")).to_be_visible()
    assert "Report subscriptions" not in nav_titles(page)

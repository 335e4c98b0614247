"""A page outside the signed-in role says so, at its own URL, instead of landing silently on Overview."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.shell.navigation import visible_titles
from tests.app.browser import module_fixtures, nav_titles, sign_in
from tests.app.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

server, browser, page = module_fixtures("streamlit-roles.log")


def test_the_sql_explorer_tells_a_manager_it_is_not_for_their_role(page: Page, server: str) -> None:
    sign_in(page, server, "acme-manager", DEMO_PASSWORD, path="sql-explorer")

    expect(page.get_by_text("SQL explorer is not available to your role (manager).")).to_be_visible()
    expect(page.get_by_role("heading", name="Overview")).to_have_count(0)
    assert nav_titles(page) == visible_titles("manager")  # the refusal is not in the menu


def test_subscriptions_tell_an_analyst_they_are_not_for_their_role(page: Page, server: str) -> None:
    sign_in(page, server, "acme-analyst", DEMO_PASSWORD, path="subscriptions")

    expect(page.get_by_text("Report subscriptions is not available to your role (analyst).")).to_be_visible()
    assert "Report subscriptions" not in nav_titles(page)

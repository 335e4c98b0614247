"""Driving the real app in Debian's chromium: sign-in, navigation, downloads (the server and the browser from
``bench/app_browser.py``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, Route, expect

# the server, the browser and the end of a run are the page bench's (tests may use bench/, not the reverse)
from bench.app_browser import TIMEOUT_MS, wait_until_idle
from bench.app_browser import chromium as chromium
from bench.app_browser import streamlit_server as streamlit_server

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "app"


def sign_in(page: Page, base_url: str, username: str, password: str, path: str = "") -> None:
    page.goto(base_url + path)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Data as of")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)


def navigate(page: Page, title: str) -> None:
    """Click ``title`` in the sidebar navigation and wait for that page's heading and the end of its run."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    heading = "My figures" if title == "Overview" and "agent)" in sidebar_text(page) else title
    expect(page.get_by_role("heading", level=1).filter(has_text=heading)).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)


def nav_titles(page: Page) -> list[str]:
    return page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()


def sidebar_text(page: Page) -> str:
    return page.get_by_test_id("stSidebar").inner_text()


def main_text(page: Page) -> str:
    return page.get_by_test_id("stMain").inner_text()


def expect_tile(page: Page, label: str, value: str) -> None:
    tile = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    expect(tile.get_by_test_id("stMetricValue")).to_have_text(value, timeout=TIMEOUT_MS)


def tile_value(page: Page, label: str) -> str:
    tile = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return tile.get_by_test_id("stMetricValue").first.inner_text()


def download_last(page: Page, label: str = "Download CSV") -> tuple[str, bytes]:
    """Click the page's last ``label`` button (the report table's) and return the file's name and bytes."""
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.get_by_role("button", name=label).last.click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def set_dates(page: Page, start: str, end: str) -> None:
    """Type a range into the sidebar's date input (its segments take digits), then leave it to commit."""
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("spinbutton", name="year, Dates start date").click()
    page.keyboard.type(start.replace("-", ""))
    sidebar.get_by_role("spinbutton", name="year, Dates end date").click()
    page.keyboard.type(end.replace("-", ""))
    page.get_by_role("heading", level=1).first.click()  # the change commits when the field loses focus
    expect(page).to_have_url(re.compile(rf".*start={start}&end={end}.*"), timeout=TIMEOUT_MS)
    wait_until_idle(page)


def screenshot(page: Page, name: str) -> None:
    """Save the page once every element has drawn (no loading skeleton left) under test-artifacts/app/."""
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=TIMEOUT_MS)
    wait_until_idle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@contextmanager
def offline_page(
    browser: Browser, width: int = 1400, height: int = 3200, *, offline: bool = True, strict: bool = False
) -> Iterator[Page]:
    """A fresh context (a fresh Streamlit session) whose page may reach only the loopback app (``offline``);
    tall, since Streamlit scrolls inside its main block. ``strict``: a request beyond the loopback also fails the
    test once the page closes — the app must render with no internet (no fonts, icons or map tiles)."""
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    outside: list[str] = []

    def loopback_only(route: Route) -> None:
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    if offline:
        context.route("**/*", loopback_only)
    try:
        yield context.new_page()
    finally:
        context.close()
    assert not (strict and outside), f"the app asked the internet for: {outside}"


def module_fixtures(
    log_name: str, *, width: int = 1400, height: int = 3200, offline: bool = True, strict: bool = False
) -> tuple[Any, Any, Any]:
    """The ``server``, ``browser`` and ``page`` fixtures of a browser module: one Streamlit server over the
    session's stack (logging to ``log_name`` in its home) and one chromium per module — sync playwright runs one
    at a time, so none outlives its module — and a fresh page per test, as :func:`offline_page` opens it with
    the other arguments. In a module: ``server, browser, page = module_fixtures("streamlit-x.log")``."""

    @pytest.fixture(scope="module")
    def server(stack: Any) -> Iterator[str]:
        with streamlit_server(stack.env(), stack.home / log_name) as url:
            yield url

    @pytest.fixture(scope="module")
    def browser() -> Iterator[Browser]:
        with chromium() as browser:
            yield browser

    @pytest.fixture
    def page(browser: Browser, app_env: Any) -> Iterator[Page]:
        with offline_page(browser, width, height, offline=offline, strict=strict) as page:
            yield page

    return server, browser, page

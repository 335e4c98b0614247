"""Sign-in that survives a reload and a new tab, in chromium: the HttpOnly cookie the app's own route sets.

A sign-out, a changed byte or an expired session asks for the password again; a kiosk's one-time activation
link opens the wallboard in kiosk mode, works once, and revoking its token signs the screen out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.signin import browser_sessions
from operational.device_tokens import issue_device_token, revoke_device_token
from operational.models import User
from tests.app.browser import (
    TIMEOUT_MS,
    module_fixtures,
    sign_in,
    wait_until_idle,
)
from tests.app.conftest import PASSWORD, Stack

pytestmark = pytest.mark.browser

server, browser, _ = module_fixtures("streamlit-sign-in.log")


@pytest.fixture
def context(browser: Browser, server: str, app_env: Stack) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def engine(app_env: Stack) -> Iterator[sa.Engine]:
    engine = sa.create_engine(app_env.database_url)
    yield engine
    engine.dispose()


def session_cookie(context: BrowserContext) -> dict[str, object]:
    """The sign-in cookie, once the page's one-time hand-off has stored it."""
    for _ in range(100):
        found = [c for c in context.cookies() if c["name"] == browser_sessions.COOKIE]
        if found:
            return dict(found[0])
        context.pages[0].wait_for_timeout(100)
    raise AssertionError("the sign-in cookie was never set")


def expect_signed_in(page: Page) -> None:
    expect(page.get_by_text("Data as of")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("textbox", name="Password")).to_have_count(0)


def expect_sign_in_form(page: Page) -> None:
    expect(page.get_by_role("textbox", name="Password")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    expect(page.get_by_text("Data as of")).to_have_count(0)


def open_with_cookie(browser: Browser, server: str, value: str) -> tuple[BrowserContext, Page]:
    """A browser that never signed in, holding ``value`` as the sign-in cookie."""
    other = browser.new_context()
    other.add_cookies([{"name": browser_sessions.COOKIE, "value": value, "url": server}])
    page = other.new_page()
    page.goto(server)
    return other, page


def test_a_reload_keeps_the_sign_in_through_an_http_only_cookie(context: BrowserContext, server: str) -> None:
    page = context.new_page()
    sign_in(page, server, "north-manager", PASSWORD, "abandon-rate")
    cookie = session_cookie(context)
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert page.evaluate("document.cookie").find(browser_sessions.COOKIE) == -1  # page scripts cannot read it

    page.reload()

    expect_signed_in(page)
    expect(page.get_by_role("heading", level=1).filter(has_text="Abandon rate")).to_be_visible()
    assert "Signed in as north-manager (manager)" in page.get_by_test_id("stSidebar").inner_text()


def test_a_new_tab_and_a_bookmark_keep_the_sign_in(context: BrowserContext, server: str) -> None:
    sign_in(context.new_page(), server, "north-analyst", PASSWORD)
    session_cookie(context)

    tab = context.new_page()
    tab.goto(server + "call-status")

    expect_signed_in(tab)
    expect(tab.get_by_role("heading", level=1).filter(has_text="Call status")).to_be_visible()


def test_signing_out_then_reloading_asks_again_and_the_old_cookie_is_dead(
    browser: Browser, context: BrowserContext, server: str
) -> None:
    page = context.new_page()
    sign_in(page, server, "north-manager", PASSWORD)
    old = str(session_cookie(context)["value"])
    sign_out = page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible(timeout=TIMEOUT_MS)

    sign_out.click()
    expect_sign_in_form(page)
    page.reload()

    expect_sign_in_form(page)
    copied, elsewhere = open_with_cookie(browser, server, old)  # a copy of the cookie taken before sign-out
    try:
        expect_sign_in_form(elsewhere)
    finally:
        copied.close()


def test_a_tampered_cookie_asks_for_the_password(
    browser: Browser, context: BrowserContext, server: str
) -> None:
    sign_in(context.new_page(), server, "north-manager", PASSWORD)
    good = str(session_cookie(context)["value"])
    middle = len(good) // 2
    tampered = good[:middle] + ("A" if good[middle] != "A" else "B") + good[middle + 1 :]

    other, page = open_with_cookie(browser, server, tampered)
    try:
        expect_sign_in_form(page)
    finally:
        other.close()


def test_an_expired_session_cookie_asks_for_the_password(
    browser: Browser, server: str, engine: sa.Engine
) -> None:
    with engine.connect() as conn:
        user_id = conn.execute(sa.select(User.id).where(User.username == "north-manager")).scalar_one()
    thirteen_hours_ago = datetime.now(UTC) - timedelta(hours=13)  # a user's session lasts 12 h
    _, expired = browser_sessions.start_for_user(engine, user_id, thirteen_hours_ago)

    other, page = open_with_cookie(browser, server, expired)
    try:
        expect_sign_in_form(page)
    finally:
        other.close()


def test_a_kiosk_link_opens_the_wallboard_once_and_revoking_its_token_signs_it_out(
    browser: Browser, context: BrowserContext, server: str, engine: sa.Engine
) -> None:
    token = issue_device_token(engine, "north", "lobby TV")
    page = context.new_page()

    page.goto(server.rstrip("/") + token.activation_path())

    expect(page.get_by_role("heading", level=1).filter(has_text="Live wallboard")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    assert "kiosk=1" in page.url and "activation" not in page.url
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("heading", level=1).filter(has_text="Live wallboard")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    page.goto(server + "sql-explorer")  # a kiosk sees the wallboard only
    expect(page.get_by_role("heading", level=1).filter(has_text="Live wallboard")).to_be_visible(
        timeout=TIMEOUT_MS
    )

    again = context.new_page().goto(server.rstrip("/") + token.activation_path())
    assert again is not None and again.status == 400  # the activation works once

    revoke_device_token(engine, token.token_id)
    page.reload()
    expect_sign_in_form(page)

"""The subscriptions page in Debian's chromium against a real SMTP sink: Create empties the form (a second click
makes no second subscription), Edit saves the change, "Send now" puts the e-mail in the sink with its figures."""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from exports.recipients import add_allowed_domain
from operational.database import engine_for
from operational.models import ReportSubscription
from tests.app.browser import TIMEOUT_MS, chromium, navigate, sign_in, streamlit_server, wait_until_idle
from tests.app.conftest import PASSWORD, Stack
from tests.exports.conftest import SmtpServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(stack: Stack, sink: SmtpServer) -> Iterator[str]:
    env = {**stack.env(), "VOXLINK_SMTP_HOST": "127.0.0.1", "VOXLINK_SMTP_PORT": str(sink.port)}
    with streamlit_server(env, stack.home / "streamlit-subscriptions.log") as url:
        yield url


@pytest.fixture
def page(stack: Stack, server: str) -> Iterator[Page]:
    engine = engine_for(stack.database_url)
    add_allowed_domain(engine, stack.accounts["north"], "north.example")
    with chromium() as browser_:
        browser: Browser = browser_
        context = browser.new_context(viewport={"width": 1400, "height": 3200})
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context.new_page()
        finally:
            context.close()
            with engine.begin() as conn:
                conn.execute(
                    sa.delete(ReportSubscription).where(
                        ReportSubscription.account_id == stack.accounts["north"]
                    )
                )


def names(stack: Stack) -> list[str]:
    with engine_for(stack.database_url).connect() as conn:
        return list(conn.scalars(sa.select(ReportSubscription.name).where(
            ReportSubscription.account_id == stack.accounts["north"])))  # fmt: skip


def test_create_clears_edit_saves_and_send_now_reaches_the_sink(
    page: Page, server: str, stack: Stack, sink: SmtpServer
) -> None:
    sign_in(page, server, "north-manager", PASSWORD)
    navigate(page, "Report subscriptions")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("Now in Europe/London:")).to_be_visible()

    main.get_by_role("textbox", name="Name", exact=True).fill("Browser status")
    main.get_by_role("textbox", name="Recipients", exact=True).fill("ops@north.example")
    create = main.get_by_role("button", name="Create subscription")
    create.click()
    expect(main.get_by_text("Created “Browser status”")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    expect(main.get_by_role("textbox", name="Name", exact=True)).to_have_value("")
    create.click()  # a second click on the emptied form creates nothing
    wait_until_idle(page)
    assert names(stack) == ["Browser status"]

    main.get_by_role("button", name="Edit", exact=True).click()
    wait_until_idle(page)
    recipients = main.get_by_role(
        "textbox", name="Recipients", exact=True
    ).first  # the edit form is drawn above the new one
    expect(recipients).to_have_value("ops@north.example")
    recipients.fill("lead@north.example")
    main.get_by_role("button", name="Save changes").click()
    expect(main.get_by_text("Saved “Browser status”")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)

    main.get_by_role("button", name="Send now").click()
    expect(main.get_by_text("Sent “Browser status” for ")).to_be_visible(timeout=TIMEOUT_MS)
    deadline = time.monotonic() + 10
    while not sink.inbox.messages and time.monotonic() < deadline:
        time.sleep(0.2)
    [message] = sink.inbox.messages
    assert message["To"] == "lead@north.example" and message["Subject"].startswith(
        "Browser status: Call status"
    )
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert "  Calls: " in parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]

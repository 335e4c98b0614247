"""The app end to end in Debian's chromium over the session's warehouse: demo traffic for acme and globex.

A manager signs in, changes filters, drills down and downloads; every page renders (a screenshot of each is
saved under test-artifacts/app/) and its report table downloads exactly what `voxlink export` writes for
the same range; an agent sees only themself, a globex manager nothing of acme, the SQL explorer refuses.
"""

from __future__ import annotations

import contextlib
import io
import re

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from app.display.formatting import counted
from app.shell.navigation import PAGES, visible_titles
from cli.main import main
from tests.app.browser import (
    download_last,
    expect_tile,
    main_text,
    module_fixtures,
    nav_titles,
    navigate,
    screenshot,
    set_dates,
    sign_in,
    wait_until_idle,
)
from tests.app.conftest import DEMO_PASSWORD, PASSWORD

pytestmark = pytest.mark.browser

# acme's newest day is 2025-03-12, so every page opens on the 30 days ending then
START, END = "2025-02-11", "2025-03-12"
REPORT_OF_PAGE = {
    "Call status": "call-status",
    "Abandon rate & service level": "abandon-rate",
    "Outgoing calls & campaigns": "outgoing-calls",
    "Dialer compliance": "dialer-compliance",
    "Dispositions": "dispositions",
    "User status": "user-status",
    "Leaderboard": "leaderboard",
    "SMS / MMS": "sms-mms",
}
OTHER_AGENTS = (
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
)  # the simulator's team besides alice


# a tall page (Streamlit scrolls inside its main block); the app must render with no internet: a request beyond
# the loopback app fails the test
server, browser, page = module_fixtures("streamlit.log", strict=True)


def export(report: str, account: str, start: str = START, end: str = END) -> str:
    """What `voxlink export` prints for the report (CSV)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["export", report, "--account", account, "--start", start, "--end", end]) == 0
    return out.getvalue()


def csv_rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.splitlines()[1:]]


def calls(text: str, direction: str | None = None, status: str | None = None) -> int:
    return sum(int(r[3]) for r in csv_rows(text) if direction in (None, r[1]) and status in (None, r[2]))


def test_sign_in_change_filters_drill_down_and_download_the_export(page: Page, server: str) -> None:
    sign_in(page, server, "acme-manager", DEMO_PASSWORD, path="call-status")  # a shared link survives sign-in
    expect(page.get_by_role("heading", name="Call status")).to_be_visible()
    expect(page.get_by_text("Acme Support · Data as of")).to_be_visible()
    everything = export("call-status", "acme")
    expect_tile(page, "Total calls", f"{calls(everything):,}")

    page.get_by_role("radiogroup", name="Direction").get_by_role("radio", name="Inbound").click()
    expect_tile(page, "Total calls", f"{calls(everything, 'inbound'):,}")
    wait_until_idle(page)
    name, data = download_last(page)
    assert name == f"call-status_acme_{START}_{END}_inbound.csv"
    header, *lines = everything.splitlines(keepends=True)
    assert data.decode() == header + "".join(line for line in lines if ",inbound," in line)
    name, data = download_last(page, "Download XLSX")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["call-status"]
    cells = [
        [str(c.value.date() if hasattr(c.value, "date") else c.value) for c in row]
        for row in sheet.iter_rows()
    ]
    assert cells == [header.strip().split(",")] + [
        line.strip().split(",") for line in lines if ",inbound," in line
    ]

    set_dates(page, "2025-03-10", "2025-03-12")
    three_days = export("call-status", "acme", "2025-03-10", "2025-03-12")
    expect_tile(page, "Total calls", f"{calls(three_days, 'inbound'):,}")
    abandoned = calls(three_days, "inbound", "abandoned")
    expect_tile(page, "Abandoned", f"{abandoned:,}")

    tile_links = page.get_by_test_id("stMain").get_by_role("link").filter(has_text=re.compile(r"calls? →"))
    tile_links.nth(2).click()  # total, completed, abandoned, in progress: the Abandoned tile's
    expect(page.get_by_role("heading", name="Call report")).to_be_visible()
    wait_until_idle(page)
    matches = "matches" if abandoned == 1 else "match"
    expect(
        page.get_by_text(f"{counted(abandoned, 'call')} {matches} · 2025-03-10 – 2025-03-12")
    ).to_be_visible()
    assert "status=abandoned" in page.url and "direction=inbound" in page.url


def test_every_page_renders_and_its_table_is_the_export(page: Page, server: str) -> None:
    page.goto(server)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    screenshot(page, "00-sign-in")
    sign_in(page, server, "acme-admin", DEMO_PASSWORD)
    titles = nav_titles(page)
    assert titles == visible_titles("admin")

    for number, spec in enumerate(PAGES, start=1):
        navigate(page, spec.title)
        assert page.get_by_test_id("stException").count() == 0, spec.title
        expect(page.get_by_text("Acme Support · Data as of")).to_be_visible()
        if spec.url_path == "wallboard":  # its own part draws after the page's run
            expect(page.get_by_text(re.compile(r"· checked \d\d:\d\d"))).to_be_visible()
        screenshot(page, f"{number:02d}-{spec.url_path}")
        report = REPORT_OF_PAGE.get(spec.title)
        if report:
            name, data = download_last(page)
            assert name.startswith(f"{report}_acme_{START}_{END}"), name
            assert data.decode() == export(report, "acme"), spec.title
            wait_until_idle(page)


def test_an_agent_sees_only_themself_and_only_the_agent_pages(page: Page, server: str) -> None:
    sign_in(page, server, "alice@acme", DEMO_PASSWORD, path="sql-explorer")  # not an agent's page

    expect(page.get_by_text("SQL explorer is not available to your role (agent).")).to_be_visible()
    navigate(page, "Overview")
    expect(page.get_by_role("heading", name="My figures · alice")).to_be_visible()
    assert nav_titles(page) == visible_titles("agent")
    for title in visible_titles("agent"):
        navigate(page, title)
        text = main_text(page)
        assert not [name for name in OTHER_AGENTS if name in text], title
    screenshot(page, "agent-user-status")

    navigate(page, "Live wallboard")  # it re-reads the warehouse by itself, within 15 s
    checked = page.get_by_text(re.compile(r"· checked \d\d:\d\d:\d\d"))
    before = checked.inner_text()
    expect(checked).not_to_have_text(before, timeout=15_000)
    assert [
        row for row in page.get_by_test_id("stDataFrame").inner_text().split() if row in OTHER_AGENTS
    ] == []


def test_a_globex_manager_sees_nothing_of_acme(page: Page, server: str) -> None:
    sign_in(page, server, "globex-manager", DEMO_PASSWORD)

    for title in visible_titles("manager"):
        navigate(page, title)
        assert "Acme" not in main_text(page) + page.get_by_test_id("stSidebar").inner_text(), title
    navigate(page, "Call status")
    expect_tile(page, "Total calls", f"{calls(export('call-status', 'globex')):,}")


def test_the_sql_explorer_refuses_files_and_other_accounts(page: Page, server: str) -> None:
    sign_in(page, server, "north-analyst", PASSWORD)
    navigate(page, "SQL explorer")

    def run(sql: str) -> None:
        page.get_by_role("textbox", name="SQL").fill(sql)
        page.get_by_role("button", name="Run").click()
        wait_until_idle(page)

    run("select * from read_csv('/etc/passwd')")
    expect(page.get_by_text("the table function read_csv() is not available here")).to_be_visible()
    run("copy (select 1) to '/tmp/voxlink-probe.csv'")
    expect(page.get_by_text("only SELECT queries run here")).to_be_visible()
    run("select count(*) as calls, count(distinct account_id) as accounts from fct_calls")
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    expect(page.get_by_text("1 row in")).to_be_visible()
    screenshot(page, "sql-explorer-result")

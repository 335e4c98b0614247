"""The call-status page end to end: `streamlit run` over the tiny served warehouse, driven in Debian's chromium.

The expected numbers and CSV text are worked out by hand from CALL_STATUS_ROWS in tests/app/conftest.py.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from exports.render import write_csv
from exports.reports import report_frame
from voxlink import warehouse
from voxlink.settings import Settings, get_settings

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO_ROOT / "test-artifacts" / "call_status.png"

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_TIMEOUT_S = 60
TIMEOUT_MS = 30_000  # per wait: the first query of a fresh server pays a lazy import

# Acme (the default: it sorts first by name) in its default range 2025-02-11 .. 2025-03-12.
ACME_CAPTION = "Acme Ltd · Data as of 2025-03-13 06:00 GMT"
ACME_TOTAL = "17"  # 2 + 5 + 2 + 3 + 4 + 1; the 50 on 2025-02-10 is outside the range
ACME_INBOUND = "10"  # 2 + 5 + 2 + 1
ACME_CSV_INBOUND_NAME = "call-status_acme_2025-02-11_2025-03-12_inbound.csv"
ACME_CSV_INBOUND = (
    "date,direction,status,calls\n"
    "2025-02-11,inbound,voicemail,2\n"
    "2025-03-10,inbound,abandoned,2\n"
    "2025-03-10,inbound,completed,5\n"
    "2025-03-12,inbound,in_progress,1\n"
)

# Globex in its default range 2025-02-12 .. 2025-03-13.
GLOBEX_CAPTION = "Globex Corp · Data as of 2025-03-13 02:00 EDT"
GLOBEX_TOTAL = "1,307"  # 1000 + 300 + 7, with a thousands separator
GLOBEX_ABANDONED = "300"
GLOBEX_RANGE = (date(2025, 2, 12), date(2025, 3, 13))
GLOBEX_CSV_ALL_NAME = "call-status_globex_2025-02-12_2025-03-13_all.csv"
GLOBEX_CSV_ALL = (
    "date,direction,status,calls\n"
    "2025-03-12,inbound,abandoned,300\n"
    "2025-03-12,inbound,completed,1000\n"
    "2025-03-13,outbound,busy,7\n"
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _log_tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with code {proc.returncode} before serving:\n{_log_tail(log)}")
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"streamlit not healthy at {url} within {STARTUP_TIMEOUT_S} s:\n{_log_tail(log)}")


@pytest.fixture(scope="module")
def served_home(
    tmp_path_factory: pytest.TempPathFactory, build_served_warehouse: Callable[[Path], Path]
) -> Path:
    """A VOXLINK_HOME of its own holding the tiny served warehouse."""
    home = tmp_path_factory.mktemp("browser-home")
    build_served_warehouse(Settings(home=home).served_db)
    return home


@pytest.fixture(scope="module")
def app_url(served_home: Path) -> Iterator[str]:
    """`streamlit run` over ``served_home`` on a free loopback port; stopped at teardown, whatever happened."""
    port = _free_port()
    log = served_home / "streamlit.log"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app/streamlit_app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    env = {**os.environ, "VOXLINK_HOME": str(served_home)}
    with log.open("wb") as log_handle:
        proc = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log_handle, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(proc, f"http://127.0.0.1:{port}/_stcore/health", log)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "chromium is not installed (no `chromium` on PATH): the browser tests need Debian's chromium. "
            "`make test` installs it (`make system-deps`, i.e. `apt-get install -y chromium`)."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    """A fresh browser context (so a fresh Streamlit session) on the app, loaded with its first numbers."""
    # Tall enough that the whole page (chart, table, download button) fits: Streamlit scrolls inside its main
    # block, so a "full page" screenshot is the viewport.
    context = browser.new_context(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(app_url)
        expect(page.get_by_text("Data as of")).to_be_visible(timeout=TIMEOUT_MS)
        wait_until_idle(page)
        yield page
    finally:
        context.close()


def wait_until_idle(page: Page) -> None:
    """Wait until the script run is over, so every element belongs to the latest run."""
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=TIMEOUT_MS
    )


def expect_tile(page: Page, label: str, value: str) -> None:
    tile = page.get_by_test_id("stMetric").filter(has=page.get_by_test_id("stMetricLabel").get_by_text(label))
    expect(tile.get_by_test_id("stMetricValue")).to_have_text(value, timeout=TIMEOUT_MS)


def choose_direction(page: Page, direction: str) -> None:
    page.get_by_role("radiogroup", name="Direction").get_by_role("radio", name=direction).click()


def choose_account(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebar").get_by_role("combobox", name="Account").click()
    page.get_by_role("option", name=name, exact=True).click()


def download_csv(page: Page) -> tuple[str, bytes]:
    with page.expect_download(timeout=TIMEOUT_MS) as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


@pytest.fixture
def export_csv(served_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """What ``voxlink export call-status`` writes for an account and range, read from ``served_home``."""
    monkeypatch.setenv("VOXLINK_HOME", str(served_home))
    get_settings.cache_clear()
    warehouse.close_all()

    def export(account_id: int, start: date, end: date) -> str:
        handle = io.StringIO()
        write_csv(report_frame("call-status", account_id, start, end), handle)
        return handle.getvalue()

    yield export
    warehouse.close_all()
    monkeypatch.undo()
    get_settings.cache_clear()


def test_page_shows_data_as_of_and_the_default_accounts_total(page: Page) -> None:
    expect(page.get_by_text(ACME_CAPTION)).to_be_visible()
    expect(page.get_by_role("heading", name="Call status")).to_be_visible()
    expect_tile(page, "Total calls", ACME_TOTAL)
    expect(page.get_by_test_id("stPlotlyChart").locator(".main-svg").first).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    expect(page.get_by_role("button", name="Download CSV")).to_be_visible()

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_inbound_changes_the_total(page: Page) -> None:
    choose_direction(page, "Inbound")

    expect_tile(page, "Total calls", ACME_INBOUND)
    expect(page.get_by_role("radio", name="Inbound")).to_be_checked()


def test_switching_account_changes_the_numbers(page: Page) -> None:
    choose_account(page, "Globex Corp")

    expect(page.get_by_text(GLOBEX_CAPTION)).to_be_visible()
    expect_tile(page, "Total calls", GLOBEX_TOTAL)
    expect_tile(page, "Abandoned", GLOBEX_ABANDONED)


def test_csv_download_is_the_export_of_the_filtered_report(page: Page) -> None:
    choose_direction(page, "Inbound")
    expect_tile(page, "Total calls", ACME_INBOUND)
    wait_until_idle(page)  # the download button of this run, not the one of the run before

    name, data = download_csv(page)

    assert name == ACME_CSV_INBOUND_NAME
    assert data.decode("utf-8") == ACME_CSV_INBOUND


def test_csv_download_of_another_account_is_its_export(
    page: Page, export_csv: Callable[[int, date, date], str]
) -> None:
    choose_account(page, "Globex Corp")
    expect_tile(page, "Total calls", GLOBEX_TOTAL)
    wait_until_idle(page)

    name, data = download_csv(page)

    assert name == GLOBEX_CSV_ALL_NAME
    assert data.decode("utf-8") == GLOBEX_CSV_ALL
    assert export_csv(3, *GLOBEX_RANGE) == GLOBEX_CSV_ALL  # the hand-written text is what the export writes

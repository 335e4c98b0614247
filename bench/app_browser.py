"""The app in a real browser for the page bench: a `streamlit run` server, Debian's chromium, the end of a run.

The bench's own copy of what it needs (bench/ uses no test code); tests/app/browser.py keeps the test
suite's, with pytest failures instead of these errors.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]  # fmt: skip
STARTUP_TIMEOUT_S = 60
TIMEOUT_MS = 30_000  # per wait: a loaded machine, and the first query of a fresh server


class BrowserBenchError(RuntimeError):
    """The app server or the browser could not be started."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def streamlit_server(
    env: dict[str, str], log: Path, script: str = "app/streamlit_server.py"
) -> Iterator[str]:
    """`streamlit run` of ``script`` on a free loopback port; its URL; stopped on exit, whatever happened."""
    port = _free_port()
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]  # fmt: skip
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            command, cwd=REPO_ROOT, env={**os.environ, **env}, stdout=handle, stderr=subprocess.STDOUT
        )
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


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise BrowserBenchError(f"streamlit exited with code {proc.returncode}:\n{tail}")
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise BrowserBenchError(f"streamlit not healthy at {url} within {STARTUP_TIMEOUT_S} s")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian chromium driven by playwright."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise BrowserBenchError(
            "chromium is not installed (no `chromium` on PATH): `apt-get install -y chromium`"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_until_idle(page: Any) -> None:
    """Wait until the script run is over, so every element belongs to the latest run."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=TIMEOUT_MS
    )

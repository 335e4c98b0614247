"""The warm-up steps aside while a page run is under way: a click goes first."""

from __future__ import annotations

import threading
import time

from app.shell import foreground, warmup


def test_waiting_for_quiet_lasts_while_a_page_runs_and_ends_with_it() -> None:
    with foreground.page_run():
        assert foreground.busy()
        started = time.monotonic()
        assert foreground.wait_for_quiet(timeout=0.3) is False  # bounded: never stuck behind a busy server
        assert time.monotonic() - started >= 0.3
    assert not foreground.busy()
    assert foreground.wait_for_quiet(timeout=0) is True


def test_a_waiting_step_goes_on_as_soon_as_the_last_run_ends() -> None:
    resumed = threading.Event()
    release = threading.Event()

    def page() -> None:
        with foreground.page_run(), foreground.page_run():  # two sessions' runs at once
            release.wait(10)

    runner = threading.Thread(target=page)
    runner.start()
    while not foreground.busy():
        time.sleep(0.01)

    def background_step() -> None:
        if foreground.wait_for_quiet(timeout=30):
            resumed.set()

    waiter = threading.Thread(target=background_step)
    waiter.start()
    assert not resumed.wait(0.3)
    release.set()
    assert resumed.wait(5)
    runner.join(5)
    waiter.join(5)


def test_the_warmup_imports_nothing_more_while_a_page_runs_and_goes_on_after() -> None:
    finished = threading.Event()

    def import_pages() -> None:
        warmup._import_pages()  # every module is imported already here: only the waits take time
        finished.set()

    with foreground.page_run():
        worker = threading.Thread(target=import_pages)
        worker.start()
        assert not finished.wait(1.0)  # each step waits for the run (up to 2 s)
    assert finished.wait(30)
    worker.join(5)

"""Background work (the prefetch, the warm-up) steps aside while a page run is under way: a click goes first."""

from __future__ import annotations

import threading
import time

from app.filters.scope import Scope
from app.shell import foreground, prefetch
from tests.app.apptest import signed_in
from tests.app.conftest import Stack

IDLE_TIMEOUT_S = 120


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


def test_the_prefetch_reads_nothing_while_a_page_runs_and_finishes_after(app_env: Stack) -> None:
    app = signed_in("north-admin")
    scope = app.session_state["scope"]
    assert isinstance(scope, Scope)
    assert prefetch.idle.wait(IDLE_TIMEOUT_S)
    prefetch.forget()  # the sign-in's own prefetch is done: ask again for the same scope
    with foreground.page_run():
        prefetch.request(scope)
        time.sleep(1.0)
        # every read waits for the run (up to 2 s each): the scope cannot be done within a second
        assert not prefetch.is_done(scope)
        assert not prefetch.idle.is_set()
    assert prefetch.idle.wait(IDLE_TIMEOUT_S) and prefetch.is_done(scope)
    assert prefetch.last is not None and prefetch.last.failed == []

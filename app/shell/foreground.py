"""Whether a script run (a click's page) is under way, so background work can step aside until it is over.

The warm-up is a Python thread of the server process that imports modules (pure Python, holding the
interpreter lock): while it runs, a page's run and the server's event loop (which starts that run) share the
lock with it, and on a loaded machine a click's start waited seconds behind it (profiled: 7-11 s for the first
page after a sign-in while the warm-up and the prefetch were busy, 0.2 s once they were done). The shell marks
each run with :func:`page_run`; the warm-up calls :func:`wait_for_quiet` between its steps. The wait is
bounded, so a server that is never quiet still gets warm, only more slowly. (The prefetch does not wait: its
reads are DuckDB's, which releases the lock and uses the other core.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

MAX_WAIT_SECONDS = 2.0  # the longest one background step waits for the runs under way to finish

_quiet = threading.Condition()
_running = 0


@contextmanager
def page_run() -> Iterator[None]:
    """Mark a script run as under way while the block runs."""
    global _running
    with _quiet:
        _running += 1
    try:
        yield
    finally:
        with _quiet:
            _running -= 1
            if _running == 0:
                _quiet.notify_all()


def busy() -> bool:
    with _quiet:
        return _running > 0


def wait_for_quiet(timeout: float = MAX_WAIT_SECONDS) -> bool:
    """Block until no script run is under way, at most ``timeout`` seconds; True when none is."""
    with _quiet:
        return _quiet.wait_for(lambda: _running == 0, timeout)

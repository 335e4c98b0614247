"""Every page's declared reads for the sidebar's current filters, run in the background so a first visit is a cache hit.

The shell calls :func:`request` at the end of each run. Once per (viewer, filters, publish version) a worker
thread runs, page by page in navigation order, the reads each page declares in its ``READS`` (the same cached
query functions the page calls with its widgets at their defaults); those results land in ``st.cache_data``
(shared by every session), so the first click on a page finds them. At 10 M calls an uncached page costs
20-100 ms of queries and the whole set ~0.3-0.6 s of DuckDB time, done while the user reads the page they are on.

A page is imported here only for its ``READS``: its drawing runs under ``if __name__ == "__main__"``, which is
how Streamlit runs it. Unlike the warm-up it does not wait for page runs to end (app/shell/foreground.py):
its reads are mostly DuckDB, which releases the interpreter lock and runs on the other core, and a fast
clicker's next page is fetched meanwhile. Only the newest request is worked on: a filter change supersedes
what was still pending, and a scope done before (by any session of the same account) is skipped. Every
publish (every few minutes) misses every cache: while the app is in use, the idle worker notices a new publish within ``WATCH_SECONDS`` and
fetches the newest scope again on it, so the first click after a refresh need not pay for it either. A read the
viewer may not make (``NotPermitted``) is skipped as the page would refuse it.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import PurePosixPath

from app.filters.scope import PageRead, Scope
from app.shell.navigation import PAGES
from app.signin.access import NotPermitted
from voxlink import warehouse

_LOGGER = logging.getLogger(__name__)
DONE_LIMIT = 256  # scopes remembered as done; older ones may be fetched again (then as cache hits)
WATCH_SECONDS = 5  # how often the idle worker looks for a new publish
ACTIVE_SECONDS = 15 * 60  # a new publish is fetched ahead only this long after the last page run

_lock = threading.Lock()
_wake = threading.Condition(_lock)
_pending: Scope | None = None
_done: dict[Scope, None] = {}  # insertion-ordered: the oldest is forgotten first
_worker: threading.Thread | None = None
_latest: tuple[Scope, float] | None = None  # the newest scope requested, and when (monotonic)
idle = threading.Event()  # set while nothing is pending or running
idle.set()


@dataclass
class Outcome:
    """How the reads of one scope went."""

    done: int = 0
    refused: int = 0  # reads the viewer's role may not make (NotPermitted), as the page would be refused
    failed: list[str] = field(default_factory=list)
    superseded: bool = False  # stopped early: a newer scope was requested


last: Outcome | None = None  # the most recently completed scope's outcome


def declared_reads() -> dict[str, tuple[PageRead, ...]]:
    """Each page's ``READS`` (by its URL path), in navigation order; a page declaring none reads nothing ahead."""
    reads = {}
    for spec in PAGES:
        module = importlib.import_module(
            "app." + str(PurePosixPath(spec.file).with_suffix("")).replace("/", ".")
        )
        reads[spec.url_path] = tuple(getattr(module, "READS", ()))
    return reads


def page_reads(scope: Scope) -> list[Callable[[], object]]:
    """What each page reads on its first run with these filters, in navigation order."""
    return [partial(read, scope) for reads in declared_reads().values() for read in reads]


def fetch(scope: Scope) -> Outcome:
    """Run every page's reads for ``scope`` now (stopping early if a newer scope is requested)."""
    outcome = Outcome()
    for read in page_reads(scope):
        if _superseded(scope):
            outcome.superseded = True
            break
        try:
            read()
            outcome.done += 1
        except NotPermitted:  # a page this role does not see: it refuses the same read
            outcome.refused += 1
        except Exception as error:  # e.g. a publish mid-way: the page itself will read again and tell
            outcome.failed.append(repr(error))
            _LOGGER.warning("prefetch: a page read failed: %r", error)
    return outcome


def request(scope: Scope) -> None:
    """Fetch every page's reads for ``scope`` in the background, unless done or already pending."""
    global _pending, _worker, _latest
    with _lock:
        _latest = (scope, time.monotonic())
        if scope in _done or scope == _pending:
            return
        _pending = scope
        idle.clear()
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_work, name="voxlink-prefetch", daemon=True)
            _worker.start()
        _wake.notify()


def forget() -> None:
    """Drop what is pending and stop watching for publishes until the next :func:`request`.

    For a process that switches warehouses (the test suite): the idle worker would otherwise fetch the last
    scope again on whatever warehouse the settings name next, holding a connection to it.
    """
    global _pending, _latest
    with _lock:
        _pending = None
        _latest = None
        _done.clear()


def is_done(scope: Scope) -> bool:
    with _lock:
        return scope in _done


def _superseded(scope: Scope) -> bool:
    with _lock:
        return _pending is not None and _pending != scope


def _next_publish() -> Scope | None:
    """The latest scope again on a newly published warehouse, while someone has used the app lately."""
    if _latest is None or time.monotonic() - _latest[1] > ACTIVE_SECONDS:
        return None
    try:
        version = warehouse.file_version()
    except warehouse.WarehouseMissing:
        return None
    scope = replace(_latest[0], version=version)
    return None if version == _latest[0].version or scope in _done else scope


def _work() -> None:
    global _pending, last
    while True:
        with _lock:
            while _pending is None:
                idle.set()
                if not _wake.wait(WATCH_SECONDS):
                    _pending = _next_publish()
            idle.clear()
            scope = _pending
        outcome = fetch(scope)
        with _lock:
            if _pending == scope:
                _pending = None
                _done[scope] = None
                while len(_done) > DONE_LIMIT:
                    _done.pop(next(iter(_done)))
                last = outcome

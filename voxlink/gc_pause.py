"""Python's cyclic garbage collector held off during bulk work that makes no reference cycles.

A file ingest allocates hundreds of thousands of short-lived objects (decoded events, payload dicts, COPY rows);
each pass of the cyclic collector over the older generation walks every live object, and it ran ~15 times in a
160 k-event ingest (~1 s of the Python thread, the GIL held, the storing threads waiting for it): ~20 % of the
Python CPU per stored event. Such work frees its objects by reference counting (an ingest of 161 k events left 0
objects in cycles), so pausing the collector frees the same memory. Process-wide, as the collector is: nested and
concurrent pauses are counted, and the collector is back as it was when the last one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def paused_cyclic_gc() -> Iterator[None]:
    """No automatic cyclic collection meanwhile (reference counting still frees memory); restored after."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()

"""Answers of the reports API kept per served warehouse version: a published file never changes, so an answer for
the same account, report and parameters stays right until the next publish (whose new version misses the cache).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

ENTRIES = 512  # answers kept (a report page is a few KB to a few hundred KB); the oldest unused go first


class AnswerCache:
    """A thread-safe least-recently-used map from a request's key (which includes the version) to its answer."""

    def __init__(self, entries: int = ENTRIES) -> None:
        self.entries = entries
        self._kept: OrderedDict[Hashable, tuple[bytes, dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, key: Hashable, make: Callable[[], tuple[bytes, dict[str, str]]]
    ) -> tuple[bytes, dict[str, str]]:
        """The kept answer for ``key``, or ``make()``'s (kept unless it raised)."""
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        answer = make()  # outside the lock: two misses of one key both compute, and agree
        with self._lock:
            self._kept[key] = answer
            while len(self._kept) > self.entries:
                self._kept.popitem(last=False)
        return answer

"""Failed authentications per source (client IP): past the limit the source gets 429 before any database work.

Counted in the API process's memory, so a guesser is refused without costing a query; with N workers a
source may fail up to N × limit times per window before every worker refuses it, still far too few to guess
a 256-bit key or an HMAC.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from operational.api.errors import ApiError

MAX_SOURCES = 100_000  # bounds the memory a flood from many addresses can take (oldest forgotten first)


class FailureThrottle:
    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.clock = limit, window_seconds, clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()  # record() runs in worker threads as well as on the event loop

    def _recent(self, source: str, now: float) -> deque[float] | None:
        failures = self._failures.get(source)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[source]
            return None
        return failures

    def check(self, source: str) -> None:
        """Raise 429 (with Retry-After) when ``source`` has failed ``limit`` times within the window."""
        now = self.clock()
        with self._lock:
            failures = self._recent(source, now)
            if failures is None or len(failures) < self.limit:
                return
            retry_after = max(1, math.ceil(failures[-self.limit] + self.window - now))
        raise ApiError(
            429,
            "rate_limited",
            "too many failed authentications from this address; retry later",
            headers={"Retry-After": str(retry_after)},
        )

    def record(self, source: str) -> None:
        now = self.clock()
        with self._lock:
            failures = self._recent(source, now) or deque(maxlen=self.limit)
            failures.append(now)
            self._failures[source] = failures
            self._failures.move_to_end(source)
            while len(self._failures) > MAX_SOURCES:
                self._failures.popitem(last=False)

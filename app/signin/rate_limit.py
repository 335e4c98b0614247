"""A rate limit on failed sign-ins: after a few failures for one username or one client, wait before trying again.

In memory, for the one app server process (a restart forgets it). A locked key is refused before any password
check, so a locked-out attacker cannot even spend the server's argon2 time.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


class LoginLimiter:
    """Failures per key (``user:<name>``, ``client:<address>``) in a sliding window."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        return failures

    def retry_after(self, keys: list[str]) -> float:
        """Seconds to wait before another attempt for any of ``keys`` (0 if one may try now)."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                failures = self._recent(key, now)
                if len(failures) >= self.max_failures:
                    # the oldest failure that still counts must leave the window first
                    wait = max(wait, failures[-self.max_failures] + self.window_seconds - now)
        return wait

    def failed(self, keys: list[str]) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, username_key: str) -> None:
        """A good password clears the username's failures (not the client's: one client, many usernames)."""
        with self._lock:
            self._failures.pop(username_key, None)

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()


def keys_for(username: str, client: str | None) -> list[str]:
    keys = [f"user:{username.strip().lower()}"]
    if client:
        keys.append(f"client:{client}")
    return keys


# One per server process: every session shares it.
LIMITER = LoginLimiter()

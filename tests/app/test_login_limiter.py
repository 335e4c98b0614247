"""The failed sign-in limit: per username and per client, in a sliding window."""

from __future__ import annotations

from app.signin.rate_limit import LoginLimiter, keys_for


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_fifth_failure_locks_until_the_oldest_leaves_the_window() -> None:
    clock = Clock()
    limiter = LoginLimiter(max_failures=5, window_seconds=900, clock=clock)
    keys = keys_for("Alice ", "10.0.0.1")
    for _ in range(4):
        limiter.failed(keys)
        clock.now += 10
    assert limiter.retry_after(keys) == 0

    limiter.failed(keys)  # at 1040; the first failure was at 1000

    assert limiter.retry_after(keys) == 900 - 40
    clock.now = 1000 + 900
    assert limiter.retry_after(keys) == 0


def test_usernames_are_matched_case_blind_and_a_success_clears_only_the_username() -> None:
    limiter = LoginLimiter(max_failures=2, window_seconds=60, clock=Clock())
    limiter.failed(keys_for("bob", "10.0.0.2"))
    limiter.failed(keys_for("BOB", "10.0.0.2"))
    assert limiter.retry_after(keys_for("bob", None)) > 0

    limiter.succeeded(keys_for("bob", None)[0])

    assert limiter.retry_after(keys_for("bob", None)) == 0
    assert limiter.retry_after(keys_for("carol", "10.0.0.2")) > 0  # the client keeps its failures

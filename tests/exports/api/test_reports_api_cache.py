"""The reports API's answer cache: an answer is reused for the same key (which names the warehouse version) only."""

from __future__ import annotations

import pytest

from exports.api.report_cache import AnswerCache


def test_an_answer_is_reused_for_its_key_and_recomputed_for_a_new_version() -> None:
    cache, made = AnswerCache(entries=2), []

    def make(text: str):  # type: ignore[no-untyped-def]
        def answer() -> tuple[bytes, dict[str, str]]:
            made.append(text)
            return text.encode(), {}

        return answer

    assert cache.get(("acct", "v1"), make("first")) == (b"first", {})
    assert cache.get(("acct", "v1"), make("again")) == (b"first", {})
    assert cache.get(("acct", "v2"), make("republished")) == (b"republished", {})
    assert made == ["first", "republished"]


def test_the_least_recently_used_answer_goes_first_and_errors_are_not_kept() -> None:
    cache = AnswerCache(entries=2)
    cache.get("a", lambda: (b"a", {}))
    cache.get("b", lambda: (b"b", {}))
    cache.get("a", lambda: (b"stale", {}))  # a used again: b is now the oldest
    cache.get("c", lambda: (b"c", {}))
    assert cache.get("a", lambda: (b"new a", {})) == (b"a", {})
    assert cache.get("b", lambda: (b"new b", {})) == (b"new b", {})

    def failing() -> tuple[bytes, dict[str, str]]:
        raise ValueError("bad request")

    with pytest.raises(ValueError):
        cache.get("d", failing)
    assert cache.get("d", lambda: (b"d", {})) == (b"d", {})

"""Work the app does ahead of a click: warm imports and a frozen heap per process, every page's reads per scope.

What is asserted is what a user gets: after the prefetch, opening any page runs no warehouse query.
"""

from __future__ import annotations

import gc
import importlib
import os
import shutil
import sys
import time
from dataclasses import replace
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from app.filters.scope import Scope
from app.shell import prefetch, warmup
from app.shell.navigation import PAGES
from tests.app.apptest import open_page, signed_in
from tests.app.conftest import Stack
from voxlink import warehouse

IDLE_TIMEOUT_S = 120


def _scope_of(username: str) -> Scope:
    app = signed_in(username)
    scope = app.session_state["scope"]
    assert isinstance(scope, Scope)
    return scope


def test_warmup_imports_what_the_pages_import_and_freezes_the_heap(app_env: Stack) -> None:
    names = warmup.page_imports()
    assert {"app.components.heatmap", "app.queries.totals", "app.staffing.what_if_view", "polars"} <= set(
        names
    )
    assert "app.components.charts.status_label" in names  # a name imported from a module: tried, skipped
    try:
        warmup.warm()
        assert warmup.done.is_set()
        assert {
            "app.components.heatmap",
            "app.staffing.what_if_view",
            "plotly.graph_objects",
            "pyarrow",
        } <= set(sys.modules)
        # what the imports left is skipped by the full collection Streamlit runs after every script run
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_a_signed_in_run_warms_every_read_each_page_declares(
    app_env: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    scope = _scope_of("north-admin")  # the shell asks for the prefetch at the end of the run
    assert prefetch.idle.wait(IDLE_TIMEOUT_S) and prefetch.is_done(scope)
    declared = prefetch.declared_reads()
    assert list(declared) == [spec.url_path for spec in PAGES]  # every page in the navigation is asked
    queried: list[str] = []
    real_query = warehouse.query

    def spy(sql: str, *args: Any, **kwargs: Any) -> pl.DataFrame:
        queried.append(" ".join(sql.split())[:80])
        return real_query(sql, *args, **kwargs)

    monkeypatch.setattr(warehouse, "query", spy)
    for page, reads in declared.items():
        for read in reads:  # an admin may make every read; each one is already in the cache
            read(scope)
        assert queried == [], page


def test_a_read_a_page_adds_is_fetched_without_touching_prefetch(
    app_env: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    scope = _scope_of("north-admin")
    assert prefetch.idle.wait(IDLE_TIMEOUT_S)
    asked: list[Scope] = []
    page = importlib.import_module("app.app_pages.dispositions")
    monkeypatch.setattr(page, "READS", (*page.READS, asked.append))  # the page declares one more read

    outcome = prefetch.fetch(scope)

    assert asked == [scope]
    assert outcome.failed == [] and outcome.refused == 0 and not outcome.superseded


ADMIN_PAGES = ("overview", "wallboard", "call_status", "abandon_rate", "outgoing_calls", "dialer_compliance",
               "dispositions", "call_report", "user_status", "leaderboard", "sms_mms", "sql_explorer", "data_health")  # fmt: skip
AGENT_PAGES = (
    "overview",
    "wallboard",
    "outgoing_calls",
    "call_report",
    "user_status",
)  # what an agent navigates


def _warehouse_reads_while_opening(app: AppTest, pages: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:  # fmt: skip
    """The warehouse queries each page runs on its first visit (a spy: the real query still runs)."""
    reads: dict[str, list[str]] = {}
    real_query = warehouse.query
    current: list[str] = []

    def counted(sql: str, *args: Any, **kwargs: Any) -> pl.DataFrame:
        current.append(" ".join(sql.split())[:80])
        return real_query(sql, *args, **kwargs)

    monkeypatch.setattr(warehouse, "query", counted)
    for page in pages:
        current.clear()
        open_page(app, page)
        reads[page] = list(current)
    return reads


@pytest.mark.parametrize(("username", "pages"), [("north-admin", ADMIN_PAGES), ("alice@north", AGENT_PAGES)])
def test_after_the_prefetch_every_page_opens_without_querying_the_warehouse(
    app_env: Stack, username: str, pages: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = signed_in(username)  # the shell asks for the prefetch at the end of the run
    assert prefetch.idle.wait(IDLE_TIMEOUT_S) and prefetch.is_done(app.session_state["scope"])

    reads = _warehouse_reads_while_opening(app, pages, monkeypatch)

    assert reads == {page: [] for page in pages}  # every read the pages make is already in the cache


def test_a_new_publish_is_fetched_ahead_for_the_latest_filters(app_env: Stack) -> None:
    scope = _scope_of("north-manager")
    assert prefetch.idle.wait(IDLE_TIMEOUT_S) and prefetch.is_done(scope)

    # a publish as the pipeline does it: a new file with the same tables replaces the served one
    served = warehouse.served_path()
    staged = served.with_name(".served-copy.tmp")
    shutil.copyfile(served, staged)
    os.replace(staged, served)
    republished = replace(scope, version=warehouse.file_version())

    deadline = time.monotonic() + IDLE_TIMEOUT_S
    while not prefetch.is_done(republished) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert republished.version != scope.version and prefetch.is_done(republished)

"""``voxlink check``: run the suites against the working and the served warehouse and write Data Docs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from data_tests import store
from data_tests.runner import SuiteOutcome, run_suite
from data_tests.suites import MART_SUITES, RAW_SUITES, Suite
from voxlink.settings import get_settings


class WarehouseBusy(RuntimeError):
    """The working file is open for writing (a refresh is running)."""


@dataclass(frozen=True)
class CheckReport:
    outcomes: list[SuiteOutcome]
    data_docs: Path | None

    @property
    def blocking(self) -> list[SuiteOutcome]:
        return [o for o in self.outcomes if not o.passed]


def _docs_context(root: Path) -> Any:
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _targets() -> list[tuple[str, Path, tuple[Suite, ...]]]:
    settings = get_settings()
    return [
        ("working", settings.working_db, RAW_SUITES + MART_SUITES),
        ("served", settings.served_db, MART_SUITES),  # the served file holds marts only
    ]


def run_checks(*, data_docs: bool = True) -> CheckReport:
    """Validate both warehouse files (read-only); results are saved like a refresh's own checks."""
    root = get_settings().home_dir / "quality"
    context = _docs_context(root) if data_docs else None
    now = datetime.now(UTC)
    outcomes: list[SuiteOutcome] = []
    for target, path, suites in _targets():
        if not path.exists():
            continue
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as err:
            raise WarehouseBusy(f"{path} is being written (a refresh is running?): {err}") from None
        try:
            for suite in suites:
                outcome = run_suite(con, suite, now, target, docs_context=context)
                store.save(outcome)
                outcomes.append(outcome)
        finally:
            con.close()
    docs = None
    if context is not None:
        context.build_data_docs()
        index = next(root.rglob("data_docs/local_site/index.html"), None)
        docs = index
    return CheckReport(outcomes, docs)

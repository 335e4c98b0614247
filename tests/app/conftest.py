"""What the app tests share: a tiny served warehouse of hand-written rows for two accounts.

The expected numbers are worked out by hand from these rows in each test module, next to its assertions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

ACCOUNTS = [
    # account_id, slug, name, timezone — ids out of name order: the chooser lists by name
    (7, "acme", "Acme Ltd", "Europe/London"),
    (3, "globex", "Globex Corp", "America/New_York"),
]

CALL_STATUS_ROWS = [
    # Acme: newest date 2025-03-12, so the default range is 2025-02-11 .. 2025-03-12
    (7, "2025-02-10", "inbound", "completed", 50),  # the day before the range: never counted
    (7, "2025-02-11", "inbound", "voicemail", 2),  # the range's first day
    (7, "2025-03-10", "inbound", "completed", 5),
    (7, "2025-03-10", "inbound", "abandoned", 2),
    (7, "2025-03-10", "outbound", "completed", 3),
    (7, "2025-03-11", "outbound", "no_answer", 4),
    (7, "2025-03-12", "inbound", "in_progress", 1),
    # Globex: newest date 2025-03-13, range 2025-02-12 .. 2025-03-13
    (3, "2025-03-12", "inbound", "completed", 1000),
    (3, "2025-03-12", "inbound", "abandoned", 300),
    (3, "2025-03-13", "outbound", "busy", 7),
]


def write_served_warehouse(path: Path) -> Path:
    """Write the tiny warehouse (accounts, call-status mart, publish record) as the served file at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table dim_accounts (account_id integer, slug varchar, name varchar, timezone varchar)"
        )
        con.executemany("insert into dim_accounts values (?, ?, ?, ?)", ACCOUNTS)
        con.execute(
            "create table rpt_call_status_daily"
            " (account_id integer, date date, direction varchar, status varchar, calls bigint)"
        )
        con.executemany("insert into rpt_call_status_daily values (?, ?, ?, ?, ?)", CALL_STATUS_ROWS)
        con.execute("create table _publish (version bigint, published_at timestamptz, built_seconds double)")
        # "Data as of": 06:00 GMT in London, 02:00 EDT in New York (US daylight time began on 2025-03-09)
        con.execute("insert into _publish values (1, '2025-03-13 06:00:00+00', 2.5)")
    return path


@pytest.fixture(scope="session")
def build_served_warehouse() -> Callable[[Path], Path]:
    """``build_served_warehouse(path)`` writes the tiny warehouse as the served file at ``path``."""
    return write_served_warehouse

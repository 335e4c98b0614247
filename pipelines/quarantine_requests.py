"""Release and drop requests that ``voxlink quarantine`` leaves for the next refresh to apply.

The command never opens the working DuckDB file: DuckDB has one writer, and a refresh whose next step found
the file held by another process would fail. A request is a small owner-only JSON file per raw table under
VOXLINK_HOME/quarantine/requests; the raw check of that table applies it (before it runs its suite, so released
rows are checked in the same run) and removes it.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb

from pipelines import quarantine
from voxlink.settings import get_settings

Action = Literal["release", "drop"]


def requests_dir() -> Path:
    return get_settings().home_dir / "quarantine" / "requests"


def request(action: Action, account_id: int, tables: tuple[str, ...]) -> list[Path]:
    """Leave one request per table; file names sort in the order they were made."""
    folder = requests_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    made = []
    for table in tables:
        path = folder / f"{table}.{time.time_ns():020d}.{uuid.uuid4().hex[:8]}.json"
        body = {"action": action, "account_id": account_id, "table": table,
                "requested_at": datetime.now(UTC).isoformat()}  # fmt: skip
        descriptor = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(json.dumps(body))
        os.replace(path.with_suffix(".tmp"), path)  # the refresh never sees half a request
        made.append(path)
    return made


def _files(table: str | None = None) -> list[Path]:
    folder = requests_dir()
    return sorted(folder.glob(f"{table or '*'}.*.json")) if folder.exists() else []


def pending(account_id: int | None = None) -> list[dict[str, Any]]:
    """Requests not applied yet (oldest first), of every account or of ``account_id``."""
    found = [json.loads(path.read_text()) for path in _files()]
    return [r for r in found if account_id is None or r["account_id"] == account_id]


def apply_requests(con: duckdb.DuckDBPyConnection, table: str) -> list[dict[str, Any]]:
    """Apply the requests for ``table`` in order; each applied one is removed. Returns them with their row counts."""
    applied = []
    for path in _files(table):
        wanted = json.loads(path.read_text())
        if wanted["action"] == "release":
            rows = quarantine.release(con, table, wanted["account_id"], datetime.now(UTC))
        else:
            rows = quarantine.drop(con, table, wanted["account_id"])
        path.unlink()
        applied.append({**wanted, "rows": rows})
    return applied

"""Where check results live: one JSON file per suite and target under VOXLINK_HOME/quality, replaced atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from voxlink.files import private_dir, write_private_text
from voxlink.settings import get_settings


def results_dir(target: str) -> Path:
    return get_settings().home_dir / "quality" / "results" / target


def save(outcome: Any) -> Path:
    """Write a :class:`~data_tests.runner.SuiteOutcome`; readers never see a half-written file."""
    folder = private_dir(results_dir(outcome.target))
    path = folder / f"{outcome.suite}.json"
    staging = path.with_suffix(".json.tmp")
    write_private_text(staging, json.dumps(outcome.to_dict(), indent=2, default=str))  # samples of rows
    os.replace(staging, path)
    return path


def latest(target: str = "working") -> list[dict[str, Any]]:
    """The newest result of every suite for a target ("working" before publish, "served" after)."""
    folder = results_dir(target)
    if not folder.exists():
        return []
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def quarantine_path() -> Path:
    return get_settings().home_dir / "quality" / "quarantine.json"


def save_quarantine(entries: list[dict[str, Any]]) -> Path:
    """Write what the refresh holds in quarantine (``pipelines.quarantine``), owner-only and atomically."""
    path = quarantine_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = path.with_suffix(".json.tmp")
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(json.dumps(entries, indent=2, default=str))
    os.replace(staging, path)
    return path


def quarantined(account_id: int | None = None) -> list[dict[str, Any]]:
    """What is held, as of the newest refresh: every account's entries, or only ``account_id``'s."""
    path = quarantine_path()
    if not path.exists():
        return []
    entries: list[dict[str, Any]] = json.loads(path.read_text())
    return [e for e in entries if account_id is None or e["account_id"] == account_id]

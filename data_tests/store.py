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

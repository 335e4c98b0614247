"""Export jobs kept as one small owner-only JSON file each (and their output) under ``$VOXLINK_HOME/export-jobs``.

A file is replaced whole on each change (write a draft, ``os.replace``), so a reader never sees half a job; the
job's state survives a restart of the API (a job a dead process left queued or running is reported failed).
A finished job and its file are kept ``RETENTION`` (24 h; its download links live 15 minutes) and then removed
when the next job is submitted, so the directory does not grow for ever.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from voxlink.files import private_dir, write_private_text

RETENTION = timedelta(hours=24)
FINISHED = ("done", "failed")


@dataclass
class Job:
    id: str
    account_id: int
    account: str
    timezone: str
    report: str
    format: str
    start: str
    end: str
    filters: dict[str, str] = field(default_factory=dict)
    state: str = "queued"
    created_at: str = field(default_factory=lambda: now_text())
    finished_at: str | None = None
    rows: int | None = None
    error: str | None = None
    pid: int | None = None  # the API process that owns the job while it is queued or running

    @property
    def file_name(self) -> str:
        return f"{self.report}_{self.account}_{self.start}_{self.end}.{self.format}"


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_id() -> str:
    return secrets.token_hex(16)


class JobStore:
    """Jobs by id in ``directory``: ``<id>.json`` for the state, ``<id>.out`` for the finished file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _json(self, job_id: str) -> Path:
        return self.directory / f"{job_id}.json"

    def output(self, job_id: str) -> Path:
        return self.directory / f"{job_id}.out"

    def save(self, job: Job) -> None:
        private_dir(self.directory)
        draft = self.directory / f".{job.id}.{os.getpid()}.{secrets.token_hex(4)}"
        write_private_text(draft, orjson.dumps(dataclasses.asdict(job)).decode())
        os.replace(draft, self._json(job.id))

    def load(self, job_id: str) -> Job | None:
        if not job_id.isalnum():  # ids are hex: nothing else may name a path
            return None
        try:
            data: dict[str, Any] = orjson.loads(self._json(job_id).read_bytes())
        except FileNotFoundError:
            return None
        return Job(**data)

    def prune(self, now: datetime | None = None, keep: timedelta = RETENTION) -> int:
        """Remove finished jobs (state and file) that finished more than ``keep`` ago; how many were removed.
        Queued and running jobs stay whatever their age."""
        if not self.directory.is_dir():
            return 0
        cutoff = (now or datetime.now(UTC)) - keep
        removed = 0
        for state_file in self.directory.glob("*.json"):
            job = self.load(state_file.stem)
            if job is None or job.state not in FINISHED or job.finished_at is None:
                continue
            if datetime.fromisoformat(job.finished_at) < cutoff:
                self.output(job.id).unlink(missing_ok=True)
                state_file.unlink(missing_ok=True)
                removed += 1
        return removed

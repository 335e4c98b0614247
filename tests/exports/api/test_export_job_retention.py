"""Export jobs do not pile up: a finished job and its file are removed a day after it finished, when the next job
is submitted; queued or running jobs, and recent ones, stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from exports.api.job_store import Job, JobStore

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def job(store: JobStore, state: str, finished_hours_ago: float | None) -> Job:
    finished = None if finished_hours_ago is None else (NOW - timedelta(hours=finished_hours_ago)).isoformat()
    made = Job(id=f"{state}{int((finished_hours_ago or 0) * 10):04d}", account_id=1, account="acme",
               timezone="UTC", report="call-status", format="csv", start="2026-11-01", end="2026-11-30",
               state=state, finished_at=finished)  # fmt: skip
    store.save(made)
    if state == "done":
        store.output(made.id).write_text("a,b\n1,2\n")
    return made


def test_finished_jobs_older_than_a_day_are_removed_with_their_files(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "export-jobs")
    old_done, old_failed = job(store, "done", 25), job(store, "failed", 48)
    recent, running, queued = (
        job(store, "done", 23.5),
        job(store, "running", None),
        job(store, "queued", None),
    )

    assert store.prune(NOW) == 2
    assert store.load(old_done.id) is None and store.load(old_failed.id) is None
    assert not store.output(old_done.id).exists()
    assert store.load(recent.id) == recent and store.output(recent.id).read_text() == "a,b\n1,2\n"
    assert store.load(running.id) == running and store.load(queued.id) == queued
    assert sorted(p.name for p in store.directory.iterdir()) == sorted(
        [f"{recent.id}.json", f"{recent.id}.out", f"{running.id}.json", f"{queued.id}.json"]
    )


def test_pruning_a_store_that_was_never_written_is_a_no_op(tmp_path: Path) -> None:
    assert JobStore(tmp_path / "never-made").prune(NOW) == 0

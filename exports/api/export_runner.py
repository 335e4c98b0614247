"""Export jobs run off the request thread: a small pool of worker processes, a cap on each account's open jobs.

A worker is a separate process, so a million-row XLSX holds neither the API's GIL nor its memory, and the
export's own DuckDB thread setting (``exports/export.py``) touches only the worker. The worker writes through
the same functions as ``voxlink export`` (:func:`exports.export.export_file`; with filters,
:func:`exports.export.build_report`) and records the job's progress in its JSON file.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from pathlib import Path

from exports.api.job_store import Job, JobStore, now_text
from exports.export import build_report, export_file
from exports.report_specs import ReportError
from voxlink.files import owner_only
from voxlink.warehouse import WarehouseMissing

log = logging.getLogger(__name__)
WORKERS = 2  # the reference machine has two cores: more workers would only queue on them
PER_ACCOUNT = 2  # open (queued or running) jobs an account may have; one more is refused with 429
UNFINISHED = ("queued", "running")


class TooManyJobs(RuntimeError):
    """The account already has its share of open export jobs."""


def run_job(directory: str, job_id: str) -> None:
    """In a worker process: write the job's file, then record it done (or failed, with why)."""
    owner_only()
    store = JobStore(Path(directory))
    job = store.load(job_id)
    if job is None:
        return
    job.state = "running"
    store.save(job)
    try:
        job.rows = _write(job, store.output(job_id))
        job.state = "done"
    except (ReportError, WarehouseMissing) as err:
        job.state, job.error = "failed", str(err)
    except Exception:
        log.exception("export job %s failed", job_id)
        job.state, job.error = "failed", "the export failed unexpectedly; it has been logged"
    job.finished_at = now_text()
    store.save(job)


def _write(job: Job, out: Path) -> int:
    start, end = date.fromisoformat(job.start), date.fromisoformat(job.end)
    draft = out.with_name(f".{out.name}.part")
    if job.filters:
        rendered = build_report(job.account_id, job.account, job.timezone, job.report, start, end, job.format,
                                job.filters)  # fmt: skip
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(rendered.content)
        rows = rendered.rows
    else:
        rows = export_file(job.account_id, job.account, job.timezone, job.report, start, end, job.format,
                           str(draft))  # fmt: skip
    os.replace(draft, out)
    return rows


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ExportRunner:
    """Submits jobs to the worker pool (started on first use) and answers for their state."""

    def __init__(self, store: JobStore, workers: int = WORKERS, per_account: int = PER_ACCOUNT) -> None:
        self.store, self.workers, self.per_account = store, workers, per_account
        self._pool: ProcessPoolExecutor | None = None
        self._open: dict[str, int] = {}  # job id → account id, while queued or running in this process
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the API process runs threads and holds DuckDB and PostgreSQL connections
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def submit(self, job: Job) -> None:
        """Queue ``job``, or :class:`TooManyJobs` when its account already has ``per_account`` open jobs.
        Jobs finished more than a day ago are removed first (:meth:`JobStore.prune`)."""
        self.store.prune()
        with self._lock:
            if sum(1 for account in self._open.values() if account == job.account_id) >= self.per_account:
                raise TooManyJobs(
                    f"this account already has {self.per_account} export jobs queued or running; "
                    "wait for one to finish"
                )
            self._open[job.id] = job.account_id
            job.pid = os.getpid()
            self.store.save(job)
            future = self._executor().submit(run_job, str(self.store.directory), job.id)
        future.add_done_callback(lambda done: self._finished(job.id, done))

    def _finished(self, job_id: str, future: Future[None]) -> None:
        with self._lock:
            self._open.pop(job_id, None)
        if future.exception() is not None:  # the worker died (killed, out of memory): say so
            self._mark_failed(job_id, "the export worker stopped before finishing")

    def job(self, job_id: str) -> Job | None:
        """The job as stored; one left open by an API process that is gone is reported (and stored) failed."""
        job = self.store.load(job_id)
        if job is None or job.state not in UNFINISHED:
            return job
        with self._lock:
            ours = job_id in self._open
        if not ours and (job.pid == os.getpid() or not _alive(job.pid)):
            return self._mark_failed(job_id, "interrupted: the API stopped before the job finished")
        return job

    def _mark_failed(self, job_id: str, why: str) -> Job | None:
        job = self.store.load(job_id)
        if job is not None and job.state in UNFINISHED:
            job.state, job.error, job.finished_at = "failed", why, now_text()
            self.store.save(job)
        return job

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

"""``POST /api/v1/reports/export`` starts an export job; its state and a signed, expiring download link follow."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from exports.api import download_token
from exports.api.export_runner import ExportRunner, TooManyJobs
from exports.api.job_store import Job, new_id
from exports.api.models import ExportJobBody, ExportRequest
from exports.api.reports_route import account_of, report_error
from exports.export import MEDIA_TYPES, validate_filters
from exports.report_specs import REPORTS, ReportError
from operational.api.auth import CallerDep
from operational.api.errors import ApiError

router = APIRouter(tags=["reports"])
RETRY_AFTER_BUSY = 10  # seconds: a typical export finishes in a few


def runner(request: Request) -> ExportRunner:
    jobs: ExportRunner = request.app.state.export_jobs
    return jobs


def job_body(request: Request, job: Job) -> ExportJobBody:
    body = ExportJobBody.model_validate(
        {k: getattr(job, k) for k in ExportJobBody.model_fields if hasattr(job, k)}
    )
    if job.state == "done":
        seconds = request.app.state.download_seconds
        token, expires = download_token.make_token(job.id, job.account_id, seconds)
        url = request.url_for("download_export", job_id=job.id).include_query_params(token=token)
        body.download_url = str(url)
        body.download_expires_at = datetime.fromtimestamp(expires, UTC).isoformat()
    return body


def _not_found(job_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no export job {job_id!r}", [{"field": "id", "reason": "unknown job"}])


@router.post(
    "/api/v1/reports/export",
    status_code=202,
    summary="Start an export job (CSV, XLSX or PDF) of one of the eight contract reports",
    description="The job runs in a worker process; poll `GET /api/v1/reports/export/{id}`. An account may have "
    "2 jobs queued or running at once: a third is refused with 429 (Retry-After), not queued.",
    response_model=ExportJobBody,
    responses={
        404: {"description": "unknown report"},
        422: {"description": "a bad date, format or filter; `details[].field` names it"},
        429: {"description": "the account already has 2 open export jobs"},
    },
)
def start_export(request: Request, caller: CallerDep, wanted: ExportRequest) -> ExportJobBody:
    if wanted.report not in REPORTS:
        raise ApiError(404, "not_found", f"unknown report {wanted.report!r}; choose one of: "
                       f"{', '.join(sorted(REPORTS))}", [{"field": "report", "reason": "unknown report"}])  # fmt: skip
    if wanted.end < wanted.start:
        message = f"end ({wanted.end}) is before start ({wanted.start})"
        raise ApiError(422, "invalid", message, [{"field": "end", "reason": message}])
    try:
        filters = validate_filters(wanted.report, wanted.filters)
    except ReportError as err:
        raise report_error(err) from None
    slug, timezone = account_of(request, caller.account_id)
    job = Job(new_id(), caller.account_id, slug, timezone, wanted.report, wanted.format,
              wanted.start.isoformat(), wanted.end.isoformat(), filters)  # fmt: skip
    try:
        runner(request).submit(job)
    except TooManyJobs as err:
        raise ApiError(
            429, "rate_limited", str(err), headers={"Retry-After": str(RETRY_AFTER_BUSY)}
        ) from None
    return job_body(request, job)


@router.get(
    "/api/v1/reports/export/{job_id}",
    summary="An export job's state; when done, a signed download link that expires",
    response_model=ExportJobBody,
    responses={404: {"description": "no such job for this account"}},
)
def export_state(request: Request, caller: CallerDep, job_id: str) -> ExportJobBody:
    job = runner(request).job(job_id)
    if job is None or job.account_id != caller.account_id:
        raise _not_found(job_id)  # another account's job does not exist for this caller
    return job_body(request, job)


@router.get(
    "/api/v1/reports/export/{job_id}/download",
    name="download_export",
    summary="Download a finished export (the signed link from the job's state; no API key needed)",
    response_class=FileResponse,
    responses={
        200: {"content": {media: {} for media in MEDIA_TYPES.values()}, "description": "the file"},
        403: {"description": "the link is not valid (forged, altered or for another job)"},
        404: {"description": "no such finished job"},
        410: {"description": "the link has expired: read the job's state for a fresh one"},
    },
)
def download_export(
    request: Request,
    job_id: str,
    token: Annotated[str, Query(max_length=1000, description="from download_url")],
) -> Response:
    job = runner(request).job(job_id)
    if job is None or job.state != "done":
        raise _not_found(job_id)
    try:
        download_token.check_token(token, job.id, job.account_id)
    except download_token.Forged as err:
        raise ApiError(403, "forbidden", str(err)) from None
    except download_token.Expired as err:
        raise ApiError(410, "gone", str(err)) from None
    return FileResponse(runner(request).store.output(job.id), media_type=MEDIA_TYPES[job.format],
                        filename=job.file_name)  # fmt: skip

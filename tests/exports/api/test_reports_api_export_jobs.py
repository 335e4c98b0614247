"""Export jobs: 202 and a job id, the job runs in a worker process, a signed download link that expires.

Each finished file is what ``voxlink export`` writes for the same request; jobs are private to their account and
their files owner-only; an account has at most two open jobs.
"""

from __future__ import annotations

import io
import stat
import time
import zipfile
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from exports.api.download_token import make_token
from exports.export import export_file
from tests.operational.api.conftest import assert_error
from tests.transforms.metric_cases import END, EXPECTED, START

JOB = {"report": "abandon-rate", "format": "csv", "start": START, "end": END}


def finished(api: TestClient, auth: dict[str, str], job_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = api.get(f"/api/v1/reports/export/{job_id}", headers=auth).json()
        if body["state"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def download_path(body: dict[str, Any]) -> str:
    url = urlsplit(body["download_url"])
    return f"{url.path}?{url.query}"


def test_export_job_runs_and_its_link_downloads_the_exports_csv(
    api: TestClient, keys: dict[str, dict[str, str]], warehouse_built: dict[str, int]
) -> None:
    started = api.post("/api/v1/reports/export", json=JOB, headers=keys["metrics"])
    assert started.status_code == 202, started.text
    assert started.json()["state"] in ("queued", "running") and started.json()["download_url"] is None
    body = finished(api, keys["metrics"], started.json()["id"])
    assert (body["state"], body["rows"], body["error"]) == ("done", 2, None)
    download = api.get(download_path(body))  # the signed link needs no API key
    assert download.status_code == 200, download.text
    assert download.headers["content-disposition"].endswith(
        f'filename="abandon-rate_metrics_{START}_{END}.csv"'
    )
    out = io.BytesIO()
    export_file(warehouse_built["metrics"], "metrics", "America/New_York", "abandon-rate",
                date.fromisoformat(START), date.fromisoformat(END), "csv", out)  # fmt: skip
    assert download.content == out.getvalue() == EXPECTED["abandon-rate"].encode()


def test_excel_job_with_filters_writes_an_owner_only_xlsx(
    api: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    wanted = {**JOB, "report": "outgoing-calls", "format": "excel", "filters": {"agent": "dave"}}
    started = api.post("/api/v1/reports/export", json=wanted, headers=keys["metrics"]).json()
    body = finished(api, keys["metrics"], started["id"])
    assert (body["state"], body["format"], body["rows"], body["filters"]) == (
        "done",
        "xlsx",
        1,
        {"agent": "dave"},
    )
    download = api.get(download_path(body))
    assert zipfile.is_zipfile(io.BytesIO(download.content))
    store = api.app.state.export_jobs.store  # type: ignore[attr-defined]
    for path in (store.output(body["id"]), store.directory / f"{body['id']}.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700


def test_expired_and_forged_links_are_refused(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    body = finished(
        api,
        keys["metrics"],
        api.post("/api/v1/reports/export", json=JOB, headers=keys["metrics"]).json()["id"],
    )
    job_id = body["id"]
    token = parse_qs(urlsplit(body["download_url"]).query)["token"][0]
    account_id = api.app.state.export_jobs.job(job_id).account_id  # type: ignore[attr-defined]
    expired, _ = make_token(job_id, account_id, seconds=-1)
    assert_error(api.get(f"/api/v1/reports/export/{job_id}/download", params={"token": expired}), 410, "gone")
    altered = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    assert_error(
        api.get(f"/api/v1/reports/export/{job_id}/download", params={"token": altered}), 403, "forbidden"
    )
    other_account, _ = make_token(job_id, account_id + 1)
    assert_error(api.get(f"/api/v1/reports/export/{job_id}/download", params={"token": other_account}), 403)
    assert api.get(f"/api/v1/reports/export/{job_id}/download", params={"token": token}).status_code == 200


def test_another_account_sees_no_job_of_it(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    job_id = api.post("/api/v1/reports/export", json=JOB, headers=keys["metrics"]).json()["id"]
    assert_error(api.get(f"/api/v1/reports/export/{job_id}", headers=keys["tricky"]), 404, "not_found")
    finished(api, keys["metrics"], job_id)


def test_a_third_open_job_of_an_account_is_429(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    runner = api.app.state.export_jobs  # type: ignore[attr-defined]
    first = api.post("/api/v1/reports/export", json={**JOB, "format": "pdf"}, headers=keys["tricky"]).json()[
        "id"
    ]
    second = api.post("/api/v1/reports/export", json={**JOB, "format": "pdf"}, headers=keys["tricky"]).json()[
        "id"
    ]
    assert sum(1 for account in runner._open.values() if account == runner.job(first).account_id) == 2
    refused = api.post("/api/v1/reports/export", json=JOB, headers=keys["tricky"])
    assert_error(refused, 429, "rate_limited")
    assert refused.headers["Retry-After"] == "10"
    assert (
        api.post("/api/v1/reports/export", json=JOB, headers=keys["quiet"]).status_code == 202
    )  # others go on
    for job_id in (first, second):
        assert finished(api, keys["tricky"], job_id)["state"] == "done"
    assert api.post("/api/v1/reports/export", json=JOB, headers=keys["tricky"]).status_code == 202


def test_bad_export_requests_are_refused_naming_the_field(
    api: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    cases = [
        ({**JOB, "report": "nope"}, 404, "report"),
        ({**JOB, "report": "user-performance"}, 404, "report"),
        ({**JOB, "format": "docx"}, 422, "body.format"),
        ({**JOB, "end": "2026-10-01"}, 422, "end"),
        ({**JOB, "filters": {"campaign": "promo"}}, 422, "filters"),
    ]
    for wanted, status, field in cases:
        error = assert_error(api.post("/api/v1/reports/export", json=wanted, headers=keys["metrics"]), status)
        assert field in [d["field"] for d in error["details"]], (wanted, error)


def test_a_job_left_open_by_a_stopped_api_reads_as_failed(
    api: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    from exports.api.job_store import Job

    runner = api.app.state.export_jobs  # type: ignore[attr-defined]
    account_id = runner.job(
        api.post("/api/v1/reports/export", json=JOB, headers=keys["quiet"]).json()["id"]
    ).account_id
    orphan = Job("0" * 32, account_id, "quiet", "Europe/London", "call-status", "csv", START, END, state="running",
                 pid=2**22 + 12345)  # fmt: skip
    runner.store.save(orphan)
    body = api.get(f"/api/v1/reports/export/{orphan.id}", headers=keys["quiet"]).json()
    assert (body["state"], body["error"]) == (
        "failed",
        "interrupted: the API stopped before the job finished",
    )

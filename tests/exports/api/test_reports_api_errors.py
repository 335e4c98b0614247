"""The reports API's refusals, each in the documented error body and naming what is wrong."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.operational.api.conftest import assert_error
from tests.transforms.metric_cases import END, START

RANGE = {"start": START, "end": END}


def test_unknown_report_is_404_naming_the_reports(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    error = assert_error(
        api.get("/api/v1/reports/nope", params=RANGE, headers=keys["metrics"]), 404, "not_found"
    )
    assert "nope" in error["message"] and "user-performance" in error["message"]
    # "export" is a path of the export jobs, never a report
    assert_error(api.get("/api/v1/reports/export", params=RANGE, headers=keys["metrics"]), 404, "not_found")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-13-01", "end": END}, "query.start"),
        ({"start": START}, "query.end"),
        ({"start": "2026-11-02", "end": "2026-11-01"}, "end"),
        ({**RANGE, "limit": "0"}, "query.limit"),
        ({**RANGE, "cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_dates_paging_and_cursors_are_422_naming_the_field(
    api: TestClient, keys: dict[str, dict[str, str]], params: dict[str, str], field: str
) -> None:
    error = assert_error(api.get("/api/v1/reports/call-status", params=params, headers=keys["metrics"]), 422)
    assert field in [d["field"] for d in error["details"]]


def test_a_filter_the_report_lacks_is_422_naming_it(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    response = api.get(
        "/api/v1/reports/call-status", params={**RANGE, "queue": "q1"}, headers=keys["metrics"]
    )
    error = assert_error(response, 422, "invalid")
    assert error["details"][0]["field"] == "queue" and "call-status" in error["message"]


def test_a_cursor_of_another_request_is_refused(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    first = api.get(
        "/api/v1/reports/call-status", params={**RANGE, "limit": 2}, headers=keys["metrics"]
    ).json()
    other = api.get("/api/v1/reports/dispositions", params={**RANGE, "limit": 2, "cursor": first["next_cursor"]},
                    headers=keys["metrics"])  # fmt: skip
    assert assert_error(other, 422)["details"][0]["field"] == "cursor"


def test_reports_need_an_api_key(api: TestClient, warehouse_built: dict[str, int]) -> None:
    assert_error(api.get("/api/v1/reports/call-status", params=RANGE), 401, "unauthorized")


def test_every_reports_route_is_documented_in_the_openapi_schema(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    ours = {
        path: item
        for path, item in paths.items()
        if path.startswith("/api/v1/reports/") and "configs" not in path
    }
    assert set(ours) == {"/api/v1/reports/{report}", "/api/v1/reports/export", "/api/v1/reports/export/{job_id}",
                         "/api/v1/reports/export/{job_id}/download"}  # fmt: skip
    for path, item in ours.items():
        for method, operation in item.items():
            assert operation["summary"], (method, path)
            assert {"4XX", "5XX"} <= set(operation["responses"]), (method, path)
    report = paths["/api/v1/reports/{report}"]["get"]["responses"]["200"]["content"]
    assert set(report) == {"application/json", "text/csv"}

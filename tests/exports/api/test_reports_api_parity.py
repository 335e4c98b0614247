"""``GET /api/v1/reports/{report}`` serves what ``voxlink export`` writes: CSV byte for byte, JSON value for value.

The warehouse is the hand-computed one of ``tests/transforms/metric_cases.py`` (its exports are written out there);
filtered CSVs are compared with the export layer's filtered rendering (the e-mails' path) and with hand-picked rows.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from exports.export import build_report, export_file
from exports.report_specs import REPORTS
from tests.transforms.metric_cases import END, EXPECTED, START

RANGE = {"start": START, "end": END}
CSV = {"Accept": "text/csv"}
# (report, filters): every filter the contract reports can take, alone and together
FILTER_SETS = [
    ("abandon-rate", {"queue": "q1"}),
    ("abandon-rate", {"queue": "q2"}),
    ("outgoing-calls", {"campaign": "promo"}),
    ("outgoing-calls", {"agent": "dave"}),
    ("outgoing-calls", {"campaign": "promo", "agent": "dave"}),
    ("outgoing-calls", {"campaign": ""}),
    ("user-status", {"agent": "frank"}),
    ("leaderboard", {"agent": "alice"}),
    ("dialer-compliance", {"campaign": "promo"}),
    ("dialer-compliance", {"campaign": "nobody"}),
]


def export_csv(account_id: int, report: str, start: str = START, end: str = END) -> bytes:
    out = io.BytesIO()
    export_file(account_id, "metrics", "America/New_York", report, date.fromisoformat(start),
                date.fromisoformat(end), "csv", out)  # fmt: skip
    return out.getvalue()


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_api_csv_is_the_exports_csv_byte_for_byte(
    api: TestClient, keys: dict[str, dict[str, str]], warehouse_built: dict[str, int], report: str
) -> None:
    response = api.get(f"/api/v1/reports/{report}", params=RANGE, headers={**keys["metrics"], **CSV})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content == export_csv(warehouse_built["metrics"], report)
    assert response.content.decode() == EXPECTED[report]  # and both are the hand-computed export


@pytest.mark.parametrize(("report", "filters"), FILTER_SETS)
def test_filtered_api_csv_is_the_filtered_export(
    api: TestClient, keys: dict[str, dict[str, str]], warehouse_built: dict[str, int], report: str,
    filters: dict[str, str],
) -> None:  # fmt: skip
    response = api.get(f"/api/v1/reports/{report}", params={**RANGE, **filters},
                       headers={**keys["metrics"], **CSV})  # fmt: skip
    assert response.status_code == 200, response.text
    rendered = build_report(warehouse_built["metrics"], "metrics", "America/New_York", report,
                            date.fromisoformat(START), date.fromisoformat(END), "csv", filters)  # fmt: skip
    assert response.content == rendered.content


def test_filters_keep_only_the_matching_rows(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    response = api.get("/api/v1/reports/outgoing-calls", params={**RANGE, "campaign": "promo", "agent": "dave"},
                       headers={**keys["metrics"], **CSV})  # fmt: skip
    assert response.text == (
        "date,campaign,agent,attempts,human_answered,machine_answered,no_answer,busy,failed,connect_rate,talk_seconds\n"
        "2026-11-02,promo,dave,2,2,0,0,0,0,1.0000,90.0\n"
    )
    queue = api.get("/api/v1/reports/abandon-rate", params={**RANGE, "queue": "q2"}, headers=keys["metrics"])
    assert [(r["date"], r["offered"], r["asa_seconds"]) for r in queue.json()["rows"]] == [
        ("2026-11-01", 1, 5.0)
    ]


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_api_json_is_the_exports_csv_value_for_value(
    api: TestClient, keys: dict[str, dict[str, str]], report: str
) -> None:
    response = api.get(f"/api/v1/reports/{report}", params=RANGE, headers=keys["metrics"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["report"], body["account"], body["start"], body["end"]) == (report, "metrics", START, END)
    assert body["data_as_of"] and body["next_cursor"] is None
    assert [c["name"] for c in body["columns"]] == list(REPORTS[report].columns)
    assert all(c["description"] for c in body["columns"])
    expected = list(csv.DictReader(io.StringIO(EXPECTED[report])))
    assert len(body["rows"]) == len(expected)
    for row, written in zip(body["rows"], expected, strict=True):
        assert list(row) == list(written)
        assert all(_same(row[name], text) for name, text in written.items()), (row, written)


def _same(value: object, text: str) -> bool:
    """A JSON value is the export's CSV cell: null is empty, a number equals the decimal written, text is text."""
    if value is None:
        return text == ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value)) == Decimal(text)
    return value == text


def test_json_columns_have_types_and_catalogue_descriptions(
    api: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    body = api.get("/api/v1/reports/abandon-rate", params=RANGE, headers=keys["metrics"]).json()
    types = {c["name"]: c["type"] for c in body["columns"]}
    assert types == {"date": "date", "queue": "string", "offered": "integer", "answered": "integer",
                     "abandoned": "integer", "short_abandoned": "integer", "abandon_rate": "number",
                     "answered_within_sl": "integer", "service_level": "number", "asa_seconds": "number"}  # fmt: skip
    described = {c["name"]: c["description"] for c in body["columns"]}
    assert described["abandon_rate"].startswith("(abandoned − short abandoned) / (offered − short abandoned)")
    assert body["rows"][1] == {"date": "2026-11-02", "queue": "q1", "offered": 7, "answered": 4, "abandoned": 2,
                               "short_abandoned": 1, "abandon_rate": 0.1667, "answered_within_sl": 3,
                               "service_level": 0.6, "asa_seconds": 13.4}  # fmt: skip


def test_user_performance_joins_the_leaderboard_and_status_time(
    api: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    # frank handled nothing; his status time over Nov 1-2: available 10800 + 3600, busy 1800, acw 1800,
    # break 75600 → logged in 93600, occupancy (1800 + 1800) / (14400 + 1800 + 1800) = 0.2
    response = api.get("/api/v1/reports/user-performance", params=RANGE, headers={**keys["metrics"], **CSV})
    assert response.text == (
        "rank,agent,handled,talk_seconds,aht_seconds,conversions,conversion_rate,available_seconds,busy_seconds,"
        "after_call_work_seconds,break_seconds,logged_in_seconds,occupancy\n"
        "1,alice,2,360.0,185.0,2,1.0000,,,,,,\n"
        "1,dave,2,90.0,50.0,1,0.5000,,,,,,\n"
        "3,bob,1,100.0,120.0,0,0.0000,,,,,,\n"
        "3,erin,1,120.0,120.0,0,0.0000,,,,,,\n"
        ",frank,0,,,0,,14400.0,1800.0,1800.0,75600.0,93600.0,0.2000\n"
    )
    frank = api.get(
        "/api/v1/reports/user-performance", params={**RANGE, "agent": "frank"}, headers=keys["metrics"]
    )
    assert [r["logged_in_seconds"] for r in frank.json()["rows"]] == [93600.0]


def test_another_accounts_key_reads_nothing_of_it(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    for report in [*sorted(REPORTS), "user-performance"]:
        quiet = api.get(f"/api/v1/reports/{report}", params=RANGE, headers=keys["quiet"])
        assert quiet.status_code == 200 and quiet.json()["rows"] == [], report
        assert quiet.json()["account"] == "quiet"
    # "tricky" has only its four formula-named agents' calls (one each, all in q1 on Nov 2)
    tricky = api.get("/api/v1/reports/abandon-rate", params=RANGE, headers=keys["tricky"]).json()["rows"]
    assert [(r["queue"], r["offered"], r["answered"]) for r in tricky] == [("q1", 4, 4)]


def test_pages_follow_the_cursor_to_the_same_rows(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    whole = api.get("/api/v1/reports/call-status", params=RANGE, headers=keys["metrics"]).json()["rows"]
    assert len(whole) == 9
    rows, cursor, pages = [], None, 0
    while True:
        params = {**RANGE, "limit": 4, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v1/reports/call-status", params=params, headers=keys["metrics"]).json()
        rows += body["rows"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert (pages, rows) == (3, whole)


def test_csv_pages_carry_the_next_cursor_in_a_header(
    api: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    first = api.get(
        "/api/v1/reports/call-status", params={**RANGE, "limit": 8}, headers={**keys["metrics"], **CSV}
    )
    assert first.text.count("\n") == 1 + 8
    second = api.get("/api/v1/reports/call-status", params={**RANGE, "limit": 8, "cursor": first.headers["X-Next-Cursor"]},
                     headers={**keys["metrics"], **CSV})  # fmt: skip
    assert second.text == "date,direction,status,calls\n2026-11-02,outbound,no_answer,1\n"
    assert "X-Next-Cursor" not in second.headers

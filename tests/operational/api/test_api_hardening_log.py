"""The access log: one line per request, values escaped, so a client cannot forge a line."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from operational.api import create_app
from tests.operational.api.conftest import Tenant, assert_error

LINE = re.compile(
    r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|ERROR) voxlink\.api request_id="(?P<rid>[0-9a-f]{32}|[\w.:-]+)" '
    r'method="(?P<method>[A-Z]+)" path=(?P<path>"(?:[^"\\]|\\.)*") status=(?P<status>\d{3}) '
)


@pytest.fixture()
def log_lines(client: TestClient) -> Iterator[io.StringIO]:
    """What the API logs, formatted as the product formats it on stderr."""
    logger = logging.getLogger("voxlink.api")
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(logger.handlers[0].formatter)
    logger.addHandler(handler)
    yield sink
    logger.removeHandler(handler)


def test_a_path_with_newlines_and_odd_header_bytes_logs_one_escaped_line(
    client: TestClient, log_lines: io.StringIO, tenant_a: Tenant
) -> None:
    forged = "2026-11-27 21:34:38,250 INFO voxlink.api request_id=FORGED POST /api/v1/events 200"
    path = "/x%0a" + forged.replace(" ", "%20") + "%0d%0aagain%00%e2%80%a8"
    headers = {"X-Request-ID": "probe-1", "User-Agent": b"evil\xff\xfe\x1b[31m\x7f\xe2\x80\xa8"}
    response = client.get(path, headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 404
    client.post("/api/v1/events", json=[], headers=tenant_a.auth | {"X-Request-ID": "probe-2"})

    text = log_lines.getvalue()
    lines = text.splitlines()
    assert len(lines) == 2 and text.count("\n") == 2  # no stray CR, LS or NEL splits a line either
    first, second = (LINE.match(line) for line in lines)
    assert first is not None and second is not None
    assert (first["rid"], first["method"], first["status"]) == ("probe-1", "GET", "404")
    assert json.loads(first["path"]) == "/x\n" + forged + "\r\nagain\x00\u2028"
    assert "FORGED" not in lines[1] and (second["rid"], second["status"]) == ("probe-2", "200")
    assert all(ch.isascii() and (ch.isprintable()) for ch in text.replace("\n", ""))
    assert 'error="not_found"' in lines[0]


def test_an_unhandled_error_is_the_documented_500_and_one_line_with_the_escaped_traceback(
    engine: sa.Engine, log_lines: io.StringIO
) -> None:
    app = create_app(engine)

    def broken() -> None:
        raise RuntimeError("a bug\n2026-11-27 21:34:38,250 INFO voxlink.api request_id=FORGED")

    app.add_api_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as own:
        response = own.get("/broken", headers={"X-Request-ID": "probe-3"})
    assert_error(response, 500, "internal_error")
    lines = log_lines.getvalue().splitlines()
    assert len(lines) == 1
    match = LINE.match(lines[0])
    assert match is not None and (match["rid"], match["status"]) == ("probe-3", "500")
    assert (
        lines[0].startswith(lines[0][:23] + " ERROR")
        and "Traceback" in lines[0]
        and "RuntimeError" in lines[0]
    )

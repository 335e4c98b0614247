"""Issue 13: a fixed-seed property-based run over every route of the OpenAPI schema, in-process over ASGI,
against the module's real PostgreSQL.

Properties: no response is a 5xx; every 4xx has the documented error body; in an events batch every valid
event is stored whatever its neighbours are, and each invalid one is rejected naming its field; a Twilio
callback with a wrong signature is 403 and one with a right signature but any fields is never a 5xx; another
account's id is 404. Each route gets ≥ ``CASES`` cases, counted and printed as a table at the end of the module.

Sized to fit CI: ``make test`` asks 300 cases per route (the same fixed seed, so every run sends the same cases).
The full form, 1,000 per route (6–8 minutes on the 2-core machine), is
``VOXLINK_FUZZ_CASES=1000 .venv/bin/python -m pytest tests/operational/api/test_api_fuzz.py`` or ``make heavy-tests``.
Every failure a run has found is pinned in ``test_api_fuzz_regressions.py``, which CI always runs.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from operational.accounts import create_account, set_twilio_auth_token
from operational.api import create_app
from operational.keys import create_api_key
from operational.users import create_user
from tests.operational.api.fuzz_strategies import Planned, mixed_batch, twilio_form
from voxlink.settings import get_settings

CASES = int(os.environ.get("VOXLINK_FUZZ_CASES", "300"))
SEED = 13
TOKEN = "fuzz-twilio-token-0123456789abcdef"
SLUG, OTHER = "fuzzed", "fuzzed-other"
BASE = "http://testserver"
ERROR_KEYS = {"code", "message", "details", "timestamp", "requestId"}

# The schema is read at import, before fixtures exist, from an app whose engine is put in place by `key`.
# The run sends thousands of wrong signatures on purpose: the per-source failed-authentication throttle (read
# from the settings when the app is built) is raised for this app only, or the rest of the run would be 429s.
with pytest.MonkeyPatch.context() as env:
    env.setenv("VOXLINK_AUTH_FAILURE_LIMIT", "1000000000")
    get_settings.cache_clear()
    APP = create_app(sa.create_engine("postgresql+psycopg://postgres@/unset?host=/nonexistent"))
get_settings.cache_clear()
_config = schemathesis.Config()
_config.projects.default.seed = SEED
_config.projects.default.generation.update(max_examples=CASES, deterministic=True, database="none")
# The event stream answers a valid request with a response that never ends (its refusals, filters and resume
# are tests/operational/api/test_stream.py's): a request/response fuzzer would wait on it for ever
STREAMED = r"^/api/v1/stream"
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=_config).exclude(path_regex=STREAMED)
ROUTES = sorted(
    f"{method.upper()} {path}"
    for path, item in APP.openapi()["paths"].items()
    for method in item
    if not re.match(STREAMED, path)
)
RUN: Counter[str] = Counter()  # cases sent, by route
STARTED = time.perf_counter()
SECONDS: Counter[str] = Counter()
PROPERTY = settings(
    max_examples=CASES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def assert_documented(response: Any, what: str) -> None:
    """Never a 5xx; a 4xx carries the documented error body with the request id of its header."""
    assert response.status_code < 500, (what, response.status_code, response.text[:500])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS, (what, body)
        echoed = response.headers["x-request-id"]  # schemathesis: lower-case names, lists of values
        assert body["error"]["requestId"] == (echoed[0] if isinstance(echoed, list) else echoed), what
        assert isinstance(body["error"]["details"], list) and body["error"]["message"], (what, body)


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def key(engine: sa.Engine) -> str:
    """The fuzzed account's key (no practical rate limit), its Twilio token set."""
    APP.state.engine = engine
    account = create_account(engine, SLUG, "America/New_York")
    set_twilio_auth_token(engine, SLUG, TOKEN)
    return create_api_key(engine, account.id, rate_limit_per_minute=2_000_000_000).secret


@pytest.fixture(scope="module")
def client(key: str) -> Iterator[TestClient]:
    with TestClient(APP, raise_server_exceptions=False) as test_client:
        yield test_client


def timed_call(route: str, send: Any) -> Any:
    started = time.perf_counter()
    response = send()
    SECONDS[route] += time.perf_counter() - started
    RUN[route] += 1
    return response


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_no_route_answers_5xx_and_every_4xx_has_the_error_body(case: schemathesis.Case, key: str) -> None:
    if case.path.startswith("/webhooks/") and isinstance(case.path_parameters, dict):
        case.path_parameters["account"] = SLUG  # the signature check runs: random signatures must be 403
    route = f"{case.method.upper()} {case.path}"
    response = timed_call(route, lambda: case.call(headers=auth(key)))
    assert_documented(response, case.as_curl_command())
    if case.path.startswith("/webhooks/") and case.method == "POST" and response.status_code != 200:
        assert response.status_code in (403, 422), response.text  # a random signature is never a match


HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80)


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_routes_without_inputs_survive_any_request_id_and_key_header(client: TestClient, path: str) -> None:
    """These two have no parameters, so schemathesis's space is a handful of cases: fuzz the headers every
    request passes through instead (the request id the middleware echoes, a malformed key)."""

    @PROPERTY
    @seed(SEED)
    @given(request_id=HEADER_TEXT, authorization=HEADER_TEXT, query=HEADER_TEXT)
    def run(request_id: str, authorization: str, query: str) -> None:
        headers = {"X-Request-ID": request_id, "Authorization": authorization}
        response = timed_call(f"GET {path}", lambda: client.get(path, params={"q": query}, headers=headers))
        assert response.status_code == 200, response.text
        echoed = response.headers["X-Request-ID"]
        assert echoed == request_id or (len(echoed) == 32 and echoed != request_id)

    run()


def test_no_valid_event_is_dropped_because_a_neighbour_is_invalid(
    client: TestClient, engine: sa.Engine, key: str
) -> None:
    @PROPERTY
    @seed(SEED)
    @given(batch=mixed_batch())
    def run(batch: list[Planned]) -> None:
        body = [planned.event for planned in batch]
        response = timed_call("POST /api/v1/events", lambda: client.post("/api/v1/events", json=body,
                                                                       headers=auth(key)))  # fmt: skip
        assert response.status_code == 200, (response.status_code, response.text[:500], body)
        results = response.json()["results"]
        for planned, result in zip(batch, results, strict=True):
            if planned.field is None:
                assert result["status"] == "stored", (result, planned.event)
            elif planned.either and result["status"] == "stored":
                continue
            else:
                assert (result["status"], result["field"]) == ("rejected", planned.field), (
                    result,
                    planned.event,
                )
        valid = [p.event["event_id"] for p in batch if p.field is None]
        with engine.connect() as conn:
            kept = conn.execute(
                sa.text("select count(*) from events where event_id = any(:ids)"), {"ids": valid}
            ).scalar_one()
        assert kept == len(valid)

    run()


@pytest.mark.parametrize("kind", ["voice", "messages"])
def test_signed_twilio_callback_with_any_fields_is_never_5xx(
    client: TestClient, engine: sa.Engine, key: str, kind: str
) -> None:
    url = f"{BASE}/webhooks/twilio/{SLUG}/{kind}"
    validator = RequestValidator(TOKEN)

    @PROPERTY
    @seed(SEED)
    @given(form=twilio_form(kind), tamper=st.booleans())
    def run(form: dict[str, str], tamper: bool) -> None:
        signature = validator.compute_signature(url, form)
        if tamper:
            signature = signature[::-1] if signature[::-1] != signature else "x" + signature
        route = f"POST /webhooks/twilio/{{account}}/{kind}"
        response = timed_call(route, lambda: client.post(url, data=form,
                                                         headers={"X-Twilio-Signature": signature}))  # fmt: skip
        assert_documented(response, f"{kind} {form!r}")
        if tamper:
            assert (response.status_code, response.json()["error"]["code"]) == (403, "invalid_signature")
        else:
            assert response.status_code in (200, 422), (response.status_code, response.text[:300], form)

    run()


@pytest.fixture(scope="module")
def others(engine: sa.Engine, client: TestClient) -> dict[str, int]:
    """Another account's campaign and speed-dial entry."""
    account = create_account(engine, OTHER, "Europe/London")
    other_key = create_api_key(engine, account.id).secret
    campaign = client.post("/api/v1/dialer/campaigns", json={"name": "theirs", "caller_id": "+12125550123"},
                           headers=auth(other_key)).json()["id"]  # fmt: skip
    create_user(engine, account.id, "bea", "agent", "bea's long password")
    entry = client.post("/api/v1/dialer/speed-dial", json={"user": "bea", "label": "x", "phone": "+12125550903"},
                        headers=auth(other_key)).json()["id"]  # fmt: skip
    return {"campaign": campaign, "entry": entry}


CROSS_ACCOUNT = [
    ("GET", "/api/v1/dialer/campaigns/{campaign}", None),
    ("PATCH", "/api/v1/dialer/campaigns/{campaign}", {"json": {"retry_minutes": 5}}),
    ("DELETE", "/api/v1/dialer/campaigns/{campaign}", None),
    ("POST", "/api/v1/dialer/campaigns/{campaign}/contacts",
     {"content": b"phone\n+12125550904\n", "headers": {"Content-Type": "text/csv"}}),
    ("GET", "/api/v1/dialer/campaigns/{campaign}/decisions", None),
    ("POST", "/api/v1/dialer/campaigns/{campaign}/power/start", None),
    ("POST", "/api/v1/dialer/campaigns/{campaign}/power/stop", None),
    ("POST", "/api/v1/dialer/campaigns/{campaign}/parallel/start", None),
    ("POST", "/api/v1/dialer/campaigns/{campaign}/parallel/stop", None),
    ("POST", "/api/v1/dialer/speed-dial/{entry}/dial", {"json": {"caller_id": "+12125550123"}}),
]  # fmt: skip


@pytest.mark.parametrize(("method", "template", "extra"), CROSS_ACCOUNT)
def test_another_accounts_id_is_404(
    client: TestClient,
    key: str,
    others: dict[str, int],
    method: str,
    template: str,
    extra: dict[str, Any] | None,
) -> None:
    kwargs = dict(extra or {})
    headers = auth(key) | kwargs.pop("headers", {})
    response = client.request(method, template.format(**others), headers=headers, **kwargs)
    assert_documented(response, f"{method} {template}")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


def test_every_route_ran_at_least_the_asked_cases(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last: each route of the schema got its cases (a route left short means its space ran dry).
    Prints cases and seconds spent in requests per route (pytest -s not needed)."""
    lines = [f"API fuzz run (seed {SEED}, {CASES:,} cases per route asked), by route:"]
    lines += [
        f"  {route:<58} {RUN[route]:>6,} cases  {SECONDS[route]:>6.1f} s in requests" for route in ROUTES
    ]
    lines.append(f"  {'total':<58} {sum(RUN.values()):>6,} cases  {time.perf_counter() - STARTED:>6.1f} s")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    short = {route: RUN[route] for route in ROUTES if RUN[route] < CASES}
    assert not short, f"routes with fewer than {CASES:,} cases: {short}"

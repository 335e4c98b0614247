"""schemathesis drives every operation of our OpenAPI schema with generated requests: no 5xx, ever."""

from __future__ import annotations

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from operational.accounts import set_twilio_auth_token
from operational.api import create_app
from tests.operational.api.conftest import UNTHROTTLED, Tenant, make_tenant

# The schema is read at import (before fixtures exist) from an app whose engine has not connected yet;
# the module's real database is put in place by the fixture below.
APP = create_app(sa.create_engine("postgresql+psycopg://postgres@/unset?host=/nonexistent"), edge=UNTHROTTLED)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def fuzzed(engine: sa.Engine) -> Tenant:
    APP.state.engine = engine
    tenant = make_tenant(engine, "fuzzed")
    set_twilio_auth_token(engine, tenant.slug, "fuzz-token")
    return tenant


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx(case: schemathesis.Case, fuzzed: Tenant) -> None:
    if case.path.startswith("/webhooks/"):
        case.path_parameters = {"account": fuzzed.slug}
    response = case.call(headers=fuzzed.auth)
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"code", "message", "details", "timestamp", "requestId"}

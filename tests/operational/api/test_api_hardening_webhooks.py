"""Webhook hardening: odd signature headers, year-1 timestamps, the signed URL's origin, tokens encrypted at rest."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from ipaddress import ip_network

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from operational.accounts import set_twilio_auth_token
from operational.api import create_app
from operational.api.edge import EdgeConfig
from operational.secrets_at_rest import SecretUnreadable, seal, unseal
from tests.operational.api.conftest import Tenant, assert_error, make_tenant
from voxlink.settings import Settings, get_settings

TOKEN = "abcdef0123456789abcdef0123456789"
CUSTOMER, LINE = "+14155552671", "+12125550123"
PUBLIC = "https://voxlink.example.com"


@pytest.fixture(scope="module")
def hooked(engine: sa.Engine) -> Tenant:
    tenant = make_tenant(engine, "hooked")
    set_twilio_auth_token(engine, tenant.slug, TOKEN)
    return tenant


def params(sid: str, **extra: str) -> dict[str, str]:
    return {
        "CallSid": sid,
        "CallStatus": "initiated",
        "Direction": "inbound",
        "From": CUSTOMER,
        "To": LINE,
    } | extra


def signed(url: str, values: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, values)}


def stored_token(engine: sa.Engine, slug: str) -> str:
    with engine.connect() as conn:
        value = conn.scalar(sa.text("select twilio_auth_token from accounts where slug = :s"), {"s": slug})
    assert isinstance(value, str)
    return value


@pytest.mark.parametrize(
    "header",
    ["é".encode("latin-1"), "签名".encode(), b"\xff\xfe\x00\x01", "zzzé=".encode(), b"A" * 20_000],
)
def test_any_signature_header_bytes_are_403_in_the_error_body(
    client: TestClient, hooked: Tenant, header: bytes
) -> None:
    url = f"http://testserver/webhooks/twilio/{hooked.slug}/voice"
    response = client.post(url, data=params("CA" + "1" * 32), headers={"X-Twilio-Signature": header})  # type: ignore[dict-item]
    assert_error(response, 403, "invalid_signature")


@pytest.mark.parametrize(
    "header", ["é".encode("latin-1"), "ключ".encode(), b"Bearer \xff\x00", b"Bearer vxk_\xe9_x"]
)
def test_any_authorization_header_bytes_are_401(client: TestClient, header: bytes) -> None:
    response = client.post("/api/v1/events", json=[], headers={"Authorization": header})  # type: ignore[dict-item]
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(
    "stamp", ["0001-01-01T00:30:00+01:00", "Fri, 31 Dec 9999 23:30:00 -0100", "9999-12-31T23:30:00-01:00"]
)
def test_a_timestamp_at_the_edge_of_the_calendar_is_422_naming_timestamp(
    client: TestClient, hooked: Tenant, stamp: str
) -> None:
    url = f"http://testserver/webhooks/twilio/{hooked.slug}/voice"
    values = params("CA" + "2" * 32, Timestamp=stamp)
    error = assert_error(client.post(url, data=values, headers=signed(url, values)), 422, "invalid")
    assert [d["field"] for d in error["details"]] == ["Timestamp"]


@pytest.fixture(scope="module")
def public(engine: sa.Engine) -> Iterator[TestClient]:
    with TestClient(
        create_app(engine, edge=EdgeConfig(public_url=PUBLIC)), raise_server_exceptions=False
    ) as c:
        yield c


def test_with_a_public_url_a_signature_for_a_forged_host_is_refused(
    public: TestClient, hooked: Tenant
) -> None:
    path = f"/webhooks/twilio/{hooked.slug}/voice"
    values = params("CA" + "3" * 32)
    forged = public.post(
        f"http://evil.example{path}", data=values, headers=signed(f"http://evil.example{path}", values)
    )
    assert_error(forged, 403, "invalid_signature")
    # the URL Twilio was configured with is checked, whatever Host the request carries
    genuine = public.post(
        f"http://evil.example{path}", data=values, headers=signed(f"{PUBLIC}{path}", values)
    )
    assert genuine.status_code == 200, genuine.text


def test_forwarded_proto_from_an_untrusted_client_is_ignored(client: TestClient, hooked: Tenant) -> None:
    path = f"/webhooks/twilio/{hooked.slug}/voice"
    values = params("CA" + "4" * 32)
    claimed = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "voxlink.example.com"}
    refused = client.post(
        path, data=values, headers=claimed | signed(f"https://voxlink.example.com{path}", values)
    )
    assert_error(refused, 403, "invalid_signature")
    accepted = client.post(path, data=values, headers=claimed | signed(f"http://testserver{path}", values))
    assert accepted.status_code == 200, accepted.text


def test_forwarded_proto_and_host_from_a_trusted_proxy_are_honoured(
    engine: sa.Engine, hooked: Tenant
) -> None:
    edge = EdgeConfig(trusted_proxies=(ip_network("127.0.0.2/32"),))
    path = f"/webhooks/twilio/{hooked.slug}/voice"
    values = params("CA" + "5" * 32)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "voxlink.example.com"}
    with TestClient(create_app(engine, edge=edge), client=("127.0.0.2", 4000)) as proxy:
        response = proxy.post(
            path, data=values, headers=forwarded | signed(f"https://voxlink.example.com{path}", values)
        )
        assert response.status_code == 200, response.text
        stale = proxy.post(path, data=values, headers=forwarded | signed(f"http://testserver{path}", values))
        assert_error(stale, 403, "invalid_signature")


def test_the_stored_token_is_encrypted_and_still_checks_signatures(
    client: TestClient, engine: sa.Engine, hooked: Tenant
) -> None:
    stored = stored_token(engine, hooked.slug)
    assert TOKEN not in stored and stored.startswith("fernet:")
    key_file = get_settings().secret_key_file
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    url = f"http://testserver/webhooks/twilio/{hooked.slug}/voice"
    values = params("CA" + "6" * 32)
    assert client.post(url, data=values, headers=signed(url, values)).status_code == 200


def test_a_legacy_plaintext_token_still_works_and_is_encrypted_on_first_use(
    client: TestClient, engine: sa.Engine
) -> None:
    legacy = make_tenant(engine, "legacy-token")
    with engine.begin() as conn:
        conn.execute(
            sa.text("update accounts set twilio_auth_token = :t where slug = :s"),
            {"t": TOKEN, "s": legacy.slug},
        )
    url = f"http://testserver/webhooks/twilio/{legacy.slug}/voice"
    values = params("CA" + "7" * 32)
    assert client.post(url, data=values, headers=signed(url, values)).status_code == 200
    stored = stored_token(engine, legacy.slug)
    assert TOKEN not in stored and unseal(stored) == TOKEN
    again = params("CA" + "8" * 32)
    assert client.post(url, data=again, headers=signed(url, again)).status_code == 200


def test_a_token_sealed_under_another_key_does_not_open() -> None:
    mine, theirs = Settings(secret_key="k" * 40), Settings(secret_key="q" * 40)
    sealed = seal(TOKEN, mine)
    assert unseal(sealed, mine) == TOKEN
    with pytest.raises(SecretUnreadable):
        unseal(sealed, theirs)


def test_a_token_the_current_key_cannot_read_is_503_naming_the_fix_and_nothing_is_stored(
    client: TestClient, engine: sa.Engine
) -> None:
    """The secret key was lost or replaced: the callback cannot be verified, which is the server's state, not
    Twilio's fault: 503 in the error body (Twilio retries), the stored token is left as it was."""
    orphan = make_tenant(engine, "orphaned-token")
    foreign = seal(TOKEN, Settings(secret_key="another-key-" * 4))
    with engine.begin() as conn:
        conn.execute(
            sa.text("update accounts set twilio_auth_token = :t where slug = :s"),
            {"t": foreign, "s": orphan.slug},
        )
    url = f"http://testserver/webhooks/twilio/{orphan.slug}/voice"
    values = params("CA" + "9" * 32)
    response = client.post(url, data=values, headers=signed(url, values))
    assert_error(response, 503, "secret_unreadable")
    assert "voxlink webhooks twilio-token" in response.json()["error"]["message"]
    assert stored_token(engine, orphan.slug) == foreign
    with engine.connect() as conn:
        calls = conn.scalar(sa.text("select count(*) from events where call_id = :s"), {"s": "CA" + "9" * 32})
    assert calls == 0

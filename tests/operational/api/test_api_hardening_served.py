"""`voxlink api` as served (uvicorn on loopback): a client's X-Forwarded-Proto does not change the signed URL.

uvicorn believes X-Forwarded-* from loopback by default, so an in-process test client cannot show this.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from operational.accounts import set_twilio_auth_token
from tests.operational.api.conftest import make_tenant

TOKEN = "0123456789abcdef0123456789abcdef"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(db_url: str) -> Iterator[str]:
    port = free_port()
    voxlink = Path(sys.executable).with_name("voxlink")
    process = subprocess.Popen(
        [str(voxlink), "api", "--port", str(port), "--workers", "1"],
        env=os.environ | {"VOXLINK_DATABASE_URL": db_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("voxlink api did not answer within 60 s")
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the session it started, and only that
            process.wait()


def test_a_loopback_clients_forwarded_proto_is_ignored_by_the_served_api(
    served: str, engine: sa.Engine
) -> None:
    tenant = make_tenant(engine, "served")
    set_twilio_auth_token(engine, tenant.slug, TOKEN)
    path = f"/webhooks/twilio/{tenant.slug}/voice"
    form = {"CallSid": "CA1", "CallStatus": "initiated", "From": "+14155552671", "To": "+12125550123"}
    forged = {"X-Forwarded-Proto": "https"}  # uvicorn's own proxy handling would take this (never the host)
    claimed = RequestValidator(TOKEN).compute_signature(served.replace("http://", "https://") + path, form)
    refused = httpx.post(f"{served}{path}", data=form, headers=forged | {"X-Twilio-Signature": claimed})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "invalid_signature"
    genuine = RequestValidator(TOKEN).compute_signature(f"{served}{path}", form)
    accepted = httpx.post(f"{served}{path}", data=form, headers=forged | {"X-Twilio-Signature": genuine})
    assert accepted.status_code == 200, accepted.text

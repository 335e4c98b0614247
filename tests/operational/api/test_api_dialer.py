"""Dialer campaigns over HTTP and the engine on hand-built contact lists: every decision is recorded."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from operational.dialer.carrier import SimulatedCarrier
from operational.dialer.engine import tick
from operational.users import create_user
from tests.events_factory import ev
from tests.operational.api.conftest import Tenant, assert_error, make_tenant

NOW = datetime(2026, 11, 2, 13, 30, tzinfo=UTC)  # New York 08:30, Los Angeles 05:30, London 13:30
CALLER_ID = "+12125550199"


class Draws(random.Random):
    """A random source whose draws are all ``value``: the simulated carrier then always does one thing."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


BUSY = SimulatedCarrier(Draws(0.05))  # every dial ends busy: nobody reached


@pytest.fixture(scope="module")
def dialer(engine: sa.Engine) -> Tenant:
    return make_tenant(engine, "dialer-co")


def create(client: TestClient, tenant: Tenant, name: str, **settings: object) -> dict:
    body = {"name": name, "caller_id": CALLER_ID} | settings
    response = client.post("/api/v1/dialer/campaigns", json=body, headers=tenant.auth)
    assert response.status_code == 201, response.text
    return response.json()


def upload(client: TestClient, tenant: Tenant, campaign: int, csv: str):  # type: ignore[no-untyped-def]
    headers = tenant.auth | {"Content-Type": "text/csv"}
    return client.post(f"/api/v1/dialer/campaigns/{campaign}/contacts", content=csv.encode(), headers=headers)


def decisions(engine: sa.Engine, campaign: int) -> list[tuple[str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("select d.decision, c.external_id from dialer_decisions d "
                    "left join dialer_contacts c on c.id = d.contact_id where d.campaign_id = :c order by d.id"),
            {"c": campaign},
        )  # fmt: skip
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_campaign_crud(client: TestClient, dialer: Tenant) -> None:
    made = create(client, dialer, "crud", type="parallel", lines_per_agent=3)
    assert (made["state"], made["type"], made["lines_per_agent"], made["max_attempts"]) == (
        "stopped",
        "parallel",
        3,
        3,
    )
    path = f"/api/v1/dialer/campaigns/{made['id']}"
    changed = client.patch(path, json={"retry_minutes": 15}, headers=dialer.auth).json()
    assert changed["retry_minutes"] == 15
    assert made["id"] in [
        c["id"] for c in client.get("/api/v1/dialer/campaigns", headers=dialer.auth).json()["campaigns"]
    ]
    assert_error(
        client.post("/api/v1/dialer/campaigns", json={"name": "crud"}, headers=dialer.auth),
        409,
        "duplicate_name",
    )
    assert_error(client.patch(path, json={"lines_per_agent": 9}, headers=dialer.auth), 422, "invalid")
    assert client.delete(path, headers=dialer.auth).status_code == 204
    assert_error(client.get(path, headers=dialer.auth), 404, "not_found")


def test_contacts_import_validates_numbers_and_zones(client: TestClient, dialer: Tenant) -> None:
    campaign = create(client, dialer, "import")["id"]
    csv = ("phone,contact_id,name,timezone\n+1 212 555 0101,c1,Ann,\n12,c2,Bad,\n"
           "+442079460002,c3,Cy,Mars/Olympus\n(415) 555-0104,c4,No plus,\n+14155550105,,Eve,America/Chicago\n")  # fmt: skip
    result = upload(client, dialer, campaign, csv).json()
    assert (result["received"], result["imported"]) == (5, 2)
    assert [(r["line"], r["field"]) for r in result["rejected"]] == [
        (3, "phone"),
        (4, "timezone"),
        (5, "phone"),
    ]
    assert client.get(f"/api/v1/dialer/campaigns/{campaign}", headers=dialer.auth).json()["contacts"] == {
        "pending": 2
    }
    assert_error(upload(client, dialer, campaign, "number\n+12125550101\n"), 422)


def test_start_and_stop(client: TestClient, dialer: Tenant) -> None:
    campaign = create(client, dialer, "start-stop")["id"]
    base = f"/api/v1/dialer/campaigns/{campaign}"
    started = client.post(f"{base}/parallel/start", headers=dialer.auth).json()
    assert (started["state"], started["type"]) == ("running", "parallel")
    assert_error(client.post(f"{base}/power/stop", headers=dialer.auth), 409, "wrong_type")
    assert client.post(f"{base}/parallel/stop", headers=dialer.auth).json()["state"] == "stopped"
    assert client.post(f"{base}/power/start", headers=dialer.auth).json()["type"] == "power"


def test_engine_honours_dnc_window_and_capacity_and_records_each_decision(
    client: TestClient, engine: sa.Engine, dialer: Tenant
) -> None:
    campaign = create(client, dialer, "rules")["id"]
    csv = ("phone,contact_id,timezone\n+14155550001,la,\n+12125550002,listed,\n+12125550003,opted-out,\n"
           "+12125550004,tokyo,Asia/Tokyo\n+12125550005,ny,\n+442079460006,london,\n+12125550007,later,\n")  # fmt: skip
    upload(client, dialer, campaign, csv)
    client.post("/api/v1/dnc", json={"phone": "+12125550002"}, headers=dialer.auth)
    stop = ev("message.created", (NOW - timedelta(days=1)).isoformat(), message_id="stop-3", direction="inbound",
              channel="sms", from_="+12125550003", to=CALLER_ID, body="STOP", media_count=0)  # fmt: skip
    client.post("/api/v1/events", json=[stop], headers=dialer.auth)
    client.post(f"/api/v1/dialer/campaigns/{campaign}/power/start", headers=dialer.auth)

    report = tick(engine, dialer.id, campaign, BUSY, now=NOW, agents=["alice", "bob"])
    assert report.lines == 2 and len(report.call_ids) == 2
    assert decisions(engine, campaign) == [
        ("skipped_window", "la"), ("skipped_dnc", "listed"), ("skipped_dnc", "opted-out"),
        ("skipped_window", "tokyo"), ("dialed", "ny"), ("dialed", "london"),
    ]  # fmt: skip
    with engine.connect() as conn:
        calls = conn.execute(sa.text("select to_number, status, contact_id from calls where account_id = :a "
                                     "and campaign = 'rules' order by contact_id"), {"a": dialer.id}).all()  # fmt: skip
    assert [tuple(c) for c in calls] == [("+442079460006", "busy", "london"), ("+12125550005", "busy", "ny")]
    shown = client.get(f"/api/v1/dialer/campaigns/{campaign}/decisions", headers=dialer.auth).json()[
        "decisions"
    ]
    assert [d["decision"] for d in shown][:2] == ["dialed", "dialed"]

    # ten minutes on: ny and london wait for the retry spacing, the window is still shut in LA and Tokyo
    again = tick(engine, dialer.id, campaign, BUSY, now=NOW + timedelta(minutes=10), agents=["alice", "bob"])
    assert again.decisions == {"dialed": 1}
    assert decisions(engine, campaign)[-1] == ("dialed", "later")


def test_attempts_run_out_after_retry_spacing(client: TestClient, engine: sa.Engine, dialer: Tenant) -> None:
    campaign = create(client, dialer, "retries", max_attempts=2, retry_minutes=30)["id"]
    upload(client, dialer, campaign, "phone,contact_id\n+12125550301,only\n")
    client.post(f"/api/v1/dialer/campaigns/{campaign}/power/start", headers=dialer.auth)
    steps = [0, 20, 30, 45, 60]  # minutes after NOW
    dialled = [tick(engine, dialer.id, campaign, BUSY, now=NOW + timedelta(minutes=m), agents=["a"]).decisions
               for m in steps]  # fmt: skip
    # 0: first attempt; 20: not due (spacing), not even looked at; 30: second; 45: not due; 60: two of two made
    assert dialled == [{"dialed": 1}, {}, {"dialed": 1}, {}, {"exhausted": 1}]
    assert client.get(f"/api/v1/dialer/campaigns/{campaign}", headers=dialer.auth).json()["contacts"] == {
        "exhausted": 1
    }


def _answered_history(campaign: str, drops: int, answered: int) -> list[dict]:
    """``answered`` human-answered outbound calls in the last 24 h; the first ``drops`` never connected."""
    events = []
    for n in range(answered):
        t0 = NOW - timedelta(hours=3, minutes=n)
        call = f"{campaign}-h{n}"
        events += [
            ev("call.started", t0.isoformat(), call_id=call, direction="outbound", from_=CALLER_ID,
               to="+12125550400", campaign=campaign),
            ev("call.answered", (t0 + timedelta(seconds=8)).isoformat(), call_id=call, answered_by="human"),
        ]  # fmt: skip
        if n >= drops:
            events.append(
                ev("call.connected", (t0 + timedelta(seconds=9)).isoformat(), call_id=call, agent="al")
            )
        events.append(
            ev("call.ended", (t0 + timedelta(seconds=60)).isoformat(), call_id=call, reason="completed")
        )
    return events


@pytest.mark.parametrize(("drops", "throttled", "lines"), [(3, False, 6), (4, True, 2)])
def test_parallel_campaign_over_3_percent_drops_is_throttled_and_flagged(
    client: TestClient, engine: sa.Engine, drops: int, throttled: bool, lines: int
) -> None:
    tenant = make_tenant(engine, f"throttle-{drops}")
    campaign = create(client, tenant, "blast", type="parallel", lines_per_agent=3)["id"]
    client.post("/api/v1/events", json=_answered_history("blast", drops, 100), headers=tenant.auth)
    upload(client, tenant, campaign, "phone\n" + "".join(f"+1212555{n:04d}\n" for n in range(500, 510)))
    client.post(f"/api/v1/dialer/campaigns/{campaign}/parallel/start", headers=tenant.auth)
    report = tick(engine, tenant.id, campaign, BUSY, now=NOW, agents=["al", "bo"])
    assert (report.drops_24h, report.human_answered_24h) == (drops, 100)
    assert (report.throttled, report.lines) == (throttled, lines)
    shown = client.get(f"/api/v1/dialer/campaigns/{campaign}", headers=tenant.auth).json()
    assert shown["throttled"] is throttled and (shown["flagged_at"] is not None) is throttled
    assert (("throttled", None) in decisions(engine, campaign)) is throttled


def test_speed_dial_per_user(client: TestClient, engine: sa.Engine, dialer: Tenant) -> None:
    create_user(engine, dialer.id, "sally", "agent", "correct horse battery")
    body = {"user": "sally", "label": "Mum", "phone": "+1 212 555 0601"}
    entry = client.post("/api/v1/dialer/speed-dial", json=body, headers=dialer.auth)
    assert entry.status_code == 201 and entry.json()["phone"] == "+12125550601"
    assert_error(client.post("/api/v1/dialer/speed-dial", json=body, headers=dialer.auth), 409)
    listed = client.get("/api/v1/dialer/speed-dial", params={"user": "sally"}, headers=dialer.auth).json()
    assert [e["label"] for e in listed["entries"]] == ["Mum"]
    result = client.post(f"/api/v1/dialer/speed-dial/{entry.json()['id']}/dial", json={"caller_id": CALLER_ID},
                         headers=dialer.auth).json()  # fmt: skip
    assert result["decision"] in {"dialed", "skipped_window"}  # wall-clock now: either is a recorded decision
    assert_error(client.get("/api/v1/dialer/speed-dial", params={"user": "nobody"}, headers=dialer.auth), 404)

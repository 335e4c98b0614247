"""Inbox listing and paging, outbound sends refused on the messaging DNC, opt-out and opt-in keywords."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.events_factory import at, ev
from tests.operational.api.conftest import Tenant, assert_error, make_tenant

LINE = "+12125550123"
T0 = "2026-11-02 14:00:00"


@pytest.fixture(scope="module")
def shop(engine: sa.Engine) -> Tenant:
    return make_tenant(engine, "inbox-shop")


def inbound(number: str, body: str, seconds: float, message_id: str | None = None) -> dict:
    mid = message_id or f"in-{number}-{seconds}"
    return ev("message.created", at(T0, seconds), message_id=mid, direction="inbound", channel="sms",
              from_=number, to=LINE, body=body, media_count=0)  # fmt: skip


def send(client: TestClient, tenant: Tenant, to: str, body: str = "Hello"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/inbox/messages", headers=tenant.auth, json={"to": to, "from": LINE, "body": body}
    )


def test_outbound_message_is_stored_queued_and_listed(client: TestClient, shop: Tenant) -> None:
    response = send(client, shop, "+1 415 555 2671", "Your order shipped")
    assert response.status_code == 201, response.text
    message = response.json()
    assert (message["direction"], message["status"], message["to_number"], message["channel"]) == (
        "outbound", "queued", "+14155552671", "sms",
    )  # fmt: skip
    listed = client.get("/api/v1/inbox/messages", params={"direction": "outbound"}, headers=shop.auth).json()
    assert message["message_id"] in [m["message_id"] for m in listed["messages"]]


def test_stop_puts_the_sender_on_the_messaging_dnc_and_start_takes_it_off(
    client: TestClient, shop: Tenant
) -> None:
    number = "+14155550101"
    client.post("/api/v1/events", json=[inbound(number, "  stop \n", 10)], headers=shop.auth)
    refused = assert_error(send(client, shop, number), 409, "recipient_on_dnc")
    assert refused["details"] == [{"field": "to", "reason": "on the messaging DNC"}]
    client.post("/api/v1/events", json=[inbound(number, "Unstop", 20)], headers=shop.auth)
    assert send(client, shop, number).status_code == 201


KEYWORDS = ["STOPALL", "unsubscribe", "Cancel", "END", "quit", "REVOKE", "optout", "Opt Out"]


@pytest.mark.parametrize("word", KEYWORDS)
def test_every_opt_out_keyword_counts(client: TestClient, shop: Tenant, word: str) -> None:
    number = f"+1415555{3000 + KEYWORDS.index(word):04d}"
    client.post("/api/v1/events", json=[inbound(number, word, 5)], headers=shop.auth)
    assert_error(send(client, shop, number), 409)


def test_keywords_follow_occurred_at_not_arrival(client: TestClient, shop: Tenant) -> None:
    number = "+14155550102"
    # START was sent after STOP but arrives first: the late STOP must not override it
    client.post("/api/v1/events", json=[inbound(number, "START", 30)], headers=shop.auth)
    client.post("/api/v1/events", json=[inbound(number, "STOP", 10)], headers=shop.auth)
    assert send(client, shop, number).status_code == 201  # START at +30 is the latest
    client.post("/api/v1/events", json=[inbound(number, "STOP", 40)], headers=shop.auth)
    assert send(client, shop, number).status_code == 409
    replay = inbound(number, "START", 30)  # the same START again: a duplicate, changes nothing
    client.post("/api/v1/events", json=[replay], headers=shop.auth)
    assert send(client, shop, number).status_code == 409


def test_not_a_keyword_and_outbound_stop_change_nothing(client: TestClient, shop: Tenant) -> None:
    number = "+14155550103"
    events = [
        inbound(number, "please stop calling me at work", 1),
        ev("message.created", at(T0, 2), message_id="out-stop", direction="outbound", channel="sms",
           from_=LINE, to=number, body="STOP", media_count=0),
    ]  # fmt: skip
    client.post("/api/v1/events", json=events, headers=shop.auth)
    assert send(client, shop, number).status_code == 201


def test_internal_dnc_list_blocks_messages_until_removed(client: TestClient, shop: Tenant) -> None:
    number = "+14155550104"
    added = client.post(
        "/api/v1/dnc", json={"phone": "+1 (415) 555-0104", "reason": "asked by phone"}, headers=shop.auth
    )
    assert added.status_code == 201 and added.json()["phone"] == number
    assert number in [e["phone"] for e in client.get("/api/v1/dnc", headers=shop.auth).json()["entries"]]
    assert_error(send(client, shop, number), 409, "recipient_on_dnc")
    assert client.delete(f"/api/v1/dnc/{number}", headers=shop.auth).status_code == 204
    assert send(client, shop, number).status_code == 201
    assert_error(client.delete(f"/api/v1/dnc/{number}", headers=shop.auth), 404, "not_found")


def test_bad_numbers_and_fields_are_422(client: TestClient, shop: Tenant) -> None:
    error = assert_error(send(client, shop, "12"), 422, "invalid")
    assert error["details"][0]["field"] == "to"
    body = {"to": "+14155550105", "from": LINE, "body": "x", "channel": "fax"}
    assert_error(client.post("/api/v1/inbox/messages", json=body, headers=shop.auth), 422)
    assert_error(client.get("/api/v1/inbox/messages", params={"limit": 0}, headers=shop.auth), 422)
    assert_error(client.get("/api/v1/inbox/messages", params={"cursor": "garbage"}, headers=shop.auth), 422)


def test_filters_and_cursor_pages_cover_every_message_once(client: TestClient, engine: sa.Engine) -> None:
    tenant = make_tenant(engine, "inbox-pages")
    events = [inbound(f"+1415555{2000 + n:04d}", f"hi {n}", n, f"p-{n:02d}") for n in range(25)]
    events += [ev("message.created", at(T0, 5), message_id="p-mms", direction="inbound", channel="mms",
                  from_="+14155552001", to=LINE, body="", media_count=2)]  # fmt: skip
    assert client.post("/api/v1/events", json=events, headers=tenant.auth).json()["stored"] == 26
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 10} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/inbox/messages", params=params, headers=tenant.auth).json()
        seen += [m["message_id"] for m in page["messages"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 26
    assert seen[0] == "p-24"  # newest first
    only = client.get("/api/v1/inbox/messages", params={"channel": "mms"}, headers=tenant.auth).json()
    assert [m["message_id"] for m in only["messages"]] == ["p-mms"]
    party = client.get(
        "/api/v1/inbox/messages", params={"number": "+14155552001"}, headers=tenant.auth
    ).json()
    assert {m["message_id"] for m in party["messages"]} == {"p-01", "p-mms"}
    window = {"since": at(T0, 3), "until": at(T0, 6)}
    timed = client.get("/api/v1/inbox/messages", params=window, headers=tenant.auth).json()
    assert {m["message_id"] for m in timed["messages"]} == {"p-03", "p-04", "p-05", "p-mms"}

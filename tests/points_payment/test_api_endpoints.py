"""The channel API's endpoints in-process, on the real ledger: grants,
revocations, balance, transactions, quota, period close and statements;
replays; typed 400s that change nothing; ledger refusals by code."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from plugins.points_payment import services
from plugins.points_payment.models import IdempotencyRecord, PointsTransfer

TRANSFER_FIELDS = {"id", "code", "points", "member", "reference", "created_at"}


@pytest.fixture
def api(points_channel):
    channel, _, client = points_channel(quota=1000)
    client.channel_id = channel.pk
    return client


def test_grant_then_replay_byte_for_byte(api):
    first = api.post(
        "/members/m-1/grants", {"points": 300, "reference": "r1"}, key="g1"
    )
    assert first.status == 201, first.body
    transfer = first.json
    assert TRANSFER_FIELDS <= set(transfer)
    assert (transfer["code"], transfer["points"], transfer["member"]) == (
        "grant",
        300,
        "m-1",
    )
    assert transfer["reference"] == "r1"
    again = api.post(
        "/members/m-1/grants", {"points": 300, "reference": "r1"}, key="g1"
    )
    assert (again.status, again.body) == (first.status, first.body)
    assert again.headers.get("Idempotent-Replayed") == "true"
    reused = api.post(
        "/members/m-1/grants", {"points": 301, "reference": "r1"}, key="g1"
    )
    assert (reused.status, reused.code) == (422, "idempotency_key_reused")
    other_member = api.post("/members/m-2/grants", {"points": 300}, key="g1")
    assert other_member.code == "idempotency_key_reused"
    assert services.balance(api.channel_id, "m-1").available == 300
    assert services.audit() == []


def test_a_refusal_is_replayed_too(api):
    refused = api.post("/members/m-1/grants", {"points": 5000}, key="too-much")
    assert (refused.status, refused.code) == (402, "quota_exceeded")
    assert refused.json["error"]["type"] == "points_error"
    again = api.post("/members/m-1/grants", {"points": 5000}, key="too-much")
    assert again.body == refused.body and again.status == 402


def test_revocation_balance_quota_and_transactions(api):
    expires = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    grant = api.post(
        "/members/m-1/grants",
        {"points": 200, "expires_at": expires.isoformat()},
        key="g",
    )
    assert grant.status == 201, grant.body
    revocation = api.post("/members/m-1/revocations", {"points": 50}, key="r")
    assert revocation.status == 201, revocation.body
    assert revocation.json["code"] == "revoke"
    too_much = api.post("/members/m-1/revocations", {"points": 151}, key="r2")
    assert (too_much.status, too_much.code) == (402, "insufficient_points")

    balance = api.get("/members/m-1/balance")
    assert balance.status == 200, balance.body
    body = balance.json
    assert (body["member"], body["available"], body["held"]) == ("m-1", 150, 0)
    assert [e["points"] for e in body["expiring"]] == [150]
    assert set(body["period"]) >= {"id", "starts_at", "ends_at"}

    quota = api.get("/quota").json
    assert (quota["quota"], quota["granted"], quota["remaining"]) == (1000, 150, 850)

    for n in range(3):
        api.post("/members/m-2/grants", {"points": 1 + n}, key=f"m2-{n}")
    page = api.get("/transactions?limit=2")
    assert page.status == 200, page.body
    assert len(page.json["data"]) == 2 and page.json["next_cursor"]
    seen = [t["id"] for t in page.json["data"]]
    cursor = page.json["next_cursor"]
    while cursor:
        page = api.get(f"/transactions?limit=2&cursor={cursor}").json
        seen += [t["id"] for t in page["data"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 5
    mine = api.get("/transactions?member=m-2").json["data"]
    assert {t["member"] for t in mine} == {"m-2"} and len(mine) == 3
    bad = api.get("/transactions?cursor=not-a-cursor")
    assert (bad.status, bad.code, bad.json["error"]["param"]) == (
        400,
        "invalid_cursor",
        "cursor",
    )


def test_unknown_member_and_period(api):
    answer = api.get("/members/nobody/balance")
    assert (answer.status, answer.code) == (404, "member_not_found")
    answer = api.get("/periods/999999999/statement")
    assert (answer.status, answer.code) == (404, "period_not_found")


def test_close_period_and_statements(api):
    api.post("/members/m-1/grants", {"points": 100}, key="g")
    period_id = api.get("/quota").json["period"]["id"]
    live = api.get(f"/periods/{period_id}/statement")
    assert live.status == 200 and live.json["closed_at"] is None
    closed = api.post(f"/periods/{period_id}/close", key="close-1")
    assert closed.status == 200, closed.body
    assert closed.json["closed_at"] and closed.json["period"]["state"] == "closed"
    again = api.post(f"/periods/{period_id}/close", key="close-1")
    assert again.body == closed.body
    statement = api.get(f"/periods/{period_id}/statement")
    assert statement.json == closed.json
    as_csv = api.get(f"/periods/{period_id}/statement.csv")
    assert as_csv.status == 200
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.body.decode())))
    assert rows[0][0] == "member" and rows[-1][0] == "TOTAL"
    late = api.post("/members/m-1/grants", {"points": 1}, key="late")
    assert (late.status, late.code) == (409, "period_closed")


@pytest.mark.parametrize(
    "body, code, param",
    [
        ({}, "parameter_missing", "points"),
        ({"points": 0}, "parameter_invalid", "points"),
        ({"points": -3}, "parameter_invalid", "points"),
        ({"points": "5"}, "parameter_invalid", "points"),
        ({"points": True}, "parameter_invalid", "points"),
        ({"points": 1.5}, "parameter_invalid", "points"),
        ({"points": 10**13}, "parameter_invalid", "points"),
        ({"points": 1, "bonus": 1}, "parameter_unknown", "bonus"),
        ({"points": 1, "expires_at": "tomorrow"}, "parameter_invalid", "expires_at"),
        (
            {"points": 1, "expires_at": "2030-01-01T00:00:00"},
            "parameter_invalid",
            "expires_at",
        ),
        ({"points": 1, "reference": 7}, "parameter_invalid", "reference"),
        ({"points": 1, "reference": "x" * 256}, "parameter_invalid", "reference"),
        (b"not json", "invalid_json", None),
        ([1, 2], "invalid_json", None),
    ],
)
def test_bad_bodies_are_typed_400s_that_change_nothing(api, body, code, param):
    before = (PointsTransfer.objects.count(), IdempotencyRecord.objects.count())
    answer = api.post("/members/m-1/grants", body, key="same-key")
    assert (answer.status, answer.code) == (400, code), answer.body
    assert answer.json["error"]["param"] == param
    assert (PointsTransfer.objects.count(), IdempotencyRecord.objects.count()) == before
    # The key was not used up: a corrected request goes through with it.
    assert api.post("/members/m-1/grants", {"points": 1}, key="same-key").status == 201


def test_expiry_beyond_the_period_is_the_ledgers_typed_refusal(api):
    far = (timezone.now() + timedelta(days=400)).isoformat()
    answer = api.post("/members/m-1/grants", {"points": 1, "expires_at": far})
    assert (answer.status, answer.code) == (400, "invalid_expires_at")
    assert answer.json["error"]["param"] == "expires_at"


def test_openapi_document_names_every_endpoint(client):
    document = client.get("/points/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/members/{external_id}/grants",
        "/members/{external_id}/revocations",
        "/members/{external_id}/balance",
        "/transactions",
        "/quota",
        "/periods/{id}/close",
        "/periods/{id}/statement",
        "/periods/{id}/statement.csv",
    }
    assert {s["name"] for s in document["components"]["securitySchemes"].values()} == {
        "X-Flash-Channel",
        "X-Flash-Timestamp",
        "X-Flash-Nonce",
        "X-Flash-Signature",
    }

"""POST /events/v1/batch: validation and limits, duplicates, rate limits,
server-side kinds refused, and what lands in PostgreSQL after the drain."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from django.test import override_settings

from plugins.engagement import queue
from plugins.engagement.models import Event

from .support import drain_all, event, make_key, post_batch

pytestmark = pytest.mark.usefixtures("clean_stats")


@pytest.mark.django_db
def test_on_the_test_database():
    pass


def error_of(response):
    return response.json()["error"]


def test_accepts_a_batch_fast_and_the_drain_stores_it():
    key = make_key()
    events = [
        event("view", entry_point="social", utm={"source": "fb", "campaign": "x"}),
        event("page_leave", time_on_page_ms=5000, engaged_ms=3000),
        event("favourite"),
        event("share", target="wechat"),
        event("add_to_cart", quantity=2),
        event("checkout_started"),
    ]
    response = post_batch(key.public_key, events, session_id="s-1")
    assert response.status_code == 202, response.content
    assert response.json() == {"received": 6, "queued": 6, "duplicates": 0}
    assert response["Access-Control-Allow-Origin"] == "*"
    # The request only queued; the drain stores the batch (a Celery worker
    # left by another test module may drain part of it first).
    drain_all()
    assert queue.length() == 0
    assert Event.objects.count() == 6
    stored = {row.kind: row for row in Event.objects.all()}
    assert set(stored) == {e["kind"] for e in events}
    view = stored["view"]
    assert view.entry_point == "social" and view.utm_source == "fb"
    assert view.session_id == "s-1" and view.key_id == key.pk
    assert view.member_id is None
    assert stored["page_leave"].engaged_ms == 3000
    assert stored["share"].share_target == "wechat"
    assert stored["add_to_cart"].quantity == 2


def test_a_global_product_id_is_decoded():
    import base64

    key = make_key()
    global_id = base64.b64encode(b"Product:42").decode()
    assert (
        post_batch(
            key.public_key, [event("favourite", product_id=global_id)]
        ).status_code
        == 202
    )
    drain_all()
    assert Event.objects.get().product_id == 42
    wrong = base64.b64encode(b"Order:42").decode()
    response = post_batch(key.public_key, [event("favourite", product_id=wrong)])
    assert response.status_code == 400
    assert error_of(response)["param"] == "events[0].product_id"


@pytest.mark.parametrize(
    "bad, param, code",
    [
        ({"kind": "purchase"}, "events[0].kind", "server_side_kind"),
        ({"kind": "checkout_completed"}, "events[0].kind", "server_side_kind"),
        ({"kind": "teleport"}, "events[0].kind", "invalid"),
        ({"event_id": "nope"}, "events[0].event_id", "invalid"),
        ({"client_id": ""}, "events[0].client_id", "required"),
        ({"timestamp": "yesterday"}, "events[0].timestamp", "invalid"),
        (
            {"timestamp": "2020-01-01T00:00:00+00:00"},
            "events[0].timestamp",
            "out_of_range",
        ),
        ({"page": "checkout"}, "events[0].page", "invalid"),
        ({"entry_point": "tv"}, "events[0].entry_point", "invalid"),
        ({"utm": {"source": "x" * 101}}, "events[0].utm.source", "invalid"),
        ({"utm": {"gclid": "x"}}, "events[0].utm.gclid", "unknown_field"),
        ({"ip": "1.2.3.4"}, "events[0].ip", "unknown_field"),
    ],
)
def test_bad_input_is_refused_whole_naming_the_field(bad, param, code):
    key = make_key()
    good = event("view")
    wrong = {**event("view"), **bad}
    response = post_batch(key.public_key, [wrong, good])
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert (error["param"], error["code"]) == (param, code)
    assert error["type"] == "invalid_request_error"
    assert queue.length() == 0


def test_kind_specific_fields_are_required():
    key = make_key()
    leave = event("page_leave")
    del leave["time_on_page_ms"]
    response = post_batch(key.public_key, [event("view"), leave])
    assert error_of(response)["param"] == "events[1].time_on_page_ms"
    too_engaged = event("page_leave", time_on_page_ms=100, engaged_ms=200)
    assert error_of(post_batch(key.public_key, [too_engaged]))["param"] == (
        "events[0].engaged_ms"
    )


def test_batch_limits():
    key = make_key()
    response = post_batch(key.public_key, [event() for _ in range(101)])
    assert (response.status_code, error_of(response)["code"]) == (400, "too_many")
    utm = {
        name: name[0] * 100
        for name in ("source", "medium", "campaign", "term", "content")
    }
    big = [event(utm=utm, client_id="c" * 64) for _ in range(100)]
    response = post_batch(key.public_key, big)
    assert len(json.dumps({"events": big})) > 64 * 1024
    assert (response.status_code, error_of(response)["code"]) == (
        413,
        "batch_too_large",
    )
    response = post_batch(key.public_key, [])
    assert (response.status_code, error_of(response)["param"]) == (400, "events")
    assert queue.length() == 0


def test_sent_at_corrects_a_skewed_device_clock():
    key = make_key()
    device_now = datetime.now(timezone.utc) - timedelta(days=3)
    response = post_batch(
        key.public_key,
        [event(timestamp=(device_now - timedelta(seconds=30)).isoformat())],
        sent_at=device_now.isoformat(),
    )
    assert response.status_code == 202, response.content
    drain_all()
    lag = datetime.now(timezone.utc) - Event.objects.get().occurred_at
    assert timedelta(seconds=25) < lag < timedelta(seconds=60)


def test_keys_missing_unknown_and_revoked():
    assert error_of(post_batch(None, [event()]))["code"] == "missing_key"
    response = post_batch("pk_ev_unknown", [event()])
    assert (response.status_code, error_of(response)["code"]) == (401, "invalid_key")
    key = make_key()
    key.is_active = False
    key.save()
    from plugins.engagement.ingestion import forget_cached_keys

    forget_cached_keys()
    assert post_batch(key.public_key, [event()]).status_code == 401


def test_key_in_the_body_for_beacons():
    key = make_key()
    response = post_batch(None, [event("page_leave")], api_key=key.public_key)
    assert response.status_code == 202


def test_duplicate_event_ids_are_dropped_at_the_door_and_at_insert():
    key = make_key()
    first = event("view")
    response = post_batch(key.public_key, [first, first, event("view")])
    assert response.json() == {"received": 3, "queued": 2, "duplicates": 1}
    # A storefront's retry of the same event.
    response = post_batch(key.public_key, [first])
    assert response.json()["duplicates"] == 1
    drain_all()
    assert Event.objects.count() == 2
    # Redis forgot the seen marks (flushed): the unique index still drops it.
    client = queue.client()
    client.delete(*client.scan_iter(match=queue.SEEN_PREFIX + "*"))
    assert post_batch(key.public_key, [first]).json()["queued"] == 1
    assert drain_all()["inserted"] == 0
    assert Event.objects.count() == 2


def test_rate_limited_per_ip_and_per_key():
    import time

    # Fixed one-minute windows: start well inside one.
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)
    key = make_key()
    with override_settings(FLASH_EVENTS_RATE_PER_IP=3, FLASH_EVENTS_RATE_PER_KEY=0):
        codes = [
            post_batch(key.public_key, [event()], address="10.9.9.9").status_code
            for _ in range(4)
        ]
        assert codes == [202, 202, 202, 429]
        # Another address is not slowed by that one.
        assert (
            post_batch(key.public_key, [event()], address="10.9.9.8").status_code == 202
        )
    other = make_key(name="other")
    with override_settings(FLASH_EVENTS_RATE_PER_IP=0, FLASH_EVENTS_RATE_PER_KEY=2):
        codes = [
            post_batch(other.public_key, [event()], address=f"10.8.0.{n}").status_code
            for n in range(3)
        ]
        assert codes == [202, 202, 429]
        response = post_batch(other.public_key, [event()], address="10.8.1.1")
        assert error_of(response)["type"] == "rate_limit_error"


def test_a_member_token_stamps_the_member_id_never_the_email():
    from graphql_jwt.shortcuts import get_token
    from saleor.account.models import User

    user = User.objects.create_user(f"m-{uuid.uuid4().hex[:8]}@example.com", "pw")
    try:
        key = make_key()
        response = post_batch(
            key.public_key,
            [event("view")],
            headers={"HTTP_AUTHORIZATION": f"JWT {get_token(user)}"},
        )
        assert response.status_code == 202, response.content
        drain_all()
        stored = Event.objects.get()
        assert stored.member_id == user.pk
        with __import__("django.db").db.connection.cursor() as cursor:
            cursor.execute("SELECT * FROM engagement_event")
            assert user.email not in repr(cursor.fetchall())
        response = post_batch(
            key.public_key, [event()], headers={"HTTP_AUTHORIZATION": "JWT nonsense"}
        )
        assert (response.status_code, error_of(response)["code"]) == (
            401,
            "invalid_token",
        )
    finally:
        user.delete()


def test_anonymous_session_is_derived_per_client_and_day():
    key = make_key()
    post_batch(
        key.public_key,
        [event(client_id="abc"), event(client_id="abc"), event(client_id="xyz")],
    )
    drain_all()
    sessions = {row.client_id: row.session_id for row in Event.objects.all()}
    assert sessions["abc"].startswith("anon_") and sessions["abc"] != sessions["xyz"]
    assert Event.objects.filter(session_id=sessions["abc"]).count() == 2


def test_only_post():
    response = __import__("django.test").test.Client().get("/events/v1/batch")
    assert response.status_code == 405
    assert uuid  # keep import

"""Help-desk hand-off: requests leave as signed Zendesk-shaped tickets through
the outbox and arrive although the help desk and the Celery worker were down
(a real worker process, SIGKILLed mid-send); status changes come back on a
signed inbound webhook whose signature, timestamp and event id are checked."""

from __future__ import annotations

import json
import signal
import time

import pytest
from django.test import Client

from plugins.core import outbox, signing
from plugins.core.models import OutboxMessage
from plugins.engagement.models import SupportMessage, SupportRequest
from plugins.engagement.support import helpdesk, requests
from tests.core.conftest import QUEUE, WORKER_ENV, Receiver, wait_for
from tests.support import database_url_from_settings, start_celery_worker

from .conftest import make_order, make_shipment, make_user

OUT_SECRET = "whsec_helpdesk_out"
IN_SECRET = "whsec_helpdesk_in"
HOOK = "/support/v1/helpdesk-webhook"


@pytest.fixture
def helpdesk_settings(settings, redis_client):
    settings.FLASH_OUTBOX_QUEUE = QUEUE
    settings.FLASH_OUTBOX_BACKOFF_SECONDS = 0.1
    settings.FLASH_OUTBOX_BACKOFF_CAP_SECONDS = 2
    settings.FLASH_HELPDESK_SECRET = OUT_SECRET
    settings.FLASH_HELPDESK_INBOUND_SECRET = IN_SECRET
    for key in redis_client.scan_iter("flash:rl:*"):
        redis_client.delete(key)
    yield settings
    redis_client.delete(QUEUE)


class Worker:
    def __init__(self):
        self.process = None

    def start(self):
        from django.conf import settings

        self.process = start_celery_worker(
            database_url_from_settings(settings.DATABASES["default"]),
            extra_env=WORKER_ENV,
            queues=QUEUE,
        )

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except Exception:
                self.process.kill()
        self.process = None


@pytest.fixture
def worker():
    running = Worker()
    yield running
    running.stop()


def ticket_messages():
    return list(
        OutboxMessage.objects.filter(event_type=helpdesk.TICKET_CREATED).order_by("pk")
    )


def state_of(message) -> str:
    return OutboxMessage.objects.values_list("state", flat=True).get(pk=message.pk)


@pytest.mark.usefixtures("committed")
def test_tickets_survive_a_down_help_desk_and_a_killed_worker(
    helpdesk_settings, worker
):
    desk = Receiver([503, 503])  # the help desk is down for two attempts
    helpdesk_settings.FLASH_HELPDESK_URL = desk.url
    buyer = make_user("ticket-buyer@example.com")
    order = make_order(buyer)
    shipment = make_shipment(
        order, "Acme Parcels", status="shipped", carrier="DHL", tracking_number="0034"
    )
    # No worker runs yet: the request is committed with its ticket pending.
    request = requests.open_request(
        buyer,
        "shipping",
        "My parcel is late.",
        order_pk=order.pk,
        shipment_pk=shipment.pk,
    )
    (message,) = ticket_messages()
    assert state_of(message) == OutboxMessage.PENDING
    assert SupportRequest.objects.get(pk=request.pk).forwarded_at is not None

    worker.start()
    assert outbox.sweep() >= 1  # what beat does for a task nobody took
    assert wait_for(lambda: state_of(message) == OutboxMessage.SENT, 60)
    assert len(desk.requests) == 3  # two 503s, then accepted
    headers, body = desk.requests[-1]
    signing.verify(headers[signing.SIGNATURE_HEADER], body, OUT_SECRET)
    assert headers[signing.EVENT_ID_HEADER] == str(message.event_id)
    ticket = json.loads(body)["ticket"]
    assert ticket["external_id"] == str(request.pk)
    assert ticket["requester"]["email"] == "ticket-buyer@example.com"
    assert ticket["subject"] == request.subject
    assert "My parcel is late." in ticket["comment"]["body"]
    assert {
        "saleor_flash",
        "category_shipping",
        f"order_{order.pk}",
        f"shipment_{shipment.pk}",
    } <= set(ticket["tags"])
    assert (
        f"Shipment SO-{shipment.pk}: Acme Parcels, shipped, DHL 0034"
        in ticket["comment"]["body"]
    )

    # The worker dies while the help desk holds the next ticket's request.
    desk.hold()
    second = requests.open_request(buyer, "payment", "Charged twice?")
    message2 = ticket_messages()[-1]
    assert desk.arrived.wait(30)
    desk.arrived.clear()
    assert wait_for(lambda: len(desk.requests) == 4, 30)
    worker.kill()
    desk.release()
    assert wait_for(
        lambda: OutboxMessage.objects.filter(
            pk=message2.pk, state=OutboxMessage.PENDING, attempts=0
        ).exists(),
        30,
    )
    worker.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and state_of(message2) != OutboxMessage.SENT:
        outbox.sweep()
        wait_for(lambda: state_of(message2) == OutboxMessage.SENT, 3)
    assert state_of(message2) == OutboxMessage.SENT
    delivered = [json.loads(body)["ticket"] for _, body in desk.requests[3:]]
    # At least once: the same ticket (same event id) twice; the desk dedupes.
    assert {t["external_id"] for t in delivered} == {str(second.pk)}
    desk.server.shutdown()


def post(body: dict, secret: str = IN_SECRET, timestamp=None, event_id=None):
    raw = json.dumps(body).encode()
    header = signing.sign(raw, secret, timestamp=timestamp)
    extra = {"HTTP_X_FLASH_SIGNATURE": header}
    if event_id:
        extra["HTTP_X_FLASH_EVENT_ID"] = event_id
    return Client().post(HOOK, raw, content_type="application/json", **extra)


@pytest.mark.django_db
def test_inbound_status_changes_are_verified_and_applied_once(helpdesk_settings):
    helpdesk_settings.FLASH_HELPDESK_URL = ""  # inbound only needs its secret
    buyer = make_user()
    request = requests.open_request(buyer, "procurement", "Wrong size")
    change = {
        "event_id": "evt-1",
        "ticket": {"external_id": str(request.pk), "id": 9001, "status": "pending"},
    }
    answer = post(change)
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "waiting"
    request.refresh_from_db()
    assert (request.status, request.helpdesk_ticket_id) == ("waiting", "9001")

    # A replay (same event id, freshly signed) is refused and changes nothing.
    replay = post({**change, "ticket": {**change["ticket"], "status": "solved"}})
    assert replay.status_code == 409
    assert replay.json()["error"]["code"] == "replayed"
    assert SupportRequest.objects.get(pk=request.pk).status == "waiting"

    solved = {
        "event_id": "evt-2",
        "ticket": {
            "external_id": str(request.pk),
            "status": "solved",
            "comment": {"body": "Replacement sent.", "public": True},
        },
    }
    # Wrong secret, stale and future timestamps, no signature: 401.
    for refused, code in [
        (post(solved, secret="wrong"), "signature_mismatch"),
        (post(solved, timestamp=int(time.time()) - 301), "signature_stale"),
        (post(solved, timestamp=int(time.time()) + 301), "signature_stale"),
    ]:
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == code
        assert refused.json()["error"]["type"] == "authentication_error"
    unsigned = Client().post(HOOK, json.dumps(solved), content_type="application/json")
    assert unsigned.status_code == 401
    # Tampered body: the signature was over other bytes.
    raw = json.dumps(solved).encode()
    header = signing.sign(raw, IN_SECRET)
    tampered = Client().post(
        HOOK,
        raw.replace(b"solved", b"closed"),
        content_type="application/json",
        HTTP_X_FLASH_SIGNATURE=header,
    )
    assert tampered.status_code == 401
    assert SupportRequest.objects.get(pk=request.pk).status == "waiting"

    assert post(solved).status_code == 200
    request.refresh_from_db()
    assert request.status == "resolved" and request.resolved_at is not None
    assert SupportMessage.objects.filter(
        request=request, author="helpdesk", body="Replacement sent."
    ).exists()


@pytest.mark.django_db
def test_inbound_bad_content_is_refused_typed(helpdesk_settings):
    buyer = make_user()
    request = requests.open_request(buyer, "other", "Hi")
    unknown = post({"event_id": "e-a", "ticket": {"external_id": "999999999"}})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["param"] == "ticket.external_id"
    bad_status = post(
        {"event_id": "e-b", "ticket": {"external_id": str(request.pk), "status": "x"}}
    )
    assert bad_status.status_code == 400
    assert bad_status.json()["error"]["code"] == "invalid_status"
    no_event = post({"ticket": {"external_id": str(request.pk), "status": "open"}})
    assert no_event.status_code == 400
    header_event = post(
        {"ticket": {"external_id": str(request.pk), "status": "open"}},
        event_id="hdr-1",
    )
    assert header_event.status_code == 200
    assert Client().get(HOOK).status_code == 405
    helpdesk_settings.FLASH_HELPDESK_SECRET = ""
    helpdesk_settings.FLASH_HELPDESK_INBOUND_SECRET = ""
    off = post({"event_id": "e-c", "ticket": {"external_id": str(request.pk)}})
    assert off.status_code == 404 and off.json()["error"]["code"] == "not_configured"


@pytest.mark.django_db
def test_without_a_help_desk_nothing_is_forwarded(settings, redis_client):
    settings.FLASH_HELPDESK_URL = ""
    for key in redis_client.scan_iter("flash:rl:*"):
        redis_client.delete(key)
    before = OutboxMessage.objects.filter(event_type__startswith="support.ticket")
    count = before.count()
    request = requests.open_request(make_user(), "other", "Hello")
    assert request.forwarded_at is None
    assert (
        OutboxMessage.objects.filter(event_type__startswith="support.ticket").count()
        == count
    )


@pytest.mark.usefixtures("committed")
def test_one_event_delivered_many_times_at_once_is_applied_once(helpdesk_settings):
    """The help desk retries (at least once): eight copies of one event at the
    same moment in eight threads: one is applied, seven are refused."""
    import threading

    from django.db import connection

    request = requests.open_request(make_user(), "other", "Race me")
    raw = json.dumps(
        {
            "event_id": "evt-raced",
            "ticket": {
                "external_id": str(request.pk),
                "status": "open",
                "comment": {"body": "We are on it.", "public": True},
            },
        }
    ).encode()
    header = signing.sign(raw, IN_SECRET)
    start = threading.Barrier(8)
    statuses = []

    def deliver():
        try:
            start.wait()
            statuses.append(
                Client()
                .post(
                    HOOK,
                    raw,
                    content_type="application/json",
                    HTTP_X_FLASH_SIGNATURE=header,
                )
                .status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [200] + [409] * 7
    assert (
        SupportMessage.objects.filter(request=request, author="helpdesk").count() == 1
    )
    assert SupportRequest.objects.get(pk=request.pk).status == "open"


@pytest.mark.django_db
def test_replies_follow_ups_and_status_changes_are_handed_over(helpdesk_settings):
    helpdesk_settings.FLASH_HELPDESK_URL = "http://127.0.0.1:9/helpdesk"
    staff = make_user(None, True, "manage_support")
    buyer = make_user()
    request = requests.open_request(buyer, "payment", "Charged twice")

    def sent(event_type):
        return [
            json.loads(m.body)["ticket"]
            for m in OutboxMessage.objects.filter(event_type=event_type).order_by("pk")
            if json.loads(m.body)["ticket"]["external_id"] == str(request.pk)
        ]

    assert len(sent(helpdesk.TICKET_CREATED)) == 1
    requests.reply(request.pk, staff, "Refund started.")
    requests.buyer_message(buyer, request.pk, "Thanks!")
    requests.set_status(request.pk, "resolved")
    assert [t["comment"]["body"] for t in sent(helpdesk.TICKET_COMMENTED)] == [
        "Refund started.",
        "Thanks!",
    ]
    assert [t["status"] for t in sent(helpdesk.TICKET_UPDATED)] == [
        "pending",  # waiting for the buyer
        "open",  # the buyer wrote again
        "solved",
    ]

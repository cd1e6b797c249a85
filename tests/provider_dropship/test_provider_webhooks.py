"""A new sub-order's webhook through the outbox with a real Celery worker:
signed (verified with core.signing), retried after the provider's endpoint
fails, and not lost when the worker is SIGKILLed between the commit and the
send."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from plugins.core import outbox, signing
from plugins.core.models import OutboxMessage
from plugins.provider_dropship.models import SubOrder
from tests.core.conftest import Worker, wait_for

from .world import SECRET, make_supplier, place_order, store

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


def state_of(message_id):
    return OutboxMessage.objects.values_list("state", flat=True).get(pk=message_id)


def unlocked(message_id) -> bool:
    with transaction.atomic():
        return (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id)
            .exists()
        )


def webhook_of(provider):
    return OutboxMessage.objects.filter(
        kind="webhook", url=provider.webhook_url
    ).latest("pk")


@pytest.fixture
def worker():
    made = Worker()
    yield made
    made.stop()


def test_signed_retried_and_not_lost_with_a_killed_worker(
    outbox_settings, receiver, worker
):
    store()
    hook = receiver([500, 503])  # the provider's endpoint fails twice
    supplier = make_supplier(webhook_url=hook.url)
    worker.start()

    placed = place_order([(supplier.variants[0], 2)])
    message = webhook_of(supplier.provider)
    assert wait_for(lambda: state_of(message.pk) == OutboxMessage.SENT, 90)
    assert len(hook.requests) == 3
    assert hook.event_ids() == [str(message.event_id)] * 3
    sub_order = SubOrder.objects.get(order__token=placed["token"])
    for headers, body in hook.requests:
        signing.verify(headers[signing.SIGNATURE_HEADER], body, SECRET)
        assert headers[signing.EVENT_TYPE_HEADER] == "sub_order.created"
        payload = json.loads(body)
        assert payload["sub_order"]["id"] == sub_order.pk
        assert payload["items"][0]["quantity"] == 2
    with pytest.raises(signing.SignatureError):
        signing.verify(
            hook.requests[0][0][signing.SIGNATURE_HEADER], hook.requests[0][1], "wrong"
        )

    # The worker dies mid-send (after the order committed, before the row
    # is marked sent): the message stays pending and goes out later.
    hook.hold()
    hook.arrived.clear()
    place_order([(supplier.variants[0], 1)])
    message = webhook_of(supplier.provider)
    assert hook.arrived.wait(60), "the worker did not start sending"
    worker.kill()
    hook.release()
    assert wait_for(lambda: unlocked(message.pk), 30)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxMessage.PENDING, 0)

    worker.start()
    for _ in range(20):  # the beat's sweep, faster
        outbox.sweep()
        if wait_for(lambda: state_of(message.pk) == OutboxMessage.SENT, 3):
            break
    assert state_of(message.pk) == OutboxMessage.SENT
    # At least once: the same event id twice; the provider dedupes by it.
    assert hook.event_ids()[-2:] == [str(message.event_id)] * 2

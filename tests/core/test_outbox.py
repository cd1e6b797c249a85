"""The outbox against real PostgreSQL, Redis and Celery worker processes:
nothing leaves for a rolled-back change; a committed message is delivered
despite a SIGKILLed worker, a flushed Redis and a failing receiver, exactly
once marked sent; after the retry period it is dead."""

from __future__ import annotations

import threading
import time

import pytest
from django.core import mail
from django.db import transaction

from plugins.core import outbox, signing
from plugins.core.models import OutboxMessage

from .conftest import QUEUE, wait_for

pytestmark = pytest.mark.usefixtures("committed_outbox")

SECRET = "whsec_test"


@pytest.mark.django_db
def test_on_the_test_database():
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")


def state_of(message: OutboxMessage) -> str:
    return OutboxMessage.objects.values_list("state", flat=True).get(pk=message.pk)


def is_unlocked(message: OutboxMessage) -> bool:
    with transaction.atomic():
        return (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message.pk)
            .exists()
        )


def sweep_until_sent(message: OutboxMessage, seconds: float = 60) -> bool:
    """Run the beat entry's sweep every 3 s (as beat would, faster) until
    the message is sent."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        outbox.sweep()
        if wait_for(lambda: state_of(message) == OutboxMessage.SENT, 3):
            return True
    return False


def enqueue(url: str, event_type: str = "test.event", **payload) -> OutboxMessage:
    with transaction.atomic():
        return outbox.enqueue_webhook(url, SECRET, event_type, payload or {"n": 1})


def test_a_rolled_back_transaction_sends_nothing(
    outbox_settings, receiver, redis_client
):
    hook = receiver()
    redis_client.delete(QUEUE)

    class ChangeFailed(Exception):
        pass

    with pytest.raises(ChangeFailed):
        with transaction.atomic():
            webhook = outbox.enqueue_webhook(hook.url, SECRET, "test.rolled_back", {})
            email = outbox.enqueue_email("buyer@example.com", "Hi", "Not sent")
            raise ChangeFailed
    assert not OutboxMessage.objects.filter(pk__in=[webhook.pk, email.pk]).exists()
    assert redis_client.llen(QUEUE) == 0  # no task was queued either
    assert webhook.pk not in outbox.due_ids()
    assert hook.requests == []


def test_retried_with_backoff_until_the_receiver_accepts(
    outbox_settings, outbox_worker, receiver
):
    hook = receiver([500] * 5)
    outbox_worker.start()
    message = enqueue(hook.url, "test.retried", order="7")
    assert wait_for(lambda: state_of(message) == OutboxMessage.SENT, 60)
    time.sleep(0.5)  # nothing more arrives once sent
    message.refresh_from_db()
    assert message.attempts == 6 and message.sent_at is not None
    assert len(hook.requests) == 6
    assert hook.event_ids() == [str(message.event_id)] * 6
    gaps = [b - a for a, b in zip(hook.arrivals, hook.arrivals[1:])]
    print("\nretry gaps:", ", ".join(f"{gap:.2f}s" for gap in gaps))
    # 0.1, 0.2, 0.4, 0.8, 1.6 s (plus the worker's own latency).
    assert sum(gaps) >= 3.0
    assert gaps[-1] > gaps[0]
    for headers, body in hook.requests:
        assert headers[signing.EVENT_ID_HEADER] == str(message.event_id)
        assert headers[signing.EVENT_TYPE_HEADER] == "test.retried"
        signing.verify(headers[signing.SIGNATURE_HEADER], body, SECRET)


def test_a_message_survives_a_sigkilled_worker(
    outbox_settings, outbox_worker, receiver
):
    hook = receiver()
    hook.hold()  # the worker will be mid-send, holding the row lock
    if outbox_worker.process is None:
        outbox_worker.start()
    message = enqueue(hook.url, "test.killed")
    assert hook.arrived.wait(60), "the worker did not start sending"
    assert not is_unlocked(message)
    outbox_worker.kill()
    hook.release()
    # PostgreSQL rolls back the killed worker's transaction: still pending,
    # no attempt recorded, the row free for the next sender.
    assert wait_for(lambda: is_unlocked(message), 30)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxMessage.PENDING, 0)

    outbox_worker.start()
    assert sweep_until_sent(message)  # the task died with the worker
    # At least once: the receiver saw the same event id twice and dedupes by it.
    assert hook.event_ids() == [str(message.event_id)] * 2


def test_redis_flushed_after_commit_is_still_delivered_by_the_sweep(
    outbox_settings, outbox_worker, receiver, redis_client
):
    outbox_worker.stop()  # nobody takes the task before the flush
    hook = receiver()
    message = enqueue(hook.url, "test.flushed")
    assert redis_client.llen(QUEUE) == 1
    redis_client.flushdb()
    outbox_worker.start()
    assert message.pk in outbox.due_ids()  # PostgreSQL still has it
    assert sweep_until_sent(message)
    assert hook.event_ids() == [str(message.event_id)]


def test_exhausting_the_retry_period_makes_it_dead(in_process, receiver):
    in_process.FLASH_OUTBOX_RETRY_FOR_SECONDS = 1.0
    hook = receiver([503] * 100)
    message = enqueue(hook.url, "test.dead")
    deadline = time.monotonic() + 20
    while state_of(message) == OutboxMessage.PENDING and time.monotonic() < deadline:
        outbox.deliver(message.pk)  # what the worker's task does, in-process
        time.sleep(0.05)
    message.refresh_from_db()
    assert message.state == OutboxMessage.DEAD
    assert message.last_error == "HTTP 503"
    assert 3 <= message.attempts == len(hook.requests)
    assert message.pk not in outbox.due_ids()  # the sweep leaves it alone
    assert message in outbox.failures()["dead"]

    # Re-sent from the console: three more days, delivered, same event id.
    hook.statuses.clear()
    outbox.resend(message.pk)
    assert outbox.deliver(message.pk).state == OutboxMessage.SENT
    assert hook.event_ids()[-1] == str(message.event_id)
    with pytest.raises(outbox.OutboxError) as refused:
        outbox.resend(message.pk)
    assert refused.value.code == outbox.OutboxError.ALREADY_SENT


def test_email_is_sent_through_the_django_mail_backend(in_process):
    outbox_settings = in_process
    outbox_settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    outbox_settings.DEFAULT_FROM_EMAIL = "flash@example.com"
    mail.outbox = []
    with transaction.atomic():
        message = outbox.enqueue_email(
            ["buyer@example.com"], "Your voucher", "Code FLASH-1", "voucher.issued"
        )
    assert outbox.deliver(message.pk).state == OutboxMessage.SENT
    assert outbox.deliver(message.pk).state is None  # sent once, not again
    (sent,) = mail.outbox
    assert sent.to == ["buyer@example.com"]
    assert sent.from_email == "flash@example.com"
    assert (sent.subject, sent.body) == ("Your voucher", "Code FLASH-1")
    assert sent.extra_headers["X-Flash-Event-Id"] == str(message.event_id)


def test_a_failing_mail_server_is_retried(in_process):
    outbox_settings = in_process
    # Nothing listens on port 9 of this host: the SMTP connection is refused.
    outbox_settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    outbox_settings.EMAIL_HOST, outbox_settings.EMAIL_PORT = "127.0.0.1", 9
    outbox_settings.EMAIL_USE_TLS = outbox_settings.EMAIL_USE_SSL = False
    with transaction.atomic():
        message = outbox.enqueue_email("buyer@example.com", "Hi", "Body")
    outcome = outbox.deliver(message.pk)
    message.refresh_from_db()
    assert outcome.state == OutboxMessage.PENDING and outcome.retry_in > 0
    assert message.attempts == 1 and "Connection" in message.last_error


def test_the_beat_sweeps_the_outbox():
    from django.conf import settings

    (entry,) = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "plugins.core.tasks.sweep_outbox_task"
    ]
    assert entry["schedule"] <= 60


def test_concurrent_deliveries_send_once(in_process, receiver):
    """The on-commit task, a retry and the sweep may all run for one message:
    the row lock (SKIP LOCKED) lets one send; the others find it taken or
    already sent."""
    from django.db import connection

    hook = receiver()
    hook.hold()  # keep the first sender inside its transaction a moment
    message = enqueue(hook.url, "test.raced")
    start = threading.Barrier(8)
    outcomes = []

    def racer():
        try:
            start.wait()
            outcomes.append(outbox.deliver(message.pk).state)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert hook.arrived.wait(10)
    time.sleep(0.3)  # the other seven have tried by now
    hook.release()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes, key=str) == [None] * 7 + [OutboxMessage.SENT]
    assert hook.event_ids() == [str(message.event_id)]


def test_a_redirect_is_a_failed_attempt(in_process, receiver):
    hook = receiver([302])
    message = enqueue(hook.url, "test.redirected")
    outcome = outbox.deliver(message.pk)
    assert outcome.state == OutboxMessage.PENDING
    message.refresh_from_db()
    assert message.last_error == "HTTP 302" and len(hook.requests) == 1

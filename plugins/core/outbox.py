"""The outbox: webhooks and e-mails leave through rows written in the
caller's transaction, so nothing is sent for a change that rolled back and
nothing is lost for one that committed.

- ``enqueue_webhook`` / ``enqueue_email`` write a pending ``OutboxMessage``
  and, on commit, queue ``deliver_outbox_message_task`` with its id.
- ``deliver`` locks the row (``SKIP LOCKED``: one sender at a time), sends,
  and marks it sent, or schedules the next attempt (exponential backoff,
  ``retry_schedule``) until three days have passed: then it is dead.
- ``sweep`` (Celery beat, every ``FLASH_OUTBOX_SWEEP_SECONDS``) queues every
  due pending message again: a task lost with a killed worker or a flushed
  Redis is sent anyway. PostgreSQL is the truth.
- ``resend`` (console) puts a dead message back in the queue.

Delivery is at least once (a worker killed after the receiver answered but
before the row was marked sent sends again): receivers dedupe by event id.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Dict, List, Optional, Sequence, Union

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import retry_schedule, transport
from .errors import ServiceRefusal
from .models import OutboxMessage

logger = logging.getLogger(__name__)

# Retries due sooner than this are queued with a countdown by the worker;
# later ones are left to the sweep (Redis' visibility timeout redelivers
# long-countdown tasks, and PostgreSQL keeps the schedule anyway).
COUNTDOWN_LIMIT_SECONDS = 300
SWEEP_BATCH = 500
RESERVED_BODY_KEYS = ("event_id", "event_type")


class OutboxError(ServiceRefusal):
    """A console action refused, with nothing changed."""

    NOT_FOUND = "not_found"
    ALREADY_SENT = "already_sent"


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt did; ``retry_in`` = seconds to the next."""

    state: Optional[str]  # None: not due, already sent, or another sender has it
    retry_in: Optional[float] = None


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def backoff_seconds() -> float:
    return float(_setting("FLASH_OUTBOX_BACKOFF_SECONDS", 30))


def backoff_cap_seconds() -> float:
    return float(_setting("FLASH_OUTBOX_BACKOFF_CAP_SECONDS", 6 * 3600))


def retry_for() -> timedelta:
    return timedelta(seconds=float(_setting("FLASH_OUTBOX_RETRY_FOR_SECONDS", 259200)))


def queue_name() -> Optional[str]:
    return _setting("FLASH_OUTBOX_QUEUE", "") or None


def enqueue_webhook(
    url: str,
    secret: Union[str, Sequence[str]],
    event_type: str,
    payload: Dict[str, Any],
) -> OutboxMessage:
    """Write a signed webhook to the outbox, in the caller's transaction.

    The body is ``payload`` plus ``event_id`` and ``event_type``; ``secret``
    may be several secrets while one is being rotated (one ``v1`` each).
    """
    secrets = [secret] if isinstance(secret, str) else list(secret)
    if not url or not any(secrets):
        raise ValueError("a webhook needs a URL and a signing secret")
    clash = [key for key in RESERVED_BODY_KEYS if key in payload]
    if clash:
        raise ValueError(f"payload keys reserved by the outbox: {clash}")
    message = OutboxMessage(
        kind=OutboxMessage.WEBHOOK,
        event_type=event_type,
        url=url,
        secrets=[s for s in secrets if s],
    )
    envelope = {"event_id": str(message.event_id), "event_type": event_type}
    message.body = json.dumps({**envelope, **payload}, sort_keys=True, default=str)
    return _enqueue(message)


def enqueue_email(
    to: Union[str, Sequence[str]],
    subject: str,
    body: str,
    event_type: str = "email",
    from_email: str = "",
) -> OutboxMessage:
    """Write an e-mail to the outbox, in the caller's transaction; it is sent
    with Django's mail settings (``EMAIL_URL``, ``DEFAULT_FROM_EMAIL``)."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise ValueError("an e-mail needs a recipient")
    message = OutboxMessage(
        kind=OutboxMessage.EMAIL,
        event_type=event_type,
        recipients=recipients,
        subject=subject,
        from_email=from_email,
        body=body,
    )
    return _enqueue(message)


def _enqueue(message: OutboxMessage) -> OutboxMessage:
    now = timezone.now()
    message.created_at = message.retry_from = message.next_attempt_at = now
    message.save()
    message_id = message.pk
    transaction.on_commit(lambda: dispatch(message_id))
    return message


def dispatch(message_id: int, countdown: Optional[float] = None) -> bool:
    """Queue a delivery task; a failure here (Redis down) is left to the sweep."""
    from .tasks import deliver_outbox_message_task

    try:
        deliver_outbox_message_task.apply_async(
            (message_id,), countdown=countdown, queue=queue_name()
        )
    except Exception as error:  # the row is committed: the sweep will send it
        logger.warning("outbox message %s not queued (%s); sweep", message_id, error)
        return False
    return True


def deliver(message_id: int) -> Outcome:
    """Try to send one due message once (holding its row lock while sending)."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(
                pk=message_id,
                state=OutboxMessage.PENDING,
                next_attempt_at__lte=timezone.now(),
            )
            .first()
        )
        if message is None:
            return Outcome(None)
        error = transport.send(message)
        now = timezone.now()
        message.attempts += 1
        message.last_attempt_at = now
        retry_in = None
        if error is None:
            message.state = OutboxMessage.SENT
            message.sent_at = now
        else:
            message.last_error = error[:2000]
            at = retry_schedule.next_attempt_at(
                now,
                message.attempts,
                message.retry_from,
                backoff_seconds(),
                backoff_cap_seconds(),
                retry_for(),
            )
            if at is None:
                message.state = OutboxMessage.DEAD
                logger.error("outbox message %s is dead: %s", message.event_id, error)
            else:
                message.next_attempt_at = at
                retry_in = max(0.0, (at - now).total_seconds())
        message.save(
            update_fields=[
                "state",
                "attempts",
                "last_attempt_at",
                "sent_at",
                "last_error",
                "next_attempt_at",
            ]
        )
    return Outcome(message.state, retry_in)


def due_ids(limit: int = SWEEP_BATCH) -> List[int]:
    return list(
        OutboxMessage.objects.filter(
            state=OutboxMessage.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def sweep(limit: int = SWEEP_BATCH) -> int:
    """Queue a delivery for every due pending message (the beat entry).

    A message whose task is still queued gets a second one: harmless, the
    row lock and the due check let only one of them send.
    """
    ids = due_ids(limit)
    for message_id in ids:
        dispatch(message_id)
    return len(ids)


def resend(message_id: int) -> OutboxMessage:
    """Put a dead (or failing) message back in the queue now, with three
    more days of retries; the receiver sees the same event id again."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        )
        if message is None:
            raise OutboxError(OutboxError.NOT_FOUND, "No such outbox message.")
        if message.state == OutboxMessage.SENT:
            raise OutboxError(OutboxError.ALREADY_SENT, "Already delivered.")
        now = timezone.now()
        message.state = OutboxMessage.PENDING
        message.retry_from = message.next_attempt_at = now
        message.save(update_fields=["state", "retry_from", "next_attempt_at"])
        transaction.on_commit(lambda: dispatch(message_id))
    return message


def failures(limit: int = 100) -> Dict[str, List[OutboxMessage]]:
    """Dead letters and pending messages that failed at least once, newest
    failure first (the console page)."""
    recent = OutboxMessage.objects.order_by("-last_attempt_at", "-pk")
    return {
        "dead": list(recent.filter(state=OutboxMessage.DEAD)[:limit]),
        "failing": list(
            recent.filter(state=OutboxMessage.PENDING, attempts__gt=0)[:limit]
        ),
    }

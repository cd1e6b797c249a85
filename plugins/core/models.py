"""The outbox: everything sent to another system, written in the caller's
transaction and delivered after it commits (``plugins/core/outbox.py``)."""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    WEBHOOK = "webhook"
    EMAIL = "email"
    KINDS = [(WEBHOOK, "Webhook"), (EMAIL, "E-mail")]

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"
    STATES = [(PENDING, "Pending"), (SENT, "Sent"), (DEAD, "Dead")]

    # Sent as a header and in the body: the receiver's deduplication key
    # (delivery is at least once).
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=KINDS)
    event_type = models.CharField(max_length=128)
    # Webhook: the URL and the signing secrets (several while rotating).
    url = models.URLField(max_length=2000, blank=True)
    secrets = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    # E-mail: recipients, subject, sender ("" = DEFAULT_FROM_EMAIL).
    recipients = ArrayField(models.CharField(max_length=254), default=list, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    from_email = models.CharField(max_length=254, blank=True)
    # The exact bytes sent (JSON for a webhook, text for an e-mail).
    body = models.TextField()

    state = models.CharField(max_length=8, choices=STATES, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # Retries stop three days after this (the enqueue, or the last re-send).
    retry_from = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ("pk",)
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state="pending"),
                name="flash_outbox_due",
            ),
            models.Index(
                fields=["state", "-last_attempt_at"], name="flash_outbox_state"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_type} {self.event_id} ({self.state})"

"""The channel API's memory (``/points/v1/``): request nonces and
idempotency records, both in PostgreSQL with unique constraints, so that
neither a Redis flush nor a second API process can let a request count twice."""

import uuid

from django.db import models
from django.utils import timezone

__all__ = ["ApiNonce", "IdempotencyRecord"]


class ApiNonce(models.Model):
    """A signed request's ``X-Flash-Nonce``, accepted once per channel.

    Kept until its timestamp leaves the ±300 s window (``expires_at``); a
    request that old is refused for its timestamp, so the beat purge
    (``api_idempotency.purge_expired``) opens no replay.
    """

    channel = models.ForeignKey(
        "channel_pricing.Channel",
        related_name="+",
        on_delete=models.CASCADE,
        db_index=False,  # first in the unique key
    )
    nonce = models.CharField(max_length=128)
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "nonce"], name="points_api_nonce_once"
            )
        ]


class IdempotencyRecord(models.Model):
    """One ``Idempotency-Key`` of one channel and the first response to it.

    Inserted (state ``in_flight``) in its own committed transaction before
    the request runs: the unique key makes every other attempt with that key,
    in any process, wait for it (409) or replay it. The response is stored in
    the transaction of the request's effect, by the attempt that owns the
    record (``attempt``), so effect and stored response commit together.
    """

    IN_FLIGHT = "in_flight"
    DONE = "done"
    STATES = [(IN_FLIGHT, "In flight"), (DONE, "Done")]

    channel = models.ForeignKey(
        "channel_pricing.Channel",
        related_name="+",
        on_delete=models.CASCADE,
        db_index=False,  # first in the unique key
    )
    key = models.CharField(max_length=255)
    # SHA-256 of method, path with query and body: "the same request".
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=STATES, default=IN_FLIGHT)
    # The attempt running the request; a stale one (its process died) is
    # taken over by a retry (``FLASH_POINTS_IDEMPOTENCY_STALE_SECONDS``).
    attempt = models.UUIDField(default=uuid.uuid4)
    attempt_started_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "key"], name="points_api_idempotency_key_once"
            )
        ]

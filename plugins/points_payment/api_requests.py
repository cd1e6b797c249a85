"""Use cases behind every channel API request: who is calling (signature,
timestamp, nonce, channel state) and the ``Idempotency-Key`` of a POST.

PostgreSQL decides both: a nonce row and an idempotency record are inserted
under unique constraints, so any number of API processes agree, and a Redis
flush opens no replay. The beat purges both (``purge_expired``).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Callable, Iterable, List, Mapping, Optional, Tuple, Union

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from plugins.channel_pricing import services as channel_services
from plugins.channel_pricing.domain import ChannelStatus

from . import request_signing as signing
from .api_errors import (
    ApiErrorCode,
    ApiRefusal,
    ErrorType,
    bad_request,
    forbidden,
    unauthenticated,
)
from .models import ApiNonce, IdempotencyRecord, PointsProgram

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = 255
# A nonce is kept past the window's end by this margin (clock differences
# between API processes).
NONCE_MARGIN_SECONDS = 60


def idempotency_retention() -> timedelta:
    return timedelta(
        hours=float(getattr(settings, "FLASH_POINTS_IDEMPOTENCY_RETENTION_HOURS", 24))
    )


def stale_after() -> timedelta:
    """An attempt running this long is taken to be dead (its worker was
    killed): a retry with the same key takes it over. The ledger's transfer
    id (derived from the key) keeps a late first attempt from a second effect."""
    return timedelta(
        seconds=float(getattr(settings, "FLASH_POINTS_IDEMPOTENCY_STALE_SECONDS", 90))
    )


# --- who is calling -------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """A channel whose signed request was accepted."""

    channel_id: int
    channel_slug: str


def _header(headers: Mapping[str, str], name: str) -> str:
    value = (headers.get(name) or "").strip()
    if not value:
        raise unauthenticated(
            ApiErrorCode.AUTHENTICATION_REQUIRED,
            f"The {name} header is required (docs/api.md 'Channel API').",
            name,
        )
    return value


def _valid_secrets(program: PointsProgram, now: datetime) -> List[str]:
    secrets = [program.api_secret]
    until = program.api_secret_previous_until
    if program.api_secret_previous and until is not None and until > now:
        secrets.append(program.api_secret_previous)
    return [secret for secret in secrets if secret]


def _signed_by_another_channel(
    program: PointsProgram, parts: tuple, signatures: List[str], now: datetime
) -> bool:
    """Only on the refusal path: does a valid secret of another channel fit?"""
    others = PointsProgram.objects.exclude(pk=program.pk).only(
        "api_secret", "api_secret_previous", "api_secret_previous_until"
    )
    expected = [
        signing.compute(secret, *parts)
        for other in others.iterator()
        for secret in _valid_secrets(other, now)
    ]
    return signing.matches(expected, signatures)


def authenticate(
    headers: Mapping[str, str],
    method: str,
    path_with_query: str,
    body: bytes,
    now: Optional[float] = None,
) -> Caller:
    """The calling channel, or ApiRefusal (401/403) with nothing changed.

    Checks, in order: the four headers; the timestamp (±300 s); the channel
    (unknown, or without points); the signature against the channel's valid
    secrets (else: made with another channel's secret, or invalid); the
    channel's state (suspended, points switched off); last the nonce, stored
    once per channel, so a refused request uses up no nonce.
    """
    slug = _header(headers, signing.CHANNEL_HEADER)
    raw_timestamp = _header(headers, signing.TIMESTAMP_HEADER)
    nonce = _header(headers, signing.NONCE_HEADER)
    raw_signature = _header(headers, signing.SIGNATURE_HEADER)

    now_s = timezone.now().timestamp() if now is None else now
    now_dt = datetime.fromtimestamp(now_s, tz=dt_timezone.utc)
    timestamp = signing.parse_timestamp(raw_timestamp)
    if timestamp is None:
        raise unauthenticated(
            ApiErrorCode.AUTHENTICATION_REQUIRED,
            "X-Flash-Timestamp must be the request's time in Unix seconds.",
            signing.TIMESTAMP_HEADER,
        )
    if not signing.timestamp_in_window(timestamp, now_s):
        raise unauthenticated(
            ApiErrorCode.TIMESTAMP_OUTSIDE_WINDOW,
            "X-Flash-Timestamp is more than 300 seconds from our clock.",
            signing.TIMESTAMP_HEADER,
        )
    if not signing.valid_nonce(nonce):
        raise unauthenticated(
            ApiErrorCode.AUTHENTICATION_REQUIRED,
            "X-Flash-Nonce must be 8 to 128 characters of A-Z a-z 0-9 . _ ~ : + / = -.",
            signing.NONCE_HEADER,
        )
    signatures = signing.parse_signatures(raw_signature)
    if signatures is None:
        raise unauthenticated(
            ApiErrorCode.INVALID_SIGNATURE,
            "X-Flash-Signature must be v1=<hex HMAC-SHA256>.",
            signing.SIGNATURE_HEADER,
        )

    program = _program(slug)
    parts = (raw_timestamp, nonce, method, path_with_query, body)
    expected = [
        signing.compute(secret, *parts) for secret in _valid_secrets(program, now_dt)
    ]
    if not signing.matches(expected, signatures):
        if _signed_by_another_channel(program, parts, signatures, now_dt):
            raise unauthenticated(
                ApiErrorCode.OTHER_CHANNEL_SECRET,
                "The request is signed with another channel's API secret.",
                signing.SIGNATURE_HEADER,
            )
        raise unauthenticated(
            ApiErrorCode.INVALID_SIGNATURE,
            "The signature does not match the request and the channel's API secret.",
            signing.SIGNATURE_HEADER,
        )
    if program.channel.status == ChannelStatus.SUSPENDED:
        raise forbidden(ApiErrorCode.CHANNEL_SUSPENDED, "The channel is suspended.")
    if not program.enabled:
        raise forbidden(
            ApiErrorCode.POINTS_NOT_ENABLED, "Points are not enabled for the channel."
        )
    _use_nonce(program.channel_id, nonce, timestamp)
    return Caller(channel_id=program.channel_id, channel_slug=program.channel.slug)


def _program(slug: str) -> PointsProgram:
    from . import services

    program = services.program_by_slug(slug)
    if program is not None:
        return program
    if channel_services.channel_ids_by_slug([slug]):
        raise forbidden(
            ApiErrorCode.POINTS_NOT_ENABLED, "Points are not enabled for the channel."
        )
    raise unauthenticated(
        ApiErrorCode.UNKNOWN_CHANNEL,
        "No channel has this slug.",
        signing.CHANNEL_HEADER,
    )


def _use_nonce(channel_id: int, nonce: str, timestamp: int) -> None:
    """Store the nonce in its own committed transaction; a second use, in
    any process, hits the unique constraint."""
    keep_until = max(timestamp, int(timezone.now().timestamp()))
    expires_at = datetime.fromtimestamp(
        keep_until + signing.TOLERANCE_SECONDS + NONCE_MARGIN_SECONDS,
        tz=dt_timezone.utc,
    )
    try:
        with transaction.atomic():
            ApiNonce.objects.create(
                channel_id=channel_id, nonce=nonce, expires_at=expires_at
            )
    except IntegrityError:
        raise unauthenticated(
            ApiErrorCode.NONCE_REUSED,
            "This X-Flash-Nonce was already used: every request needs a new one.",
            signing.NONCE_HEADER,
        ) from None


# --- idempotency ----------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """This attempt owns the key: it runs the request and stores the answer."""

    record_id: int
    attempt: uuid.UUID


@dataclass(frozen=True)
class StoredResponse:
    status: int
    content_type: str
    body: bytes


def check_idempotency_key(value: Optional[str]) -> str:
    if value is None or value == "":
        raise bad_request(
            ApiErrorCode.IDEMPOTENCY_KEY_MISSING,
            "Every POST needs an Idempotency-Key header (at most 255 characters).",
            IDEMPOTENCY_KEY_HEADER,
        )
    if len(value) > IDEMPOTENCY_KEY_MAX_LENGTH or not value.isprintable():
        raise bad_request(
            ApiErrorCode.IDEMPOTENCY_KEY_INVALID,
            "An Idempotency-Key is 1 to 255 printable characters.",
            IDEMPOTENCY_KEY_HEADER,
        )
    return value


def fingerprint(method: str, path_with_query: str, body: bytes) -> str:
    """What makes two requests "the same": method, path with query, body."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path_with_query.encode("utf-8"), body or b""):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def transfer_id_for(key: str) -> str:
    """The ledger's transfer id for an API key: namespaced, so keys of the
    API never collide with the gateway's ids, and of fixed length."""
    return "api:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def _in_use() -> ApiRefusal:
    return ApiRefusal(
        409,
        ErrorType.IDEMPOTENCY,
        ApiErrorCode.IDEMPOTENCY_KEY_IN_USE,
        "A request with this Idempotency-Key is still running; retry later.",
        IDEMPOTENCY_KEY_HEADER,
    )


def _reused() -> ApiRefusal:
    return ApiRefusal(
        422,
        ErrorType.IDEMPOTENCY,
        ApiErrorCode.IDEMPOTENCY_KEY_REUSED,
        "This Idempotency-Key was used with another request (method, path or body).",
        IDEMPOTENCY_KEY_HEADER,
    )


def claim(
    channel_id: int, key: str, request_fingerprint: str
) -> Union[Claim, StoredResponse]:
    """Own ``key`` for this request, or the first answer to replay.

    Raises ApiRefusal 422 (the key's first request was another one) or 409
    (it is still running). An attempt older than ``stale_after()`` is taken
    over: its process died before answering.
    """
    for _ in range(5):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    channel_id=channel_id, key=key, fingerprint=request_fingerprint
                )
            return Claim(record.pk, record.attempt)
        except IntegrityError:
            pass
        record = IdempotencyRecord.objects.filter(
            channel_id=channel_id, key=key
        ).first()
        if record is None:  # released in between: try to insert again
            continue
        if record.fingerprint != request_fingerprint:
            raise _reused()
        if record.state == IdempotencyRecord.DONE:
            return _stored(record)
        now = timezone.now()
        if record.attempt_started_at > now - stale_after():
            raise _in_use()
        attempt = uuid.uuid4()
        # Waits while the old attempt still holds the row (it is alive after
        # all), then finds it done and replays it on the next turn.
        taken = IdempotencyRecord.objects.filter(
            pk=record.pk, attempt=record.attempt, state=IdempotencyRecord.IN_FLIGHT
        ).update(attempt=attempt, attempt_started_at=now)
        if taken:
            return Claim(record.pk, attempt)
    raise _in_use()


def _stored(record: IdempotencyRecord) -> StoredResponse:
    return StoredResponse(
        status=record.status_code,
        content_type=record.content_type,
        body=bytes(record.body),
    )


def run_claimed(
    owned: Claim, work: Callable[[], Tuple[int, str, bytes]]
) -> StoredResponse:
    """Run ``work`` (the request's effect, returning its response) and store
    the response, in one transaction, as the key's owner.

    If another attempt took the key over meanwhile, nothing is done and the
    caller gets 409: only the owner's effect commits.
    """
    with transaction.atomic():
        record = (
            IdempotencyRecord.objects.select_for_update()
            .filter(
                pk=owned.record_id,
                attempt=owned.attempt,
                state=IdempotencyRecord.IN_FLIGHT,
            )
            .first()
        )
        if record is None:
            raise _in_use()
        status, content_type, body = work()
        record.state = IdempotencyRecord.DONE
        record.status_code = status
        record.content_type = content_type
        record.body = body
        record.completed_at = timezone.now()
        record.save(
            update_fields=[
                "state",
                "status_code",
                "content_type",
                "body",
                "completed_at",
            ]
        )
    return StoredResponse(status, content_type, body)


def release(owned: Claim) -> None:
    """Give the key back (the request was invalid, or failed on our side):
    a retry runs afresh."""
    IdempotencyRecord.objects.filter(
        pk=owned.record_id,
        attempt=owned.attempt,
        state=IdempotencyRecord.IN_FLIGHT,
    ).delete()


# --- housekeeping ---------------------------------------------------------


def purge_expired(now: Optional[datetime] = None) -> Tuple[int, int]:
    """Beat: forget nonces past their window and idempotency records older
    than the retention (24 h by default). ``(nonces, records)`` deleted."""
    now = now or timezone.now()
    nonces, _ = ApiNonce.objects.filter(expires_at__lt=now).delete()
    records, _ = IdempotencyRecord.objects.filter(
        created_at__lt=now - idempotency_retention()
    ).delete()
    return nonces, records


def headers_of(meta: Mapping[str, str], names: Iterable[str]) -> dict:
    """The named HTTP headers out of a WSGI environ."""
    return {
        name: meta.get("HTTP_" + name.upper().replace("-", "_"), "") for name in names
    }

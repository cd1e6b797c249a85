"""Use cases behind every channel API request: who is calling (signature,
timestamp, nonce, channel state) and the ``Idempotency-Key`` of a POST.

PostgreSQL decides both: a nonce row and an idempotency record are inserted
under unique constraints, so any number of API processes agree, and a Redis
flush opens no replay. A POST is one transaction (``open_post``: the
credentials, the nonce and the key in one statement; the effect;
``store_answer``; one commit): its nonce, its effect and its stored answer
commit together or not at all, and a request whose process dies leaves
nothing behind. A GET stores its nonce in one statement (``authenticate``).
The beat purges both (``purge_expired``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Iterable, List, Mapping, Optional, Tuple, Union

from django.conf import settings
from django.db import connection
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
from .programs import (
    CREDENTIAL_COLUMNS,
    CREDENTIALS_BY_SLUG,
    ApiCredentials,
    credentials_by_slug,
)
from .records import ProgramState

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
    """A record left ``in_flight`` by the earlier two-transaction scheme and
    older than this is taken to be dead (its worker was killed) and dropped.
    Records written now are always ``done`` (the answer commits with the
    effect)."""
    return timedelta(
        seconds=float(getattr(settings, "FLASH_POINTS_IDEMPOTENCY_STALE_SECONDS", 90))
    )


# --- who is calling -------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """A channel whose signed request was accepted: its program as read
    once for this request, and the request's nonce (stored by
    ``use_nonce``, or by ``open_key`` in a POST's transaction)."""

    channel_id: int
    channel_slug: str
    program: ProgramState
    nonce: str
    nonce_expires_at: datetime


def _header(headers: Mapping[str, str], name: str) -> str:
    value = (headers.get(name) or "").strip()
    if not value:
        raise unauthenticated(
            ApiErrorCode.AUTHENTICATION_REQUIRED,
            f"The {name} header is required (docs/api.md 'Channel API').",
            name,
        )
    return value


def _valid_secrets(
    program: Union[PointsProgram, ApiCredentials], now: datetime
) -> List[str]:
    secrets = [program.api_secret]
    until = program.api_secret_previous_until
    if program.api_secret_previous and until is not None and until > now:
        secrets.append(program.api_secret_previous)
    return [secret for secret in secrets if secret]


def _signed_by_another_channel(
    program: ApiCredentials, parts: tuple, signatures: List[str], now: datetime
) -> bool:
    """Only on the refusal path: does a valid secret of another channel fit?"""
    others = PointsProgram.objects.exclude(pk=program.program_id).only(
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
    """The calling channel, its nonce stored, or ApiRefusal (401/403) with
    nothing changed (``verify``, then ``use_nonce``)."""
    caller = verify(headers, method, path_with_query, body, now)
    use_nonce(caller)
    return caller


def verify(
    headers: Mapping[str, str],
    method: str,
    path_with_query: str,
    body: bytes,
    now: Optional[float] = None,
) -> Caller:
    """The calling channel, or ApiRefusal (401/403); reads only the program.

    Checks, in order: the four headers; the timestamp (±300 s); the channel
    (unknown, or without points); the signature against the channel's valid
    secrets (else: made with another channel's secret, or invalid); the
    channel's state (suspended, points switched off). The nonce is stored
    after this (``use_nonce``, ``open_key``), so a refused request uses up
    no nonce.
    """
    signed = _signed(headers, now)
    return _accept(
        credentials_by_slug(signed.slug), signed, method, path_with_query, body
    )


@dataclass(frozen=True)
class _SignedRequest:
    """The authentication headers, checked for form (no database)."""

    slug: str
    raw_timestamp: str
    nonce: str
    signatures: List[str]
    timestamp: int
    now_s: float

    @property
    def nonce_expires_at(self) -> datetime:
        keep_until = max(self.timestamp, int(self.now_s))
        return datetime.fromtimestamp(
            keep_until + signing.TOLERANCE_SECONDS + NONCE_MARGIN_SECONDS,
            tz=dt_timezone.utc,
        )


def _signed(headers: Mapping[str, str], now: Optional[float]) -> _SignedRequest:
    slug = _header(headers, signing.CHANNEL_HEADER)
    raw_timestamp = _header(headers, signing.TIMESTAMP_HEADER)
    nonce = _header(headers, signing.NONCE_HEADER)
    raw_signature = _header(headers, signing.SIGNATURE_HEADER)

    now_s = timezone.now().timestamp() if now is None else now
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
    return _SignedRequest(slug, raw_timestamp, nonce, signatures, timestamp, now_s)


def _accept(
    program: Optional[ApiCredentials],
    signed: _SignedRequest,
    method: str,
    path_with_query: str,
    body: bytes,
) -> Caller:
    """The caller, if ``program`` (read by the slug) accepts the signature."""
    if program is None:
        _no_program(signed.slug)
    now_dt = datetime.fromtimestamp(signed.now_s, tz=dt_timezone.utc)
    parts = (signed.raw_timestamp, signed.nonce, method, path_with_query, body)
    expected = [
        signing.compute(secret, *parts) for secret in _valid_secrets(program, now_dt)
    ]
    if not signing.matches(expected, signed.signatures):
        if _signed_by_another_channel(program, parts, signed.signatures, now_dt):
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
    if program.channel_status == ChannelStatus.SUSPENDED:
        raise forbidden(ApiErrorCode.CHANNEL_SUSPENDED, "The channel is suspended.")
    if not program.enabled:
        raise forbidden(
            ApiErrorCode.POINTS_NOT_ENABLED, "Points are not enabled for the channel."
        )
    return Caller(
        channel_id=program.channel_id,
        channel_slug=program.channel_slug,
        program=ProgramState(
            channel_id=program.channel_id, enabled=program.enabled, mode=program.mode
        ),
        nonce=signed.nonce,
        nonce_expires_at=signed.nonce_expires_at,
    )


def _no_program(slug: str) -> None:
    """Refuse a slug without a points program: a channel without points, or
    no channel at all."""
    if channel_services.channel_ids_by_slug([slug]):
        raise forbidden(
            ApiErrorCode.POINTS_NOT_ENABLED, "Points are not enabled for the channel."
        )
    raise unauthenticated(
        ApiErrorCode.UNKNOWN_CHANNEL,
        "No channel has this slug.",
        signing.CHANNEL_HEADER,
    )


def _nonce_reused() -> ApiRefusal:
    return unauthenticated(
        ApiErrorCode.NONCE_REUSED,
        "This X-Flash-Nonce was already used: every request needs a new one.",
        signing.NONCE_HEADER,
    )


_INSERT_NONCE = (
    f"INSERT INTO {ApiNonce._meta.db_table} (channel_id, nonce, expires_at, "
    "created_at) VALUES (%(channel)s, %(nonce)s, %(expires_at)s, now()) "
    "ON CONFLICT (channel_id, nonce) DO NOTHING RETURNING 1"
)


def use_nonce(caller: Caller) -> None:
    """Store the request's nonce (one statement; committed at once outside a
    transaction); a second use, in any process, finds it: 401."""
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_NONCE, _nonce_params(caller))
        if cursor.fetchone() is None:
            raise _nonce_reused()


def _nonce_params(caller: Caller) -> dict:
    return {
        "channel": caller.channel_id,
        "nonce": caller.nonce,
        "expires_at": caller.nonce_expires_at,
    }


# --- idempotency ----------------------------------------------------------


@dataclass(frozen=True)
class StoredResponse:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class OpenedKey:
    """What ``open_key`` found: nothing (run the request), the first answer
    to replay, or a refusal to answer without storing it (409, 422)."""

    stored: Optional[StoredResponse] = None
    refusal: Optional[ApiRefusal] = None


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


def in_use() -> ApiRefusal:
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


_KEY_COLUMNS = (
    "EXISTS (SELECT 1 FROM nonce), "
    "pg_try_advisory_xact_lock(%(channel)s, hashtext('points-api:' || %(key)s)), "
    "r.fingerprint, r.state, r.attempt_started_at, r.status_code, "
    "r.content_type, r.body"
)
_RECORD_JOIN = (
    f"LEFT JOIN {IdempotencyRecord._meta.db_table} r "
    "ON r.channel_id = %(channel)s AND r.key = %(key)s"
)
_OPEN_KEY = (
    f"WITH nonce AS ({_INSERT_NONCE}) "
    f"SELECT {_KEY_COLUMNS} FROM (SELECT 1) AS one {_RECORD_JOIN}"
)
# The same, for a caller not yet verified: its credentials by the slug, the
# nonce inserted for the program's channel (rolled back if the signature
# or the channel's state refuses the request).
_OPEN_POST = (
    f"WITH program AS ({CREDENTIALS_BY_SLUG}), "
    f"nonce AS (INSERT INTO {ApiNonce._meta.db_table} (channel_id, nonce, "
    "expires_at, created_at) SELECT channel_id, %(nonce)s, %(expires_at)s, now() "
    "FROM program ON CONFLICT (channel_id, nonce) DO NOTHING RETURNING 1) "
    "SELECT program.*, "
    + _KEY_COLUMNS.replace("%(channel)s", "program.channel_id")
    + " FROM program "
    + _RECORD_JOIN.replace("%(channel)s", "program.channel_id")
)


def open_key(caller: Caller, key: str, request_fingerprint: str) -> OpenedKey:
    """Start a POST of a verified caller, inside its transaction, in one
    statement: store the nonce (else ApiRefusal 401 ``nonce_reused``), take
    the key's advisory lock for the transaction without waiting, read the
    key's record.

    A stored answer is replayed (whoever holds the lock: replays of a done
    key never wait on each other), another request's key is 422; a key
    whose lock another transaction holds is in flight: 409. Otherwise this
    transaction owns the key until it commits (``store_answer``) or rolls
    back (the key is free again, nothing stored). Two requests that slip
    past the lock together (a record committed between this statement's
    snapshot and its lock) meet at the record's unique index.
    """
    params = _nonce_params(caller)
    params["key"] = key
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_KEY, params)
        row = cursor.fetchone()
    return _opened(caller, key, request_fingerprint, row)


def open_post(
    headers: Mapping[str, str],
    method: str,
    path_with_query: str,
    body: bytes,
    key: str,
    request_fingerprint: str,
) -> Tuple[Caller, OpenedKey]:
    """``verify`` and ``open_key`` in one statement, inside the POST's
    transaction: ApiRefusal (401/403) must roll it back (the nonce it
    inserted goes with it: a refused request uses up no nonce)."""
    signed = _signed(headers, None)
    with connection.cursor() as cursor:
        cursor.execute(
            _OPEN_POST,
            {
                "slug": signed.slug,
                "nonce": signed.nonce,
                "expires_at": signed.nonce_expires_at,
                "key": key,
            },
        )
        row = cursor.fetchone()
    program = ApiCredentials(*row[:CREDENTIAL_COLUMNS]) if row else None
    caller = _accept(program, signed, method, path_with_query, body)
    return caller, _opened(caller, key, request_fingerprint, row[CREDENTIAL_COLUMNS:])


def _opened(caller: Caller, key: str, request_fingerprint: str, row) -> OpenedKey:
    (
        nonce_stored,
        locked,
        fingerprint_,
        state,
        started_at,
        status,
        content_type,
        body,
    ) = row
    if not nonce_stored:
        raise _nonce_reused()
    if fingerprint_ is not None and fingerprint_ != request_fingerprint:
        return OpenedKey(refusal=_reused())
    if state == IdempotencyRecord.DONE:
        return OpenedKey(stored=StoredResponse(status, content_type, bytes(body)))
    if not locked:
        return OpenedKey(refusal=in_use())
    if state == IdempotencyRecord.IN_FLIGHT:
        # Left by the earlier scheme: alive if recent, else dead: dropped.
        if started_at > timezone.now() - stale_after():
            return OpenedKey(refusal=in_use())
        IdempotencyRecord.objects.filter(
            channel_id=caller.channel_id, key=key, state=IdempotencyRecord.IN_FLIGHT
        ).delete()
    return OpenedKey()


_STORE_ANSWER = (
    f"INSERT INTO {IdempotencyRecord._meta.db_table} (channel_id, key, "
    "fingerprint, state, attempt, attempt_started_at, status_code, "
    "content_type, body, created_at, completed_at) VALUES (%s, %s, %s, %s, "
    "gen_random_uuid(), now(), %s, %s, %s, now(), now())"
)


def store_answer(
    channel_id: int,
    key: str,
    request_fingerprint: str,
    status: int,
    content_type: str,
    body: bytes,
) -> None:
    """Keep the answer to ``key`` in the transaction of its effect (after
    ``open_key``). IntegrityError: another attempt stored one first (roll
    back and replay it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _STORE_ANSWER,
            [
                channel_id,
                key,
                request_fingerprint,
                IdempotencyRecord.DONE,
                status,
                content_type,
                body,
            ],
        )


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

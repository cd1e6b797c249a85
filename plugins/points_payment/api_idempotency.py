"""The ``Idempotency-Key`` of a channel API POST.

A POST is one transaction (``open_post``: the caller's credentials, its
nonce and the key in one statement; the effect; ``store_answer``; one
commit): its nonce, its effect and its stored answer commit together or not
at all, and a request whose process dies leaves nothing behind. The answer
is stored under a unique constraint, so any number of API processes agree.
The beat purges old records and nonces (``purge_expired``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping, Optional, Tuple

from django.conf import settings
from django.db import connection
from django.utils import timezone

from . import api_callers as callers
from .api_errors import ApiErrorCode, ApiRefusal, ErrorType, bad_request
from .models import ApiNonce, IdempotencyRecord
from .programs import CREDENTIAL_COLUMNS, CREDENTIALS_BY_SLUG, ApiCredentials

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = 255


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
    f"WITH nonce AS ({callers.INSERT_NONCE}) "
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


def open_key(caller: callers.Caller, key: str, request_fingerprint: str) -> OpenedKey:
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
    params = callers.nonce_params(caller)
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
) -> Tuple[callers.Caller, OpenedKey]:
    """``verify`` and ``open_key`` in one statement, inside the POST's
    transaction: ApiRefusal (401/403) must roll it back (the nonce it
    inserted goes with it: a refused request uses up no nonce)."""
    signed = callers.signed_request(headers, None)
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
    caller = callers.accept(program, signed, method, path_with_query, body)
    return caller, _opened(caller, key, request_fingerprint, row[CREDENTIAL_COLUMNS:])


def _opened(
    caller: callers.Caller, key: str, request_fingerprint: str, row
) -> OpenedKey:
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
        raise callers.nonce_reused()
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


def purge_expired(now: Optional[datetime] = None) -> Tuple[int, int]:
    """Beat: forget nonces past their window and idempotency records older
    than the retention (24 h by default). ``(nonces, records)`` deleted."""
    now = now or timezone.now()
    nonces, _ = ApiNonce.objects.filter(expires_at__lt=now).delete()
    records, _ = IdempotencyRecord.objects.filter(
        created_at__lt=now - idempotency_retention()
    ).delete()
    return nonces, records

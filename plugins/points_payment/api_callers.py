"""Who is calling the channel API: the four signed headers (channel,
timestamp, nonce, signature), the channel's state, and the request's nonce,
used once.

PostgreSQL decides the nonce: a row inserted under a unique constraint, so
any number of API processes agree, and a Redis flush opens no replay. A GET
stores its nonce in one statement (``authenticate``); a POST stores it in its
own transaction, with its Idempotency-Key (``api_idempotency.open_post``).
The beat purges old nonces (``api_idempotency.purge_expired``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Iterable, List, Mapping, Optional, Union

from django.db import connection
from django.utils import timezone

from plugins.channel_pricing import services as channel_services
from plugins.channel_pricing.domain import ChannelStatus

from . import request_signing as signing
from .api_errors import ApiErrorCode, ApiRefusal, forbidden, unauthenticated
from .models import ApiNonce, PointsProgram
from .programs import ApiCredentials, credentials_by_slug
from .records import ProgramState

# A nonce is kept past the window's end by this margin (clock differences
# between API processes).
NONCE_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class Caller:
    """A channel whose signed request was accepted: its program as read
    once for this request, and the request's nonce (stored by
    ``use_nonce``, or by ``api_idempotency.open_post`` in a POST's
    transaction)."""

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
    after this (``use_nonce``, ``api_idempotency.open_post``), so a refused
    request uses up no nonce.
    """
    signed = signed_request(headers, now)
    return accept(
        credentials_by_slug(signed.slug), signed, method, path_with_query, body
    )


@dataclass(frozen=True)
class SignedRequest:
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


def signed_request(headers: Mapping[str, str], now: Optional[float]) -> SignedRequest:
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
    return SignedRequest(slug, raw_timestamp, nonce, signatures, timestamp, now_s)


def accept(
    program: Optional[ApiCredentials],
    signed: SignedRequest,
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


def nonce_reused() -> ApiRefusal:
    return unauthenticated(
        ApiErrorCode.NONCE_REUSED,
        "This X-Flash-Nonce was already used: every request needs a new one.",
        signing.NONCE_HEADER,
    )


INSERT_NONCE = (
    f"INSERT INTO {ApiNonce._meta.db_table} (channel_id, nonce, expires_at, "
    "created_at) VALUES (%(channel)s, %(nonce)s, %(expires_at)s, now()) "
    "ON CONFLICT (channel_id, nonce) DO NOTHING RETURNING 1"
)


def use_nonce(caller: Caller) -> None:
    """Store the request's nonce (one statement; committed at once outside a
    transaction); a second use, in any process, finds it: 401."""
    with connection.cursor() as cursor:
        cursor.execute(INSERT_NONCE, nonce_params(caller))
        if cursor.fetchone() is None:
            raise nonce_reused()


def nonce_params(caller: Caller) -> dict:
    return {
        "channel": caller.channel_id,
        "nonce": caller.nonce,
        "expires_at": caller.nonce_expires_at,
    }


def headers_of(meta: Mapping[str, str], names: Iterable[str]) -> dict:
    """The named HTTP headers out of a WSGI environ."""
    return {
        name: meta.get("HTTP_" + name.upper().replace("-", "_"), "") for name in names
    }

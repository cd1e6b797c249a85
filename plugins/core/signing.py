"""Webhook signatures, Stripe's scheme; pure (no Django, no I/O).

``X-Flash-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` where the HMAC
is keyed with the shared secret's UTF-8 bytes over ``"{t}.{raw body}"``.
While a secret is being rotated the sender signs with both and sends one
``v1`` per secret; the receiver accepts the request when any ``v1`` matches
any secret it holds. The timestamp is inside the signed text, so a captured
request cannot be replayed outside the tolerance (±300 s by default);
receivers dedupe replays inside it by the event id.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Iterable, List, Optional, Sequence, Tuple, Union

from .errors import ServiceRefusal

SIGNATURE_HEADER = "X-Flash-Signature"
EVENT_ID_HEADER = "X-Flash-Event-Id"
EVENT_TYPE_HEADER = "X-Flash-Event"
SCHEME = "v1"
TOLERANCE_SECONDS = 300

Secrets = Union[str, Sequence[str]]


class SignatureError(ServiceRefusal, ValueError):
    """An inbound signature is refused; ``code`` says why."""

    MALFORMED = "malformed"
    STALE = "stale"
    MISMATCH = "mismatch"


def _secrets(secrets: Secrets) -> List[str]:
    listed = [secrets] if isinstance(secrets, str) else list(secrets)
    return [secret for secret in listed if secret]


def compute(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"{timestamp}.{body}"`` keyed with ``secret``."""
    signed = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(body: bytes, secrets: Secrets, timestamp: Optional[int] = None) -> str:
    """The ``X-Flash-Signature`` value for ``body``: one ``v1`` per secret."""
    keys = _secrets(secrets)
    if not keys:
        raise ValueError("a webhook needs a signing secret")
    t = int(time.time()) if timestamp is None else int(timestamp)
    return ",".join([f"t={t}"] + [f"{SCHEME}={compute(k, t, body)}" for k in keys])


def parse(header: str) -> Tuple[int, List[str]]:
    """``(timestamp, [v1 signatures])`` of a header; SignatureError if malformed."""
    timestamp = None
    signatures: List[str] = []
    for part in (header or "").split(","):
        key, sep, value = part.strip().partition("=")
        if not sep or not value:
            raise SignatureError(SignatureError.MALFORMED, "malformed signature header")
        if key == "t":
            if timestamp is not None or not value.isdigit():
                raise SignatureError(SignatureError.MALFORMED, "bad timestamp")
            timestamp = int(value)
        elif key == SCHEME:
            signatures.append(value.lower())
        # Other schemes (v0, future ones) are ignored, as Stripe does.
    if timestamp is None or not signatures:
        raise SignatureError(
            SignatureError.MALFORMED, "the header needs t= and at least one v1="
        )
    return timestamp, signatures


def verify(
    header: str,
    body: bytes,
    secrets: Secrets,
    now: Optional[float] = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> int:
    """Check an inbound webhook; return its timestamp or raise SignatureError.

    ``secrets``: every secret currently valid (old and new while rotating).
    """
    timestamp, signatures = parse(header)
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError(SignatureError.STALE, "timestamp outside the tolerance")
    if not _matches(timestamp, body, _secrets(secrets), signatures):
        raise SignatureError(SignatureError.MISMATCH, "no signature matches")
    return timestamp


def _matches(
    timestamp: int, body: bytes, secrets: Iterable[str], signatures: List[str]
) -> bool:
    found = False
    for secret in secrets:
        expected = compute(secret, timestamp, body)
        for candidate in signatures:
            # No early exit: the time taken does not tell which one matched.
            found |= hmac.compare_digest(expected, candidate)
    return found

"""Signatures of channel API requests (``/points/v1/``); pure, no Django.

A channel signs every request with its API secret (UTF-8 bytes):
``X-Flash-Signature: v1=<hex HMAC-SHA256>`` over
``"{timestamp}.{nonce}.{METHOD}.{path with query}.{hex SHA-256 of body}"``,
where the path with query is exactly what the request line carries. The
timestamp must be within ±300 s of our clock. While a secret is rotated
both are valid, and a sender may send one ``v1`` per secret, comma-separated.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid
from typing import Dict, Iterable, List, Optional

SCHEME = "v1"
TOLERANCE_SECONDS = 300
NONCE_MAX_LENGTH = 128
# Visible ASCII without the separator-prone characters.
_NONCE = re.compile(r"^[A-Za-z0-9._~:+/=-]{8,128}$")
_HEX = re.compile(r"^[0-9a-f]{64}$")

CHANNEL_HEADER = "X-Flash-Channel"
TIMESTAMP_HEADER = "X-Flash-Timestamp"
NONCE_HEADER = "X-Flash-Nonce"
SIGNATURE_HEADER = "X-Flash-Signature"


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body or b"").hexdigest()


def signed_text(
    timestamp: str, nonce: str, method: str, path_with_query: str, body: bytes
) -> str:
    return ".".join(
        [str(timestamp), nonce, method.upper(), path_with_query, body_digest(body)]
    )


def compute(
    secret: str,
    timestamp: str,
    nonce: str,
    method: str,
    path_with_query: str,
    body: bytes,
) -> str:
    """The hex HMAC-SHA256 of a request, keyed with ``secret``."""
    text = signed_text(timestamp, nonce, method, path_with_query, body)
    return hmac.new(
        secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def signature_header(secrets: Iterable[str], *request_parts) -> str:
    return ",".join(
        f"{SCHEME}={compute(secret, *request_parts)}" for secret in secrets if secret
    )


def signed_headers(
    channel: str,
    secret: str,
    method: str,
    path_with_query: str,
    body: bytes = b"",
    *,
    timestamp: Optional[int] = None,
    nonce: Optional[str] = None,
) -> Dict[str, str]:
    """The four authentication headers for one request (clients, tests)."""
    stamp = str(int(time.time()) if timestamp is None else int(timestamp))
    nonce = nonce or uuid.uuid4().hex
    return {
        CHANNEL_HEADER: channel,
        TIMESTAMP_HEADER: stamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature_header(
            [secret], stamp, nonce, method, path_with_query, body
        ),
    }


def parse_signatures(header: str) -> Optional[List[str]]:
    """The ``v1`` values of a signature header, or None when it has none or
    is malformed. Other schemes are ignored."""
    found: List[str] = []
    for part in (header or "").split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return None
        if key == SCHEME:
            value = value.strip().lower()
            if not _HEX.match(value):
                return None
            found.append(value)
    return found or None


def valid_nonce(nonce: str) -> bool:
    return bool(_NONCE.match(nonce or ""))


def parse_timestamp(value: str) -> Optional[int]:
    value = (value or "").strip()
    if not value.isdigit() or len(value) > 12:
        return None
    return int(value)


def timestamp_in_window(timestamp: int, now: float) -> bool:
    return abs(now - timestamp) <= TOLERANCE_SECONDS


def matches(expected: Iterable[str], signatures: List[str]) -> bool:
    """Any candidate signature equals any expected one, in constant time per
    pair (no early exit tells which matched)."""
    found = False
    for want in expected:
        for candidate in signatures:
            found |= hmac.compare_digest(want, candidate)
    return found

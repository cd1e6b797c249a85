"""Verification of a channel's sign-in token (the entry link's ``?token=``).

Pure rules: PyJWT and the standard library only, no ORM, no Django. The
single-use check of ``jti`` needs shared state and lives in ``sign_in.py``.

The token is a JWT signed HS256 with the channel's SSO secret (the secret
string's UTF-8 bytes) carrying ``iss`` (the channel's slug), ``sub`` (the
member's id in the channel's system), ``iat``, ``exp`` and ``jti``; ``name``,
``email`` and ``phone`` are optional. Clocks differ between systems, so every
time comparison allows ``CLOCK_SKEW_LEEWAY_SECONDS`` either way:

- refused as expired when ``now > exp + leeway``;
- refused as too far ahead when ``exp > now + 600 + leeway`` or when the
  token's own lifetime ``exp - iat`` is over 600 seconds;
- refused as issued in the future when ``iat > now + leeway``.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real
from typing import Any, Dict, Optional, Sequence

import jwt

from plugins.core.errors import ServiceRefusal

from .error_codes import ChannelErrorCode

SSO_ALGORITHM = "HS256"
MAX_TOKEN_LIFETIME_SECONDS = 600
CLOCK_SKEW_LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ("iss", "sub", "iat", "exp", "jti")
MAX_ID_LENGTH = 128
OPTIONAL_CLAIMS = {"name": 250, "email": 254, "phone": 64}


class SignInRefused(ServiceRefusal):
    """A sign-in token was refused; ``code`` says why."""


@dataclass(frozen=True)
class ChannelKeys:
    """What verification needs to know about the channel the token is for."""

    slug: str
    active: bool
    secrets: Sequence[str]  # current first, then the previous one while rotating


@dataclass(frozen=True)
class SignInClaims:
    channel_slug: str
    external_id: str
    jti: str
    issued_at: float
    expires_at: float
    name: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None
    # Pass-through points channels: the member's balance in the channel's
    # system (a whole number >= 0), read by a sign-in claim listener.
    points: Optional[int] = None


def verify_sign_in_token(
    token: str,
    channel: ChannelKeys,
    now: float,
    leeway: int = CLOCK_SKEW_LEEWAY_SECONDS,
) -> SignInClaims:
    """The token's claims, or ``SignInRefused`` with the reason.

    ``jti`` is returned unchecked: the caller records it as used.
    """
    if not channel.active:
        raise SignInRefused(
            ChannelErrorCode.CHANNEL_SUSPENDED, "This channel is suspended."
        )
    payload = _verified_payload(token, channel)
    claims = _claims_from(payload)
    if claims.channel_slug != channel.slug:
        raise SignInRefused(
            ChannelErrorCode.WRONG_CHANNEL, "The token was issued for another channel."
        )
    check_token_times(claims.issued_at, claims.expires_at, now, leeway)
    return claims


def check_token_times(
    issued_at: float, expires_at: float, now: float, leeway: int
) -> None:
    if now > expires_at + leeway:
        raise SignInRefused(ChannelErrorCode.TOKEN_EXPIRED, "The token has expired.")
    if (
        expires_at > now + MAX_TOKEN_LIFETIME_SECONDS + leeway
        or expires_at - issued_at > MAX_TOKEN_LIFETIME_SECONDS
    ):
        raise SignInRefused(
            ChannelErrorCode.EXP_TOO_FAR_AHEAD,
            "The token may live at most 10 minutes (exp - iat <= 600 s).",
        )
    if issued_at > now + leeway:
        raise SignInRefused(
            ChannelErrorCode.ISSUED_IN_FUTURE, "The token is issued in the future."
        )


def _verified_payload(token: str, channel: ChannelKeys) -> Dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except (jwt.DecodeError, TypeError, ValueError):
        raise SignInRefused(
            ChannelErrorCode.MALFORMED_TOKEN, "The token is not a JWT."
        ) from None
    if header.get("alg") != SSO_ALGORITHM:
        raise SignInRefused(
            ChannelErrorCode.BAD_SIGNATURE, "The token must be signed with HS256."
        )
    for secret in channel.secrets:
        if not secret:
            continue
        try:
            return jwt.decode(
                token,
                secret.encode("utf-8"),
                algorithms=[SSO_ALGORITHM],
                # Times are checked by check_token_times with our own clock.
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_aud": False,
                },
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.InvalidTokenError:
            raise SignInRefused(
                ChannelErrorCode.MALFORMED_TOKEN, "The token is not a valid JWT."
            ) from None
    # Say "another channel" when the unverified issuer is one; it is only a hint.
    issuer = _unverified_issuer(token)
    if issuer is not None and issuer != channel.slug:
        raise SignInRefused(
            ChannelErrorCode.WRONG_CHANNEL, "The token was issued for another channel."
        )
    raise SignInRefused(
        ChannelErrorCode.BAD_SIGNATURE, "The token's signature does not match."
    )


def _unverified_issuer(token: str) -> Optional[str]:
    try:
        payload = jwt.decode(token, verify=False)
    except jwt.InvalidTokenError:
        return None
    issuer = payload.get("iss") if isinstance(payload, dict) else None
    return issuer if isinstance(issuer, str) else None


def _is_time(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH


def _claims_from(payload: Dict[str, Any]) -> SignInClaims:
    missing = [name for name in REQUIRED_CLAIMS if payload.get(name) in (None, "")]
    if missing:
        raise SignInRefused(
            ChannelErrorCode.MISSING_CLAIMS,
            f"The token lacks required claims: {', '.join(missing)}.",
        )
    subject = payload["sub"]
    if isinstance(subject, int) and not isinstance(subject, bool):
        subject = str(subject)
    invalid = [
        name
        for name, ok in (
            ("iss", isinstance(payload["iss"], str)),
            ("sub", _is_id(subject)),
            ("jti", _is_id(payload["jti"])),
            ("iat", _is_time(payload["iat"])),
            ("exp", _is_time(payload["exp"])),
        )
        if not ok
    ]
    optional = {}
    for name, max_length in OPTIONAL_CLAIMS.items():
        value = payload.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > max_length:
            invalid.append(name)
        else:
            optional[name] = value.strip() or None
    points = payload.get("points")
    if points is not None:
        if isinstance(points, int) and not isinstance(points, bool) and points >= 0:
            optional["points"] = points
        else:
            invalid.append("points")
    if invalid:
        raise SignInRefused(
            ChannelErrorCode.INVALID_CLAIMS,
            f"These claims have the wrong type or length: {', '.join(invalid)}.",
        )
    return SignInClaims(
        channel_slug=payload["iss"],
        external_id=subject,
        jti=payload["jti"],
        issued_at=float(payload["iat"]),
        expires_at=float(payload["exp"]),
        **optional,
    )

"""Signed newsletter links (``django.core.signing``, keyed with SECRET_KEY).

The confirmation link expires (``FLASH_NEWSLETTER_CONFIRM_MAX_AGE_SECONDS``,
default 3 days); the unsubscribe link in every e-mail never does. Each
names the subscription and its address, so a link stops working for a row
whose address changed, and the salts keep one kind from passing as the other.
"""

from __future__ import annotations

from typing import Tuple

from django.conf import settings
from django.core import signing

from plugins.core.errors import ServiceRefusal

CONFIRM_SALT = "flash.engagement.newsletter.confirm"
UNSUBSCRIBE_SALT = "flash.engagement.newsletter.unsubscribe"

CONFIRM_PATH = "/newsletter/confirm/"
UNSUBSCRIBE_PATH = "/newsletter/unsubscribe/"


class LinkRefused(ServiceRefusal, ValueError):
    EXPIRED = "expired"
    INVALID = "invalid"


def confirm_max_age() -> int:
    return int(getattr(settings, "FLASH_NEWSLETTER_CONFIRM_MAX_AGE_SECONDS", 259200))


def _value(subscription_id: int, email: str) -> str:
    return f"{subscription_id}:{email}"


def confirm_token(subscription_id: int, email: str) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(
        _value(subscription_id, email)
    )


def unsubscribe_token(subscription_id: int, email: str) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(_value(subscription_id, email))


def _parse(value: str) -> Tuple[int, str]:
    pk, _, email = value.partition(":")
    if not pk.isdigit() or not email:
        raise LinkRefused(LinkRefused.INVALID, "This link is not valid.")
    return int(pk), email


def read_confirm_token(token: str) -> Tuple[int, str]:
    """``(subscription id, email)``; LinkRefused when forged or expired."""
    try:
        value = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(
            token or "", max_age=confirm_max_age()
        )
    except signing.SignatureExpired:
        raise LinkRefused(
            LinkRefused.EXPIRED,
            "This confirmation link has expired: sign up again for a new one.",
        ) from None
    except signing.BadSignature:
        raise LinkRefused(LinkRefused.INVALID, "This link is not valid.") from None
    return _parse(value)


def read_unsubscribe_token(token: str) -> Tuple[int, str]:
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token or "")
    except signing.BadSignature:
        raise LinkRefused(LinkRefused.INVALID, "This link is not valid.") from None
    return _parse(value)


def public_url(path: str, token: str) -> str:
    """An absolute link for e-mails: ``FLASH_PUBLIC_URL`` + path + token."""
    from urllib.parse import urlencode

    base = (getattr(settings, "FLASH_PUBLIC_URL", "") or "").rstrip("/")
    return f"{base}{path}?{urlencode({'token': token})}"

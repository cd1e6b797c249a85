"""Newsletter rules: addresses, sources, states and when a confirmation may
be sent again. Pure (no Django, no ORM)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import Enum
from typing import Optional

from plugins.core.errors import ServiceRefusal

MAX_EMAIL_LENGTH = 254
# One address, no display name; the part after @ has a dot and no spaces.
_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"\[\]]{1,64}@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$"
)


class SubscriptionStatus(str, Enum):
    PENDING = "pending"  # signed up, confirmation e-mail sent, not confirmed
    CONFIRMED = "confirmed"  # double opt-in done: consent time stored
    UNSUBSCRIBED = "unsubscribed"


class SignUpSource(str, Enum):
    """Where the address was collected (the product page is the seed's)."""

    PRODUCT_PAGE = "product_page"
    FLASH_SALE_PAGE = "flash_sale_page"
    LANDING_PAGE = "landing_page"
    CHECKOUT = "checkout"
    CHANNEL_APP = "channel_app"
    OTHER = "other"


class NewsletterRefusal(ServiceRefusal, ValueError):
    """Bad input; nothing was changed. ``code`` is a NewsletterErrorCode value."""


def normalize_email(raw: str) -> str:
    """The address as stored: trimmed, lower case (one row per mailbox).

    Raises ``NewsletterRefusal("invalid_email")`` for anything that is not
    one plain address.
    """
    email = (raw or "").strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
        raise NewsletterRefusal("invalid_email", "Not a valid e-mail address.", "email")
    return email


def confirmation_due(
    status: SubscriptionStatus,
    last_sent_at: Optional[datetime],
    now: datetime,
    resend_after: timedelta,
) -> bool:
    """Whether a sign-up should (re)send the confirmation e-mail.

    A confirmed address gets nothing (signing up twice is harmless and says
    nothing about the address); a pending or unsubscribed one (which starts
    over: a new double opt-in) gets it when none was sent in the last
    ``resend_after``, so nobody can flood a mailbox through the form.
    """
    if status == SubscriptionStatus.CONFIRMED:
        return False
    return last_sent_at is None or now - last_sent_at >= resend_after

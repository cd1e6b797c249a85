"""Pure provider rules: no ORM, no Django."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import Enum
from typing import Optional


class ProviderStatus(str, Enum):
    PENDING = "pending"  # signed up, waiting for review
    INVITED = "invited"  # created by the platform, invitation not yet accepted
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class Onboarding(str, Enum):
    SIGN_UP = "sign_up"
    INVITATION = "invitation"


class ProviderRole(str, Enum):
    OWNER = "owner"
    STAFF = "staff"


class ApplicationStatus(str, Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"


class ListingStatus(str, Enum):
    PENDING = "pending"  # submitted, waiting for staff review
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"  # in the platform pool (while its provider may sell)
    REJECTED = "rejected"


# Which review decisions each status allows.
_TRANSITIONS = {
    ProviderStatus.PENDING: {ProviderStatus.APPROVED, ProviderStatus.REJECTED},
    ProviderStatus.INVITED: {ProviderStatus.APPROVED, ProviderStatus.SUSPENDED},
    ProviderStatus.APPROVED: {ProviderStatus.SUSPENDED},
    ProviderStatus.SUSPENDED: {ProviderStatus.APPROVED},
    ProviderStatus.REJECTED: set(),
}


def can_transition(current: ProviderStatus, target: ProviderStatus) -> bool:
    return target in _TRANSITIONS[current]


def can_sell(status: ProviderStatus) -> bool:
    """Only approved providers' goods enter the platform pool."""
    return status == ProviderStatus.APPROVED


# The applicant may edit (and submit) a draft or one sent back for changes;
# staff decide only on a submitted application.
APPLICANT_EDITABLE = {ApplicationStatus.DRAFT, ApplicationStatus.CHANGES_REQUESTED}
REVIEW_DECISIONS = {
    ApplicationStatus.APPROVED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.CHANGES_REQUESTED,
}


def can_decide_application(current: ApplicationStatus) -> bool:
    return current == ApplicationStatus.SUBMITTED


LISTING_DECISIONS = {
    ListingStatus.APPROVED,
    ListingStatus.REJECTED,
    ListingStatus.CHANGES_REQUESTED,
}


def can_decide_listing(current: ListingStatus, has_price_change: bool) -> bool:
    """A pending listing, or an approved one whose settlement price the
    provider changed, waits for a decision."""
    return current == ListingStatus.PENDING or (
        current == ListingStatus.APPROVED and has_price_change
    )


def provider_may_edit_listing(current: ListingStatus) -> bool:
    return current != ListingStatus.REJECTED


def guard_cost(approved: Decimal, proposed: Optional[Decimal]) -> Decimal:
    """The settlement price channel pricing's below-cost guard compares with.

    While a provider's new settlement price waits for review the platform
    still pays the approved one, but the guard takes the higher of the two:
    a channel price below what the provider now asks is never silent.
    """
    if proposed is None:
        return approved
    return max(approved, proposed)


# Phone numbers: +86 mobiles and landlines, and international E.164-style
# numbers; spaces, dashes, dots and parentheses are accepted and dropped.
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_CN_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


def normalize_phone(raw: str) -> Optional[str]:
    """The number in E.164 form (``+8613800138000``), or None if invalid.

    Accepts ``+86 138 0013 8000``, ``0086...``, a bare Chinese mobile
    (``13800138000``) or landline (``010-12345678``), and any international
    number written with its ``+`` country code.
    """
    if not isinstance(raw, str):
        return None
    digits = _PHONE_SEPARATORS.sub("", raw.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+86"):
        national = digits[3:]
        if _CN_MOBILE.match(national) or _CN_LANDLINE.match("0" + national):
            return "+86" + national
        return None
    if digits.startswith("+"):
        return digits if _E164.match(digits) else None
    if _CN_MOBILE.match(digits):
        return "+86" + digits
    if _CN_LANDLINE.match(digits):
        return "+86" + digits[1:]
    return None


# Images a provider may upload as advertising assets.
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Onboarding documents (licence, contract, inventory proof).
DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def sniff_content_type(head: bytes) -> Optional[str]:
    """The type the first bytes of a file show (never the name or the
    client's word for it)."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None

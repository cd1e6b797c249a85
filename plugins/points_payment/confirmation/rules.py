"""Payment confirmation rules: pure (no ORM, no Django).

Before any points move, the member confirms the payment with a one-time code
or their payment password (per channel: ``PointsProgram.confirmation``).
A one-time code has 6 digits, lives 5 minutes, allows 5 attempts and is
bound to one member, checkout and amount. A payment password locks for 15
minutes after 5 wrong attempts in a row. A confirmation ends in a
single-use token bound to the same member, checkout and amount, which the
gateway's authorisation consumes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Callable, Optional, Tuple

from ..domain import Confirmation

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=5)
CODE_MAX_ATTEMPTS = 5
# Codes a member may request in CODE_REQUEST_WINDOW (all checkouts together):
# without it, asking for a fresh code after every 5 misses would turn the
# per-code limit into unlimited guessing.
CODE_REQUESTS_PER_WINDOW = 5
CODE_REQUEST_WINDOW = timedelta(minutes=15)

PASSWORD_MAX_ATTEMPTS = 5
PASSWORD_LOCK = timedelta(minutes=15)
PASSWORD_MIN_LENGTH = 6
PASSWORD_MAX_LENGTH = 128

TOKEN_LIFETIME = timedelta(minutes=15)


# The channel's method (PointsProgram.confirmation).
ConfirmationMethod = Confirmation


class PointsPaymentErrorCode(str, Enum):
    """Typed codes of the member's points-payment mutations."""

    GRAPHQL_ERROR = "graphql_error"
    REQUIRED = "required"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    NOT_A_MEMBER = "not_a_member"
    POINTS_NOT_ENABLED = "points_not_enabled"
    NOTHING_TO_PAY = "nothing_to_pay"
    INSUFFICIENT_POINTS = "insufficient_points"
    WRONG_METHOD = "wrong_method"
    NO_DESTINATION = "no_destination"
    TOO_MANY_CODES = "too_many_codes"
    NO_CODE = "no_code"
    CODE_INVALID = "code_invalid"
    CODE_EXPIRED = "code_expired"
    CODE_LOCKED = "code_locked"
    AMOUNT_CHANGED = "amount_changed"
    PASSWORD_NOT_SET = "password_not_set"
    PASSWORD_INVALID = "password_invalid"
    PASSWORD_LOCKED = "password_locked"
    PASSWORD_TOO_WEAK = "password_too_weak"


def new_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """Six random digits (leading zeros kept)."""
    return str(randbelow(10**CODE_DIGITS)).zfill(CODE_DIGITS)


def code_refusal(
    *, expires_at: datetime, attempts: int, used: bool, now: datetime
) -> Optional[PointsPaymentErrorCode]:
    """Why a code can no longer be tried (None: it may be tried)."""
    if used:
        return PointsPaymentErrorCode.NO_CODE
    if attempts >= CODE_MAX_ATTEMPTS:
        return PointsPaymentErrorCode.CODE_LOCKED
    if now >= expires_at:
        return PointsPaymentErrorCode.CODE_EXPIRED
    return None


def attempts_left_after_miss(attempts: int) -> int:
    """Attempts the member still has once this wrong one is counted."""
    return max(0, CODE_MAX_ATTEMPTS - (attempts + 1))


@dataclass(frozen=True)
class PasswordState:
    failed_attempts: int
    locked_until: Optional[datetime]

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def after_miss(self, now: datetime) -> PasswordState:
        """Count a wrong password; the 5th in a row locks for 15 minutes."""
        failed = self.failed_attempts
        if self.locked_until is not None and now >= self.locked_until:
            failed = 0  # a lock that ran out starts a new series
        failed += 1
        if failed >= PASSWORD_MAX_ATTEMPTS:
            return PasswordState(0, now + PASSWORD_LOCK)
        return PasswordState(failed, None)

    @staticmethod
    def after_success() -> PasswordState:
        return PasswordState(0, None)


def password_problem(password: str) -> Optional[str]:
    """Why ``password`` cannot be a payment password (None: it can)."""
    if not isinstance(password, str) or len(password) < PASSWORD_MIN_LENGTH:
        return f"A payment password has at least {PASSWORD_MIN_LENGTH} characters."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"A payment password has at most {PASSWORD_MAX_LENGTH} characters."
    return None


def mask_email(address: str) -> str:
    """``a***@example.com``: enough for the member to recognise it."""
    local, at, domain = (address or "").partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def code_window_start(now: datetime) -> datetime:
    return now - CODE_REQUEST_WINDOW


def token_and_expiry(now: datetime) -> Tuple[str, datetime]:
    """A fresh single-use confirmation token and when it lapses."""
    return secrets.token_urlsafe(32), now + TOKEN_LIFETIME

"""Pure ledger rules, after TigerBeetle: no ORM, no Django.

Every account keeps four cached sums: credits and debits, posted and pending.
An account flagged "debits must not exceed credits" refuses any transfer that
would make ``debits_posted + debits_pending`` exceed ``credits_posted``; one
flagged "credits must not exceed debits" refuses the mirror image. The
database holds the same rules as CHECK constraints (models/ledger.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from enum import Enum
from typing import Iterable, List, Optional, Sequence, Tuple


class AccountKind(str, Enum):
    ISSUANCE = "issuance"  # per channel: where each period's quota comes from
    QUOTA = "quota"  # per channel and period: what the channel may still issue
    ALLOWANCE = "allowance"  # per member and period: the member's points
    HOLD = "hold"  # per channel: pending transfers of open checkouts
    REDEEMED = "redeemed"  # per channel: points spent on orders
    EXPIRED = "expired"  # per channel: lapsed grants, closed periods
    REFUNDED = "refunded"  # per channel: refunds in pass-through mode


class AccountFlag(str, Enum):
    NONE = "none"
    DEBITS_MUST_NOT_EXCEED_CREDITS = "debits_must_not_exceed_credits"
    CREDITS_MUST_NOT_EXCEED_DEBITS = "credits_must_not_exceed_debits"


ACCOUNT_FLAGS = {
    AccountKind.ISSUANCE: AccountFlag.CREDITS_MUST_NOT_EXCEED_DEBITS,
    AccountKind.QUOTA: AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS,
    AccountKind.ALLOWANCE: AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS,
    AccountKind.HOLD: AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS,
    AccountKind.REDEEMED: AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS,
    AccountKind.EXPIRED: AccountFlag.NONE,
    AccountKind.REFUNDED: AccountFlag.NONE,
}
CHANNEL_ACCOUNT_KINDS = (
    AccountKind.ISSUANCE,
    AccountKind.HOLD,
    AccountKind.REDEEMED,
    AccountKind.EXPIRED,
    AccountKind.REFUNDED,
)


class TransferCode(str, Enum):
    ISSUE = "issue"  # issuance -> quota: a period's quota
    GRANT = "grant"  # quota -> allowance
    REVOKE = "revoke"  # allowance -> quota
    HOLD = "hold"  # allowance (or quota, pass-through) -> hold, pending
    POST = "post"  # posts a hold (all or part), + linked leg hold -> redeemed
    VOID = "void"  # releases a hold (asked for, or timed out)
    REFUND = "refund"  # redeemed -> allowance / expired / quota / refunded
    EXPIRE = "expire"  # allowance -> expired: a lapsed grant
    CLOSE = "close"  # quota / allowance -> expired when a period closes


class TransferKind(str, Enum):
    """TigerBeetle's transfer flags, as one value."""

    SINGLE = "single"  # posted at once
    PENDING = "pending"  # first phase of a two-phase transfer
    POST_PENDING = "post_pending"  # posts (part of) a pending transfer
    VOID_PENDING = "void_pending"  # releases a pending transfer (no balance effect)


class TransferState(str, Enum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class ProgramMode(str, Enum):
    ALLOWANCE = "allowance"
    PASS_THROUGH = "pass_through"


class RefundPolicy(str, Enum):
    REFUSE = "refuse"
    RETURN_TO_ALLOWANCE = "return_to_allowance"


class Confirmation(str, Enum):
    NONE = "none"
    ONE_TIME_CODE = "one_time_code"
    PAYMENT_PASSWORD = "payment_password"


class CodeSender(str, Enum):
    WEBHOOK = "webhook"
    EMAIL = "email"
    LOG = "log"


class PeriodState(str, Enum):
    OPEN = "open"
    CLOSED = "closed"


class InsufficientPoints(Exception):
    def __init__(self, available: int, requested: int):
        super().__init__(f"{requested} points requested, {available} available")
        self.available = available
        self.requested = requested


@dataclass(frozen=True)
class Balance:
    credits_posted: int
    debits_posted: int
    debits_pending: int
    credits_pending: int = 0

    @property
    def available(self) -> int:
        return self.credits_posted - self.debits_posted - self.debits_pending

    @property
    def held(self) -> int:
        return self.debits_pending


def check_debit(balance: Balance, amount: int, must_not_exceed_credits: bool) -> None:
    """Raise InsufficientPoints when ``amount`` would overdraw the account."""
    if amount <= 0:
        raise ValueError("a transfer moves a positive number of points")
    if must_not_exceed_credits and amount > balance.available:
        raise InsufficientPoints(balance.available, amount)


def within_flags(flag: AccountFlag, balance: Balance) -> bool:
    """The account's flag holds for these sums (the CHECK constraint's rule)."""
    if flag == AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS:
        return balance.debits_posted + balance.debits_pending <= balance.credits_posted
    if flag == AccountFlag.CREDITS_MUST_NOT_EXCEED_DEBITS:
        return balance.credits_posted + balance.credits_pending <= balance.debits_posted
    return True


def valid_points(points: object) -> bool:
    """Points are whole, positive and fit a bigint with room to add."""
    return (
        isinstance(points, int)
        and not isinstance(points, bool)
        and 0 < points <= 10**15
    )


def points_for_amount(amount: Decimal, money_per_point: Decimal) -> int:
    """Points charged for ``amount``: rounded UP, never under-charged."""
    if money_per_point <= 0:
        raise ValueError("money_per_point must be positive")
    if amount <= 0:
        return 0
    return int(
        (Decimal(amount) / Decimal(money_per_point)).to_integral_value(ROUND_CEILING)
    )


def hold_deadline(
    now: datetime, timeout_seconds: int, period_ends_at: datetime
) -> datetime:
    """A hold times out after ``timeout_seconds``, never after the period's end
    (nothing is spent after the period's validity end)."""
    from datetime import timedelta

    return min(now + timedelta(seconds=timeout_seconds), period_ends_at)


def expiry_for_grant(
    requested: Optional[datetime], now: datetime, period_ends_at: datetime
) -> Optional[datetime]:
    """A grant's validity end: the one asked for, else the period's end.

    None when the requested end is not in (now, period end]."""
    expires_at = requested or period_ends_at
    if expires_at <= now or expires_at > period_ends_at:
        return None
    return expires_at


def lapsed_points(
    lots: Iterable[Tuple[int, datetime]], consumed: int, now: datetime
) -> int:
    """Points of an allowance that lapsed unspent at ``now``.

    ``lots`` are the credits with their validity ends; ``consumed`` is every
    debit so far (posted, pending and earlier expiries). Spending uses the
    lots that end first (FIFO by validity end), so what lapsed is the sum of
    the ended lots minus everything consumed, if positive.
    """
    ended = sum(points for points, expires_at in lots if expires_at <= now)
    return max(0, ended - consumed)


def expiring_lots(
    lots: Sequence[Tuple[int, datetime]], consumed: int, now: datetime
) -> List[Tuple[int, datetime]]:
    """What is left of each validity end, earliest first (same FIFO rule)."""
    left: List[Tuple[int, datetime]] = []
    remaining_consumed = consumed
    by_end = {}
    for points, expires_at in sorted(lots, key=lambda lot: lot[1]):
        taken = min(points, remaining_consumed)
        remaining_consumed -= taken
        if points - taken > 0 and expires_at > now:
            by_end[expires_at] = by_end.get(expires_at, 0) + points - taken
    for expires_at in sorted(by_end):
        left.append((by_end[expires_at], expires_at))
    return left


def pass_through_available(claimed: int, spent_against_claim: int) -> int:
    """Pass-through mode: the latest sign-in's ``points`` claim minus what was
    held or redeemed against it (see docs/points.md)."""
    return max(0, claimed - spent_against_claim)

"""Pure ledger rules, after TigerBeetle: no ORM, no Django.

Every account keeps posted credits, posted debits and pending debits (holds).
An account flagged "debits must not exceed credits" refuses any transfer that
would make ``debits_posted + debits_pending`` exceed ``credits_posted``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class AccountKind(str, Enum):
    CHANNEL_QUOTA = "channel_quota"  # what a channel may issue in a period
    MEMBER = "member"  # a member's allowance
    REDEMPTION = "redemption"  # sink: points spent on orders


class TransferState(str, Enum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


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

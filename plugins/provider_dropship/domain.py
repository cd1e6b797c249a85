"""Pure provider rules: no ORM, no Django."""

from __future__ import annotations

from enum import Enum


class ProviderStatus(str, Enum):
    PENDING = "pending"  # signed up, waiting for review
    INVITED = "invited"  # created by the platform, invitation not yet accepted
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class Onboarding(str, Enum):
    SIGN_UP = "sign_up"
    INVITATION = "invitation"


# Which review decisions each status allows.
_TRANSITIONS = {
    ProviderStatus.PENDING: {ProviderStatus.APPROVED, ProviderStatus.REJECTED},
    ProviderStatus.INVITED: {ProviderStatus.APPROVED},
    ProviderStatus.APPROVED: {ProviderStatus.SUSPENDED},
    ProviderStatus.SUSPENDED: {ProviderStatus.APPROVED},
    ProviderStatus.REJECTED: set(),
}


def can_transition(current: ProviderStatus, target: ProviderStatus) -> bool:
    return target in _TRANSITIONS[current]


def can_sell(status: ProviderStatus) -> bool:
    """Only approved providers' goods enter the platform pool."""
    return status == ProviderStatus.APPROVED

"""The points ledger's public entry (docs/points.md).

REST views, GraphQL and the payment gateway import ONLY this module (and
``domain``/``errors``/``records``). Every function is transactional and
takes plain values; ids are the caller's transfer ids (unique per channel:
the ledger's idempotency key).
"""

from __future__ import annotations

from datetime import datetime
from typing import List, Optional, Tuple

from .models import PointsProgram, SettlementPeriod
from .records import (  # noqa: F401 (re-exported)
    MemberBalance,
    MemberPointsView,
    PeriodView,
    QuotaStatus,
    Statement,
    StatementLine,
    TransferView,
)

__all__ = [
    "program_for_channel",
    "program_by_slug",
    "enable_program",
    "open_period",
    "current_period",
    "grant",
    "revoke",
    "hold",
    "post_hold",
    "void_hold",
    "refund",
    "balance",
    "quota_status",
    "transactions",
    "close_period",
    "statement",
    "record_sign_in_balance",
    "member_points",
    "release_timed_out_holds",
    "expire_lapsed_grants",
    "audit",
]


def _todo():
    raise NotImplementedError("points ledger: being implemented (points-ledger)")


def program_for_channel(channel_id: int) -> Optional[PointsProgram]:
    return PointsProgram.objects.filter(channel_id=channel_id).first()


def program_by_slug(slug: str) -> Optional[PointsProgram]:
    return (
        PointsProgram.objects.select_related("channel")
        .filter(channel__slug=slug)
        .first()
    )


def enable_program(channel_id: int, **settings) -> PointsProgram:
    _todo()


def open_period(
    channel_id: int, starts_at: datetime, ends_at: datetime, quota: int
) -> PeriodView:
    _todo()


def current_period(channel_id: int) -> SettlementPeriod:
    _todo()


def grant(
    channel_id: int,
    external_id: str,
    points: int,
    *,
    transfer_id: str,
    expires_at: Optional[datetime] = None,
    reference: str = "",
) -> TransferView:
    _todo()


def revoke(
    channel_id: int,
    external_id: str,
    points: int,
    *,
    transfer_id: str,
    reference: str = "",
) -> TransferView:
    _todo()


def hold(
    channel_id: int,
    external_id: str,
    points: int,
    *,
    transfer_id: str,
    reference: str,
    timeout_seconds: Optional[int] = None,
) -> TransferView:
    _todo()


def post_hold(
    channel_id: int, hold_id: str, *, transfer_id: str, points: Optional[int] = None
) -> TransferView:
    _todo()


def void_hold(channel_id: int, hold_id: str, *, transfer_id: str) -> TransferView:
    _todo()


def refund(
    channel_id: int,
    redemption_id: str,
    points: int,
    *,
    transfer_id: str,
    involuntary: bool,
) -> TransferView:
    _todo()


def balance(channel_id: int, external_id: str) -> MemberBalance:
    _todo()


def quota_status(channel_id: int) -> QuotaStatus:
    _todo()


def transactions(
    channel_id: int,
    *,
    member: Optional[str] = None,
    limit: int = 20,
    cursor: Optional[str] = None,
) -> Tuple[List[TransferView], Optional[str]]:
    _todo()


def close_period(channel_id: int, period_id: int) -> Statement:
    _todo()


def statement(channel_id: int, period_id: int) -> Statement:
    _todo()


def record_sign_in_balance(
    channel_id: int,
    external_id: str,
    points: int,
    *,
    token_id: str,
    issued_at: datetime,
) -> None:
    _todo()


def member_points(user_id: int) -> List[MemberPointsView]:
    return []


def release_timed_out_holds(now: Optional[datetime] = None) -> int:
    _todo()


def expire_lapsed_grants(now: Optional[datetime] = None) -> int:
    _todo()


def audit() -> List[str]:
    _todo()

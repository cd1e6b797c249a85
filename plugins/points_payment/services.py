"""The points ledger's public entry (docs/points.md).

REST views, GraphQL and the payment gateway import ONLY this module (and
``domain``/``errors``/``records``). Every function is transactional and
takes plain values; transfer ids are the caller's (unique per channel: the
ledger's idempotency key: same id + same parameters returns the first
transfer with no second effect; other parameters raise TransferIdReused).
"""

from __future__ import annotations

from .allowances import grant, revoke
from .balance_refresh import BalanceRefresh, refresh_balance
from .pass_through import record_sign_in_balance
from .periods import current_period, open_period
from .programs import enable_program, program_by_slug, program_for_channel
from .queries import (
    balance,
    channel_overviews,
    member_points,
    quota_status,
    transactions,
)
from .records import (
    ChannelOverview,
    MemberBalance,
    MemberPointsView,
    PeriodView,
    QuotaStatus,
    Statement,
    StatementLine,
    TransferView,
)
from .redemption import hold, post_hold, void_hold
from .refunds import refund
from .statements import close_period, statement
from .sweeps import audit, expire_lapsed_grants, release_timed_out_holds

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
    "channel_overviews",
    "ChannelOverview",
    "transactions",
    "close_period",
    "statement",
    "record_sign_in_balance",
    "refresh_balance",
    "BalanceRefresh",
    "member_points",
    "release_timed_out_holds",
    "expire_lapsed_grants",
    "audit",
    "MemberBalance",
    "MemberPointsView",
    "PeriodView",
    "QuotaStatus",
    "Statement",
    "StatementLine",
    "TransferView",
]

"""What the ledger's services return: frozen plain values (no ORM rows), so
entry points (REST, GraphQL, the gateway) never touch the models."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple


def _iso(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class ProgramState:
    """A channel's points switches as read once per API request (by its
    authentication), so a use case need not read the program again."""

    channel_id: int
    enabled: bool
    mode: str  # ProgramMode value


@dataclass(frozen=True)
class PeriodView:
    id: int
    starts_at: datetime
    ends_at: datetime
    quota: int
    state: str  # "open" | "closed"

    def as_api(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "starts_at": _iso(self.starts_at),
            "ends_at": _iso(self.ends_at),
            "quota": self.quota,
            "state": self.state,
        }


@dataclass(frozen=True)
class TransferView:
    id: str  # the caller's transfer id
    code: str
    points: int
    member: Optional[str]
    reference: str
    created_at: datetime
    state: str  # "pending" | "posted" | "voided"
    hold_id: Optional[str] = None  # post/void: the pending transfer's id
    expires_at: Optional[datetime] = None  # grants: validity end; holds: timeout
    period_id: Optional[int] = None

    def as_api(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "points": self.points,
            "member": self.member,
            "reference": self.reference,
            "created_at": _iso(self.created_at),
            "state": self.state,
            "hold_id": self.hold_id,
            "expires_at": _iso(self.expires_at),
            "period_id": self.period_id,
        }


@dataclass(frozen=True)
class MemberBalance:
    available: int
    held: int
    expiring: List[Tuple[int, datetime]]
    period: PeriodView

    def as_api(self) -> Dict[str, Any]:
        return {
            "available": self.available,
            "held": self.held,
            "expiring": [
                {"points": points, "expires_at": _iso(at)}
                for points, at in self.expiring
            ],
            "period": self.period.as_api(),
        }


@dataclass(frozen=True)
class QuotaStatus:
    period: PeriodView
    quota: int
    granted: int  # net points out of the quota (pass-through: held + redeemed)
    held: int
    redeemed: int  # posted redemptions minus refunds
    remaining: int

    def as_api(self) -> Dict[str, Any]:
        return {
            "period": {
                "id": self.period.id,
                "starts_at": _iso(self.period.starts_at),
                "ends_at": _iso(self.period.ends_at),
            },
            "quota": self.quota,
            "granted": self.granted,
            "held": self.held,
            "redeemed": self.redeemed,
            "remaining": self.remaining,
        }


@dataclass(frozen=True)
class ChannelOverview:
    """A channel's points for staff (the console's Points page and the
    ``pointsOverview`` query): the open period's quota figures (``quota``
    None when no period is open) and what of the members' points expires
    when (allowance mode; pass-through balances are the channel's)."""

    channel: str  # slug
    mode: str
    enabled: bool
    quota: Optional[QuotaStatus]
    expiring: List[Tuple[int, datetime]]


@dataclass(frozen=True)
class StatementLine:
    member: str
    granted: int
    revoked: int
    redeemed: int
    refunded: int
    expired: int

    def as_api(self) -> Dict[str, Any]:
        return {
            "member": self.member,
            "granted": self.granted,
            "revoked": self.revoked,
            "redeemed": self.redeemed,
            "refunded": self.refunded,
            "expired": self.expired,
        }


STATEMENT_TOTALS = ("granted", "revoked", "redeemed", "refunded", "expired")


@dataclass(frozen=True)
class Statement:
    """A settlement period's figures: what the channel pays against.

    ``redeemed`` is gross posted redemptions; ``refunded`` what went back;
    the channel pays for ``redeemed - refunded``. ``expired`` counts lapsed
    grants and what the close moved out of the quota and the allowances.
    """

    channel: str
    period: PeriodView
    mode: str
    quota: int
    granted: int
    revoked: int
    redeemed: int
    refunded: int
    expired: int
    remaining: int
    closed_at: Optional[datetime]
    lines: List[StatementLine] = field(default_factory=list)

    @property
    def payable(self) -> int:
        return self.redeemed - self.refunded

    def as_api(self) -> Dict[str, Any]:
        return {
            "channel": self.channel,
            "period": self.period.as_api(),
            "mode": self.mode,
            "quota": self.quota,
            "granted": self.granted,
            "revoked": self.revoked,
            "redeemed": self.redeemed,
            "refunded": self.refunded,
            "expired": self.expired,
            "remaining": self.remaining,
            "payable": self.payable,
            "closed_at": _iso(self.closed_at),
            "lines": [line.as_api() for line in self.lines],
        }

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("member",) + STATEMENT_TOTALS)
        for line in self.lines:
            writer.writerow(
                (line.member,) + tuple(getattr(line, name) for name in STATEMENT_TOTALS)
            )
        writer.writerow(
            ("TOTAL",) + tuple(getattr(self, name) for name in STATEMENT_TOTALS)
        )
        return out.getvalue()


@dataclass(frozen=True)
class MemberPointsView:
    """``myPoints``: one entry per channel the user is a member of."""

    channel: str  # slug
    external_id: str
    available: int
    held: int
    expiring: List[Tuple[int, datetime]]
    period: Optional[PeriodView]
    history: List[TransferView]
    # Pass-through with a balance URL: when the channel's answer became the
    # claim, or why the token's balance was kept ("" when not asked).
    balance_refreshed_at: Optional[datetime] = None
    balance_refresh_error: str = ""

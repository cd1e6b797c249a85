"""Pure settlement rules: what each movement is worth to the provider, and a
statement's totals and CSV. No ORM, no Django."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Dict, List, Optional, Sequence

from plugins.core.errors import ServiceRefusal


class EntryKind(str, Enum):
    DELIVERED = "delivered"  # + units × settlement price
    RETURNED = "returned"  # − (after delivery: returned or cancelled late)
    CANCELLED = "cancelled"  # 0: cancelled before shipping, never owed


SIGN = {EntryKind.DELIVERED: 1, EntryKind.RETURNED: -1, EntryKind.CANCELLED: 0}


class SettlementRefusal(ServiceRefusal):
    """A settlement step refused (typed code, message, field)."""


def entry_amount(kind: EntryKind, units: int, settlement_price: Decimal) -> Decimal:
    return SIGN[EntryKind(kind)] * units * Decimal(settlement_price)


def check_period(
    start: datetime, end: datetime, previous_end: Optional[datetime], now: datetime
) -> None:
    """A period is non-empty, already over, and starts where the provider's
    previous statement ended (no gap is allowed to hide entries: entries
    before the start are taken in as adjustments anyway, but overlap is
    refused)."""
    if end <= start:
        raise SettlementRefusal(
            "invalid_period", "The period must end after it starts.", "period_end"
        )
    if end > now:
        raise SettlementRefusal(
            "invalid_period", "The period has not ended yet.", "period_end"
        )
    if previous_end is not None and start < previous_end:
        raise SettlementRefusal(
            "period_overlaps",
            f"The previous statement already covers up to {previous_end.isoformat()}.",
            "period_start",
        )


@dataclass(frozen=True)
class StatementRow:
    """One entry as a statement shows it (plain data)."""

    occurred_at: datetime
    kind: str
    sub_order_id: int
    order_number: str
    sku: str
    product_name: str
    units: int
    settlement_price: Decimal
    amount: Decimal
    adjustment: bool
    reason: str = ""


@dataclass(frozen=True)
class StatementTotals:
    delivered_units: int
    returned_units: int
    cancelled_units: int
    delivered_amount: Decimal
    returned_amount: Decimal  # ≤ 0
    adjustment_amount: Decimal  # the part of the total from late entries
    total: Decimal


def totals(rows: Sequence[StatementRow]) -> StatementTotals:
    by_kind: Dict[str, int] = {kind.value: 0 for kind in EntryKind}
    delivered = returned = adjustment = Decimal("0")
    for row in rows:
        by_kind[row.kind] += row.units
        if row.kind == EntryKind.DELIVERED:
            delivered += row.amount
        elif row.kind == EntryKind.RETURNED:
            returned += row.amount
        if row.adjustment:
            adjustment += row.amount
    return StatementTotals(
        delivered_units=by_kind[EntryKind.DELIVERED.value],
        returned_units=by_kind[EntryKind.RETURNED.value],
        cancelled_units=by_kind[EntryKind.CANCELLED.value],
        delivered_amount=delivered,
        returned_amount=returned,
        adjustment_amount=adjustment,
        total=delivered + returned,
    )


CSV_HEADER = [
    "occurred_at",
    "kind",
    "adjustment",
    "sub_order",
    "order",
    "sku",
    "product",
    "units",
    "settlement_price",
    "amount",
    "reason",
]


def as_csv(rows: Sequence[StatementRow], currency: str) -> str:
    """The statement's entries, one per row, then a total row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(
            [
                row.occurred_at.isoformat(),
                row.kind,
                "yes" if row.adjustment else "no",
                row.sub_order_id,
                row.order_number,
                row.sku,
                row.product_name,
                row.units,
                f"{row.settlement_price:.2f}",
                f"{row.amount:.2f}",
                row.reason,
            ]
        )
    total = totals(rows).total
    writer.writerow(["", "total", "", "", "", "", "", "", "", f"{total:.2f}", currency])
    return out.getvalue()


def rows_sorted(rows: List[StatementRow]) -> List[StatementRow]:
    return sorted(rows, key=lambda row: (row.occurred_at, row.sub_order_id, row.kind))

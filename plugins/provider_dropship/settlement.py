"""Settlement use cases: the ledger of what each provider is owed, and
closed statements per period.

Entries are written by the sub-order workflow (delivered units +, units
cancelled before shipping 0) and by staff recording a return (−). A
statement takes, under a lock on the provider row, every entry of that
provider not yet in a statement that occurred before the period's end;
entries from before its start (late ones) and returns of units an earlier
statement paid for are marked as adjustments. A closed statement's entries
never change: what happens later lands in the next statement.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Dict, List, Optional, Sequence, Tuple

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from .models import Provider, SettlementEntry, SettlementStatement, SubOrderLine
from .settlement_rules import (
    EntryKind,
    SettlementRefusal,
    StatementRow,
    as_csv,
    check_period,
    entry_amount,
    rows_sorted,
    totals,
)
from .shipping_rules import SubOrderStatus


def record_entries(
    sub_order,
    lines: Sequence[Tuple[SubOrderLine, int]],
    kind: EntryKind,
    reason: str = "",
    occurred_at: Optional[datetime] = None,
    adjustment: bool = False,
) -> List[SettlementEntry]:
    """Ledger entries for ``(line, units)`` of one sub-order (caller's transaction)."""
    at = occurred_at or timezone.now()
    return SettlementEntry.objects.bulk_create(
        SettlementEntry(
            provider_id=sub_order.provider_id,
            sub_order_line=line,
            kind=kind,
            units=units,
            settlement_price_amount=line.settlement_price_amount,
            amount=entry_amount(kind, units, line.settlement_price_amount),
            reason=reason,
            occurred_at=at,
            adjustment=adjustment,
        )
        for line, units in lines
        if units > 0
    )


def record_return(sub_order_line_pk: int, units: int, reason: str) -> SettlementEntry:
    """Staff: units of a delivered line came back (or were cancelled after
    delivery). A negative entry; an adjustment when a closed statement
    already paid for those units. Never more than delivered minus returned."""
    if not (reason or "").strip():
        raise SettlementRefusal("required", "Say why the units came back.", "reason")
    if units is None or units < 1:
        raise SettlementRefusal(
            "invalid_quantity", "Return at least one unit.", "units"
        )
    with transaction.atomic():
        line = (
            SubOrderLine.objects.select_for_update()
            .select_related("sub_order")
            .filter(pk=sub_order_line_pk)
            .first()
        )
        if line is None:
            raise SettlementRefusal("not_found", "No such sub-order line.", "line")
        if line.sub_order.status != SubOrderStatus.DELIVERED:
            raise SettlementRefusal(
                "invalid_status", "Only delivered units can be returned.", "line"
            )
        moved = dict(
            SettlementEntry.objects.filter(sub_order_line=line)
            .values_list("kind")
            .annotate(units=Sum("units"))
        )
        left = moved.get(EntryKind.DELIVERED.value, 0) - moved.get(
            EntryKind.RETURNED.value, 0
        )
        if units > left:
            raise SettlementRefusal(
                "invalid_quantity",
                f"Only {left} delivered unit(s) can come back.",
                "units",
            )
        paid_before = SettlementEntry.objects.filter(
            sub_order_line=line, kind=EntryKind.DELIVERED, statement__isnull=False
        ).exists()
        (entry,) = record_entries(
            line.sub_order,
            [(line, units)],
            EntryKind.RETURNED,
            reason=reason.strip(),
            adjustment=paid_before,
        )
    return entry


def produce_statement(
    provider_pk: int, period_start: datetime, period_end: datetime
) -> SettlementStatement:
    """Close the provider's statement for ``[period_start, period_end)``."""
    with transaction.atomic():
        provider = Provider.objects.select_for_update().filter(pk=provider_pk).first()
        if provider is None:
            raise SettlementRefusal("not_found", "No such provider.", "provider")
        previous = (
            SettlementStatement.objects.filter(provider=provider)
            .order_by("-period_end")
            .values_list("period_end", flat=True)
            .first()
        )
        check_period(period_start, period_end, previous, timezone.now())
        entries = list(
            SettlementEntry.objects.select_for_update()
            .filter(
                provider=provider,
                statement__isnull=True,
                occurred_at__lt=period_end,
            )
            .order_by("pk")
        )
        late = [entry.pk for entry in entries if entry.occurred_at < period_start]
        statement = SettlementStatement.objects.create(
            provider=provider,
            period_start=period_start,
            period_end=period_end,
            currency=provider_currency(entries),
            total_amount=sum((entry.amount for entry in entries), Decimal("0")),
        )
        SettlementEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(
            statement=statement
        )
        if late:
            SettlementEntry.objects.filter(pk__in=late).update(adjustment=True)
    return statement


def provider_currency(entries) -> str:
    from django.conf import settings

    for entry in entries:
        return entry.sub_order_line.sub_order.currency
    return settings.DEFAULT_CURRENCY


def statement_rows(statement: SettlementStatement) -> List[StatementRow]:
    entries = statement.entries.select_related(
        "sub_order_line__order_line", "sub_order_line__sub_order"
    )
    return rows_sorted(
        [
            StatementRow(
                occurred_at=entry.occurred_at,
                kind=entry.kind,
                sub_order_id=entry.sub_order_line.sub_order_id,
                order_number=str(entry.sub_order_line.sub_order.order_id),
                sku=entry.sub_order_line.order_line.product_sku,
                product_name=entry.sub_order_line.order_line.product_name,
                units=entry.units,
                settlement_price=entry.settlement_price_amount,
                amount=entry.amount,
                adjustment=entry.adjustment,
                reason=entry.reason,
            )
            for entry in entries
        ]
    )


def statement_document(statement: SettlementStatement) -> Dict:
    """The statement as JSON-ready data (the API's and the console's)."""
    rows = statement_rows(statement)
    summary = totals(rows)
    return {
        "provider": statement.provider_id,
        "period_start": statement.period_start.isoformat(),
        "period_end": statement.period_end.isoformat(),
        "currency": statement.currency,
        "delivered_units": summary.delivered_units,
        "returned_units": summary.returned_units,
        "cancelled_units": summary.cancelled_units,
        "delivered_amount": str(summary.delivered_amount),
        "returned_amount": str(summary.returned_amount),
        "adjustment_amount": str(summary.adjustment_amount),
        "total": str(summary.total),
        "entries": [
            {
                "occurred_at": row.occurred_at.isoformat(),
                "kind": row.kind,
                "adjustment": row.adjustment,
                "sub_order": row.sub_order_id,
                "order": row.order_number,
                "sku": row.sku,
                "product": row.product_name,
                "units": row.units,
                "settlement_price": str(row.settlement_price),
                "amount": str(row.amount),
                "reason": row.reason,
            }
            for row in rows
        ],
    }


def statement_csv(statement: SettlementStatement) -> str:
    return as_csv(statement_rows(statement), statement.currency)


def statements_visible_to(user):
    """Staff: every statement; a provider user: its providers' only."""
    from .sub_order_access import is_settlement_staff, provider_ids_of

    if is_settlement_staff(user):
        return SettlementStatement.objects.all()
    return SettlementStatement.objects.filter(provider_id__in=provider_ids_of(user))

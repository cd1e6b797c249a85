"""Voucher sales: each unit bought issues a Saleor voucher (a one-use code
worth ``voucher_value`` off a later order, valid ``voucher_valid_days``),
e-mailed to the buyer through the outbox (written in the order's
transaction, so a committed order never loses its codes). Cancelling the
order revokes its vouchers (they end now); a voucher already spent on
another order stays spent and is reported for reconciliation."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import List

from django.utils import timezone

from plugins.core import outbox

from .domain import SaleKind
from .models import IssuedVoucher, Reservation

DEFAULT_VALID_DAYS = 90


def issue_for_order(order) -> List[IssuedVoucher]:
    """Inside the order's transaction: one voucher per voucher-sale unit sold."""
    from saleor.core.utils.promo_code import generate_promo_code
    from saleor.discount import DiscountValueType, VoucherType
    from saleor.discount.models import Voucher

    rows = Reservation.objects.filter(
        order_id=order.pk, state="committed", item__sale__kind=SaleKind.VOUCHER.value
    ).select_related("item", "item__sale")
    issued = []
    now = timezone.now()
    for reservation in rows:
        item = reservation.item
        value = item.voucher_value_amount or item.sale_price_amount
        days = item.voucher_valid_days or DEFAULT_VALID_DAYS
        for _ in range(reservation.quantity):
            voucher = Voucher.objects.create(
                type=VoucherType.ENTIRE_ORDER,
                name=f"{item.sale.name} voucher",
                code=generate_promo_code(),
                usage_limit=1,
                start_date=now,
                end_date=now + timedelta(days=days),
                discount_value_type=DiscountValueType.FIXED,
                discount_value=Decimal(value),
                currency=item.currency,
            )
            issued.append(
                IssuedVoucher.objects.create(
                    reservation=reservation,
                    order_id=order.pk,
                    voucher=voucher,
                    email=order.get_customer_email() or reservation.customer_key,
                )
            )
    if issued:
        deliver(order.pk)
    return issued


def deliver(order_id: int) -> int:
    """Write the order's undelivered voucher codes to the outbox as one
    e-mail per address (in the caller's transaction); ``delivered_at`` is
    when they were handed to it. Returns how many."""
    pending = list(
        IssuedVoucher.objects.filter(order_id=order_id, delivered_at__isnull=True)
        .select_related("voucher")
        .order_by("pk")
    )
    by_email = {}
    for issued in pending:
        by_email.setdefault(issued.email, []).append(issued)
    for email, vouchers in by_email.items():
        lines = [
            f"{v.voucher.code}: {v.voucher.discount_value} {v.voucher.currency} off, "
            f"valid until {v.voucher.end_date:%Y-%m-%d}"
            for v in vouchers
        ]
        outbox.enqueue_email(
            email,
            "Your flash-sale vouchers",
            "Thank you for your order. Your voucher codes:\n\n" + "\n".join(lines),
            event_type="flash_sale.vouchers_issued",
        )
        IssuedVoucher.objects.filter(pk__in=[v.pk for v in vouchers]).update(
            delivered_at=timezone.now()
        )
    return len(pending)


logger = logging.getLogger(__name__)


def revoke_for_order(order_id: int) -> int:
    """In the cancelled order's transaction: its vouchers end now (Saleor
    refuses an ended voucher at checkout); returns how many were revoked."""
    from saleor.discount.models import Voucher

    now = timezone.now()
    issued = list(
        IssuedVoucher.objects.filter(order_id=order_id, revoked_at__isnull=True)
        .select_related("voucher")
        .order_by("pk")
    )
    for row in issued:
        if row.voucher.used:
            logger.warning(
                "order %s cancelled: its voucher %s was already used; reconcile",
                order_id,
                row.voucher.code,
            )
    Voucher.objects.filter(pk__in=[row.voucher_id for row in issued]).update(
        end_date=now
    )
    IssuedVoucher.objects.filter(pk__in=[row.pk for row in issued]).update(
        revoked_at=now
    )
    return len(issued)

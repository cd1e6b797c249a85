"""The brakes against hoarding flash units.

A script must not keep a sale "sold out" by holding units it never buys.
Four brakes, each cheap and each documented in docs/flash-sales.md:

- a sale may require signed-in buyers (channel sales always do: their
  buyers are channel members; both checked by ``channel_access``);
- reserves are rate-limited per signed-in member and per client address
  (Redis, failing open: PostgreSQL's rules still decide every hold);
- a checkout holds at most ``FLASH_MAX_HELD_ITEMS_PER_CHECKOUT`` items, and
  a customer at most ``FLASH_MAX_OPEN_HOLDS_PER_CUSTOMER`` live holds over
  all sales and checkouts (counted under a per-customer advisory lock, so
  concurrent reserves cannot both slip under the bound);
- guests are counted per mailbox (``domain.normalised_email``) and the
  create-with-checkout form is idempotent on a client key.
"""

from __future__ import annotations

from typing import Optional, Tuple

from django.conf import settings
from django.db import connection

from plugins.core import rate_limit

from .models import Reservation

Refusal = Tuple[str, str]  # (FlashSaleErrorCode value, message)

RESERVATION_TABLE = Reservation._meta.db_table


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default) or 0)


def rate_refusal(client_address: str, user) -> Optional[Refusal]:
    """Over the reserve rate of this member or this client address
    (``rate_limit.client_address(request)``)."""
    member_limit = rate_limit.Limit(_setting("FLASH_RESERVE_RATE_PER_MEMBER", 30))
    address_limit = rate_limit.Limit(_setting("FLASH_RESERVE_RATE_PER_IP", 120))
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    over = (
        signed_in and not rate_limit.allow("reserve-member", str(user.pk), member_limit)
    ) or not rate_limit.allow("reserve-ip", client_address, address_limit)
    if over:
        return (
            "rate_limited",
            "Too many hold requests; wait a minute and try again.",
        )
    return None


def bounds_refusal(item_id: int, now, customer_key: str, checkout_token: str):
    """Over the bound of live holds per checkout or per customer.

    Runs inside the hold's transaction, after the item lock; a hold the
    checkout already has on this item (a retry or a change of quantity) is
    never refused here.
    """
    per_checkout = _setting("FLASH_MAX_HELD_ITEMS_PER_CHECKOUT", 10)
    per_customer = _setting("FLASH_MAX_OPEN_HOLDS_PER_CUSTOMER", 10)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {RESERVATION_TABLE} WHERE item_id = %s "
            "AND checkout_token = %s AND state = 'held' AND expires_at > %s",
            [item_id, checkout_token, now],
        )
        if cursor.fetchone():
            return None
        if customer_key:
            # Serialise this customer's new holds (every item): the count
            # below then sees the others' committed holds.
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"flash-holds:{customer_key}"],
            )
        cursor.execute(
            f"""
            SELECT COUNT(DISTINCT item_id) FILTER (WHERE checkout_token = %s),
                   COUNT(*) FILTER (WHERE customer_key = %s AND customer_key <> '')
              FROM {RESERVATION_TABLE}
             WHERE state = 'held' AND expires_at > %s
               AND (checkout_token = %s OR customer_key = %s)
            """,
            [checkout_token, customer_key, now, checkout_token, customer_key],
        )
        checkout_items, customer_holds = cursor.fetchone()
    if per_checkout and checkout_items >= per_checkout:
        return (
            "too_many_holds",
            f"A checkout holds at most {per_checkout} flash items at once.",
        )
    if per_customer and customer_key and customer_holds >= per_customer:
        return (
            "too_many_holds",
            f"You already hold {customer_holds} flash items; buy or release "
            "some first.",
        )
    return None

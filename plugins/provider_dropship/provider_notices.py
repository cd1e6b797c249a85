"""Messages about sub-orders, written to the outbox in the caller's
transaction (``plugins.core.outbox``): the provider hears of a new sub-order
(signed webhook + e-mail), the buyer of each shipment (shipped with
tracking; delivered).

The provider gets only what it needs to ship: the items and quantities, the
shipping address, the buyer's name and phone. Not the buyer's e-mail, not
the order's prices, payment or other lines.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from plugins.core import outbox

SUB_ORDER_CREATED = "sub_order.created"
SHIPMENT_SHIPPED = "shipment.shipped"
SHIPMENT_DELIVERED = "shipment.delivered"


def ship_to(address) -> Dict[str, str]:
    """The shipping address with the buyer's name and phone (nothing else)."""
    if address is None:
        return {}
    return {
        "name": f"{address.first_name} {address.last_name}".strip(),
        "company_name": address.company_name,
        "phone": str(address.phone or ""),
        "street_address_1": address.street_address_1,
        "street_address_2": address.street_address_2,
        "city": address.city,
        "city_area": address.city_area,
        "postal_code": address.postal_code,
        "country": str(address.country.code if address.country else ""),
        "country_area": address.country_area,
    }


def item(order_line, quantity: int) -> Dict[str, Any]:
    return {
        "sku": order_line.product_sku,
        "product": order_line.product_name,
        "variant": order_line.variant_name,
        "quantity": quantity,
    }


def provider_payload(
    sub_order_id: int, items: Sequence[Dict[str, Any]], address: Dict[str, str]
) -> Dict[str, Any]:
    return {
        "sub_order": {"id": sub_order_id, "reference": f"SO-{sub_order_id}"},
        "items": list(items),
        "ship_to": address,
    }


def _address_text(address: Dict[str, str]) -> str:
    keys = (
        "name",
        "company_name",
        "street_address_1",
        "street_address_2",
        "city_area",
        "postal_code",
        "city",
        "country_area",
        "country",
    )
    lines = [address.get(key, "") for key in keys]
    text = "\n".join("  " + line for line in lines if line)
    if address.get("phone"):
        text += f"\n  Phone: {address['phone']}"
    return text


def _items_text(items: Sequence[Dict[str, Any]]) -> str:
    return "\n".join(
        f"  {entry['quantity']} × {entry['product']}"
        + (f" ({entry['variant']})" if entry.get("variant") else "")
        + f"  [SKU {entry['sku']}]"
        for entry in items
    )


def tell_provider_of_sub_order(
    provider, sub_order_id: int, items, address: Dict[str, str]
) -> List[int]:
    """Webhook (if the provider has a webhook URL and secret) and e-mail (its
    contact e-mail, if any); returns the outbox message ids."""
    payload = provider_payload(sub_order_id, items, address)
    written = []
    if provider.webhook_url and provider.webhook_secret:
        message = outbox.enqueue_webhook(
            provider.webhook_url, provider.webhook_secret, SUB_ORDER_CREATED, payload
        )
        written.append(message.pk)
    email = provider.contact_email
    if email:
        body = (
            f"New drop-ship sub-order SO-{sub_order_id} for {provider.name}.\n\n"
            f"Items:\n{_items_text(items)}\n\n"
            f"Ship to:\n{_address_text(address)}\n\n"
            "Accept it, then add the carrier and tracking number when it ships "
            "(provider portal /provider/ or the GraphQL API).\n"
        )
        message = outbox.enqueue_email(
            email,
            f"New sub-order SO-{sub_order_id}",
            body,
            event_type=SUB_ORDER_CREATED,
        )
        written.append(message.pk)
    return written


def tell_buyer_of_shipment(
    order,
    sub_order_id: int,
    event_type: str,
    items,
    carrier: str = "",
    tracking_number: str = "",
    shipped: int = 0,
    of: int = 0,
) -> Optional[int]:
    """One e-mail per shipment event to the order's e-mail address."""
    if not order.user_email:
        return None
    if event_type == SHIPMENT_SHIPPED:
        subject = f"Order #{order.pk}: a shipment is on its way"
        head = (
            f"A shipment of your order #{order.pk} was handed to {carrier}.\n"
            f"Tracking number: {tracking_number}\n"
            f"Shipments sent: {shipped} of {of}.\n"
        )
    else:
        subject = f"Order #{order.pk}: a shipment was delivered"
        head = f"A shipment of your order #{order.pk} was delivered.\n"
    body = f"{head}\nIn this shipment (SO-{sub_order_id}):\n{_items_text(items)}\n"
    return outbox.enqueue_email(
        order.user_email, subject, body, event_type=event_type
    ).pk


def tell_buyer_of_cancellation(
    order, sub_order_id: int, items, refund, reason: str
) -> Optional[int]:
    """The buyer hears which units the provider cancelled and what comes back."""
    if not order.user_email:
        return None
    body = (
        f"Some items of your order #{order.pk} cannot be shipped and were "
        f"cancelled:\n{_items_text(items)}\n\nReason: {reason}\n"
        f"Refunded to your payment: {refund:.2f} {order.currency}.\n"
    )
    return outbox.enqueue_email(
        order.user_email,
        f"Order #{order.pk}: items cancelled and refunded",
        body,
        event_type="shipment.lines_cancelled",
    ).pk

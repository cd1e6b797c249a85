"""A flash-sale buyer's whole path over GraphQL/HTTP (tests and
bench/flash_herd.py): checkoutCreate (e-mail only: no lines, no addresses)
-> flashSaleReserve (losers stop here) -> checkoutLinesAdd ->
checkoutShippingAddressUpdate -> checkoutBillingAddressUpdate -> shipping
method -> dummy payment -> checkoutComplete. Addresses come after the
reserve because Saleor's address validation is the costliest part of
checkoutCreate and losers do not need it."""

from __future__ import annotations

import time

from tests import storefront
from tests.storefront import Purchase, StepFailed, _call
from tests.support import post_graphql

RESERVE = """
mutation($item: ID!, $qty: Int!, $checkout: ID!) {
  flashSaleReserve(itemId: $item, quantity: $qty, checkoutId: $checkout) {
    reservation { id expiresAt }
    flashSaleErrors { code message }
  }
}"""
ADDRESS_UPDATE = """
mutation($checkoutId: ID!, $address: AddressInput!) {
  checkoutShippingAddressUpdate(checkoutId: $checkoutId, shippingAddress: $address) {
    checkout { id availableShippingMethods { id } }
    checkoutErrors { field code message }
  }
}"""
BILLING_UPDATE = """
mutation($checkoutId: ID!, $address: AddressInput!) {
  checkoutBillingAddressUpdate(checkoutId: $checkoutId, billingAddress: $address) {
    checkout { id }
    checkoutErrors { field code message }
  }
}"""
LINES_ADD = """
mutation($checkoutId: ID!, $lines: [CheckoutLineInput]!) {
  checkoutLinesAdd(checkoutId: $checkoutId, lines: $lines) {
    checkout { id availableShippingMethods { id } }
    checkoutErrors { field code message }
  }
}"""


def flash_buy(url: str, variant_gid: str, item_gid: str, email: str):
    """Walk our flash flow; never raises for a lost sale, reports it."""
    purchase = Purchase(email=email)
    try:
        checkout = _call(
            url,
            purchase,
            "checkoutCreate",
            storefront.CHECKOUT_CREATE,
            {
                # No addresses yet: Saleor validates addresses at some cost,
                # and only winners need them.
                "input": {"email": email, "lines": []}
            },
            "checkoutCreate",
        )["checkout"]
        purchase.checkout_token = checkout["token"]
        started = time.monotonic()
        body = post_graphql(
            url,
            RESERVE,
            {"item": item_gid, "qty": 1, "checkout": checkout["id"]},
            timeout=120,
        )
        purchase.step_seconds["flashSaleReserve"] = time.monotonic() - started
        if body.get("errors"):
            purchase.failed_step = "flashSaleReserve"
            purchase.top_level_error = True
            purchase.error_message = body["errors"][0]["message"]
            return purchase
        errors = body["data"]["flashSaleReserve"]["flashSaleErrors"]
        if errors:
            purchase.failed_step = "flashSaleReserve"
            purchase.error_code = errors[0]["code"]
            return purchase
        added = _call(
            url,
            purchase,
            "checkoutLinesAdd",
            LINES_ADD,
            {
                "checkoutId": checkout["id"],
                "lines": [{"variantId": variant_gid, "quantity": 1}],
            },
            "checkoutLinesAdd",
        )["checkout"]
        # Saleor drops the shipping address of a checkout without lines.
        added = _call(
            url,
            purchase,
            "checkoutShippingAddressUpdate",
            ADDRESS_UPDATE,
            {"checkoutId": checkout["id"], "address": storefront.ADDRESS},
            "checkoutShippingAddressUpdate",
        )["checkout"]
        _call(
            url,
            purchase,
            "checkoutBillingAddressUpdate",
            BILLING_UPDATE,
            {"checkoutId": checkout["id"], "address": storefront.ADDRESS},
            "checkoutBillingAddressUpdate",
        )
        method = added["availableShippingMethods"][0]["id"]
        total = _call(
            url,
            purchase,
            "checkoutShippingMethodUpdate",
            storefront.SHIPPING_UPDATE,
            {"checkoutId": checkout["id"], "shippingMethodId": method},
            "checkoutShippingMethodUpdate",
        )["checkout"]["totalPrice"]["gross"]["amount"]
        purchase.total = total
        _call(
            url,
            purchase,
            "checkoutPaymentCreate",
            storefront.PAYMENT_CREATE,
            {
                "checkoutId": checkout["id"],
                "input": {
                    "gateway": "mirumee.payments.dummy",
                    "token": "charged",
                    "amount": total,
                },
            },
            "checkoutPaymentCreate",
        )
        order = _call(
            url,
            purchase,
            "checkoutComplete",
            storefront.COMPLETE,
            {"checkoutId": checkout["id"]},
            "checkoutComplete",
        )["order"]
        purchase.order_token = order["token"]
    except StepFailed:
        pass
    return purchase

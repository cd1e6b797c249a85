"""A storefront buyer's path through Saleor's checkout, over GraphQL/HTTP.

Shared by the end-to-end tests, the herd tests and the herd benchmarks:
checkoutCreate -> checkoutShippingMethodUpdate -> checkoutPaymentCreate
(Saleor's dummy gateway) -> checkoutComplete.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from tests.support import post_graphql

ADDRESS = {
    "firstName": "Ada",
    "lastName": "Buyer",
    "streetAddress1": "1 Main Street",
    "city": "New York",
    "postalCode": "10001",
    "country": "US",
    "countryArea": "NY",
}

CHECKOUT_CREATE = """
mutation($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) {
    checkout { id token totalPrice { gross { amount currency } }
               availableShippingMethods { id name } }
    checkoutErrors { field code message }
  }
}"""
SHIPPING_UPDATE = """
mutation($checkoutId: ID!, $shippingMethodId: ID!) {
  checkoutShippingMethodUpdate(
    checkoutId: $checkoutId, shippingMethodId: $shippingMethodId
  ) {
    checkout { totalPrice { gross { amount } } }
    checkoutErrors { field code message }
  }
}"""
PAYMENT_CREATE = """
mutation($checkoutId: ID!, $input: PaymentInput!) {
  checkoutPaymentCreate(checkoutId: $checkoutId, input: $input) {
    payment { id chargeStatus }
    paymentErrors { field code message }
  }
}"""
COMPLETE = """
mutation($checkoutId: ID!) {
  checkoutComplete(checkoutId: $checkoutId) {
    order { id number token status }
    checkoutErrors { field code message }
  }
}"""


@dataclass
class Purchase:
    """What one buyer got: an order, or the step and error that stopped them."""

    email: str
    order_token: Optional[str] = None
    failed_step: Optional[str] = None
    error_code: Optional[str] = None
    error_message: Optional[str] = None
    top_level_error: bool = False
    total: Optional[float] = None
    checkout_token: Optional[str] = None
    step_seconds: Dict[str, float] = field(default_factory=dict)

    @property
    def won(self) -> bool:
        return self.order_token is not None


class StepFailed(Exception):
    pass


def _call(url, purchase, step, query, variables, field_name, token=None):
    started = time.monotonic()
    response = post_graphql(url, query, variables, token, timeout=120)
    purchase.step_seconds[step] = time.monotonic() - started
    if response.get("errors"):
        purchase.failed_step = step
        purchase.top_level_error = True
        purchase.error_message = response["errors"][0]["message"]
        raise StepFailed(step)
    payload = response["data"][field_name]
    errors: List[Dict[str, Any]] = (
        payload.get("checkoutErrors")
        or payload.get("paymentErrors")
        or payload.get("flashSaleErrors")
        or []
    )
    if errors:
        purchase.failed_step = step
        purchase.error_code = errors[0]["code"]
        purchase.error_message = errors[0]["message"]
        raise StepFailed(step)
    return payload


def buy(
    graphql_url: str,
    variant_global_id: str,
    email: str,
    quantity: int = 1,
    token: Optional[str] = None,
) -> Purchase:
    """Walk the whole checkout; never raises for a lost sale, reports it."""
    purchase = Purchase(email=email)
    try:
        checkout = _call(
            graphql_url,
            purchase,
            "checkoutCreate",
            CHECKOUT_CREATE,
            {
                "input": {
                    "email": email,
                    "lines": [{"variantId": variant_global_id, "quantity": quantity}],
                    "shippingAddress": ADDRESS,
                    "billingAddress": ADDRESS,
                }
            },
            "checkoutCreate",
            token,
        )["checkout"]
        purchase.checkout_token = checkout["token"]
        pay_and_complete(graphql_url, purchase, checkout, token)
    except StepFailed:
        pass
    return purchase


def pay_and_complete(graphql_url, purchase, checkout, token=None) -> None:
    """From a checkout with lines and addresses: the first shipping method,
    dummy payment of the total, checkoutComplete. Raises StepFailed."""
    methods = checkout["availableShippingMethods"]
    if not methods:
        purchase.failed_step = "checkoutShippingMethodUpdate"
        purchase.error_message = "no shipping method"
        raise StepFailed("checkoutShippingMethodUpdate")
    total = _call(
        graphql_url,
        purchase,
        "checkoutShippingMethodUpdate",
        SHIPPING_UPDATE,
        {"checkoutId": checkout["id"], "shippingMethodId": methods[0]["id"]},
        "checkoutShippingMethodUpdate",
        token,
    )["checkout"]["totalPrice"]["gross"]["amount"]
    purchase.total = total
    _call(
        graphql_url,
        purchase,
        "checkoutPaymentCreate",
        PAYMENT_CREATE,
        {
            "checkoutId": checkout["id"],
            "input": {
                "gateway": "mirumee.payments.dummy",
                "token": "charged",
                "amount": total,
            },
        },
        "checkoutPaymentCreate",
        token,
    )
    order = _call(
        graphql_url,
        purchase,
        "checkoutComplete",
        COMPLETE,
        {"checkoutId": checkout["id"]},
        "checkoutComplete",
        token,
    )["order"]
    purchase.order_token = order["token"]

"""A flash-sale buyer's whole path over GraphQL/HTTP (tests and
bench/flash_herd.py): flashSaleReserve with the checkout to create (e-mail,
addresses; losers stop here, answered by the Redis gate without a checkout
ever being made) -> shipping method -> dummy payment -> checkoutComplete.
Four calls for a winner, as many as Saleor's own checkout; one for a loser."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import List

from tests import storefront
from tests.storefront import Purchase, StepFailed, _call

RESERVE = """
mutation($item: ID!, $qty: Int!, $checkout: ID!) {
  flashSaleReserve(itemId: $item, quantity: $qty, checkoutId: $checkout) {
    reservation { id expiresAt }
    flashSaleErrors { code message }
  }
}"""
RESERVE_WITH_CHECKOUT = """
mutation($item: ID!, $qty: Int!, $checkout: CheckoutCreateInput!) {
  flashSaleReserve(itemId: $item, quantity: $qty, checkout: $checkout) {
    reservation { id expiresAt }
    checkout { id token availableShippingMethods { id } }
    flashSaleErrors { field code message }
  }
}"""


def reserve_variables(item_gid: str, email: str, quantity: int = 1) -> dict:
    return {
        "item": item_gid,
        "qty": quantity,
        "checkout": {
            "email": email,
            "lines": [],
            "shippingAddress": storefront.ADDRESS,
            "billingAddress": storefront.ADDRESS,
        },
    }


def flash_buy(url: str, item_gid: str, email: str, token=None) -> Purchase:
    """Walk our flash flow; never raises for a lost sale, reports it."""
    purchase = Purchase(email=email)
    try:
        checkout = _call(
            url,
            purchase,
            "flashSaleReserve",
            RESERVE_WITH_CHECKOUT,
            reserve_variables(item_gid, email),
            "flashSaleReserve",
            token,
        )["checkout"]
        purchase.checkout_token = checkout["token"]
        storefront.pay_and_complete(url, purchase, checkout, token)
    except StepFailed:
        pass
    return purchase


def herd_outcomes(url: str, item_gid: str, buyers: int, at_once: int) -> List[str]:
    """``buyers`` buyers race through the whole flash flow, ``at_once`` at a
    time; each one's outcome: ``won`` or ``<step>:<error code>``, sorted."""
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        purchases = list(
            pool.map(
                lambda n: flash_buy(url, item_gid, f"herd{n}@herd.test"),
                range(buyers),
            )
        )
    return sorted(
        "won" if p.won else f"{p.failed_step}:{p.error_code}" for p in purchases
    )

"""GraphQL through Django's test client, in this process (no server): for
races where a test must hold a window open inside a request (the slow test
gateway in tests/fault_plugin.py). Each thread uses its own client and
database connection; threads close their connection when done."""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional

from django.db import connections

from tests.support import gql_in_process as gql  # noqa: F401 (one helper)


class InThread:
    """Run ``call`` in a thread on its own connection; ``result`` or
    ``error`` once done."""

    def __init__(self, call: Callable[[], Any]):
        self.result: Any = None
        self.error: Optional[BaseException] = None
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call):
        try:
            self.result = call()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            self.error = error
        finally:
            connections.close_all()
            self.done.set()

    def join(self, timeout: float = 30) -> Any:
        self._thread.join(timeout)
        assert self.done.is_set(), "the thread did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def ok(response, field):
    """The payload of ``field``; fails on any GraphQL or typed error."""
    assert "errors" not in response, response
    payload = response["data"][field]
    for key in ("checkoutErrors", "paymentErrors", "flashSaleErrors"):
        assert not payload.get(key), payload[key]
    return payload


def ship_and_pay(checkout: dict, gateway: str, payment_token: str) -> None:
    """Pick the checkout's first shipping method and create a payment of its
    total with ``gateway`` (in-process), ready for checkoutComplete."""
    from tests.storefront import PAYMENT_CREATE, SHIPPING_UPDATE

    method = checkout["availableShippingMethods"][0]["id"]
    total = ok(
        gql(
            SHIPPING_UPDATE, {"checkoutId": checkout["id"], "shippingMethodId": method}
        ),
        "checkoutShippingMethodUpdate",
    )["checkout"]["totalPrice"]["gross"]["amount"]
    ok(
        gql(
            PAYMENT_CREATE,
            {
                "checkoutId": checkout["id"],
                "input": {"gateway": gateway, "token": payment_token, "amount": total},
            },
        ),
        "checkoutPaymentCreate",
    )

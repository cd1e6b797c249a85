"""The points gateway through Saleor's own checkout (in-process GraphQL):
confirmation by code and by password, lockouts under concurrent guesses,
refunds by policy and involuntary ones, hold expiry, the guard's rescue,
and who sees the gateway."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone
from saleor.order.models import Order
from saleor.payment import ChargeStatus, PaymentError, gateway
from saleor.payment.models import Payment

from plugins.checkout_guard.rescue import rescue_checkout_payments
from plugins.core.payments import reverse_payment
from plugins.points_payment import services
from plugins.points_payment.models import PaymentCode, PaymentPassword
from tests.sale_windows import factories

from .gateway_support import (
    CODE_REQUEST,
    PASSWORD_SET,
    available,
    confirm,
    errors_of,
    gateway_ids,
    gql,
    held,
    last_code,
    make_shop,
    member_token,
    new_checkout,
    ok,
    pay_and_complete,
)
from .ledger_support import race

pytestmark = pytest.mark.usefixtures("committed_db", "products")


@pytest.fixture(scope="module")
def products(committed_db):
    yield
    factories.delete_created()


def test_on_the_test_database(db):
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")


def _points(total) -> int:
    return int(
        (Decimal(str(total)) / Decimal("0.01")).to_integral_value("ROUND_CEILING")
    )


def _paid_checkout(shop, external_id, points=100_000):
    """A member's checkout paid (not completed) through a confirmation token."""
    token = member_token(shop, external_id, points)
    checkout = new_checkout(shop, token)
    confirmation = ok(
        confirm(checkout, token), "pointsPaymentConfirm", "pointsPaymentErrors"
    )
    return token, checkout, confirmation["token"]


def test_purchase_with_a_one_time_code():
    shop = make_shop(confirmation="one_time_code", code_sender="webhook")
    token = member_token(shop, "ada", 10_000)
    checkout = new_checkout(shop, token)
    sent = ok(
        gql(CODE_REQUEST, {"checkoutId": checkout["id"]}, token),
        "pointsPaymentCodeRequest",
        "pointsPaymentErrors",
    )
    assert sent["points"] == _points(checkout["total"])
    code = last_code(shop)
    wrong = "000000" if code != "000000" else "111111"
    (error,) = errors_of(confirm(checkout, token, code=wrong), "pointsPaymentConfirm")
    assert (error["code"], error["field"]) == ("CODE_INVALID", "code")
    confirmed = ok(
        confirm(checkout, token, code=code),
        "pointsPaymentConfirm",
        "pointsPaymentErrors",
    )
    assert available(shop, "ada") == 10_000  # nothing moved before the payment

    completed = pay_and_complete(checkout, token, confirmed["token"])

    assert not completed["checkoutErrors"], completed
    order = Order.objects.get(token=completed["order"]["token"])
    payment = Payment.objects.get(order=order)
    assert payment.charge_status == ChargeStatus.FULLY_CHARGED
    assert available(shop, "ada") == 10_000 - sent["points"]
    assert held(shop, "ada") == 0
    assert code not in str(payment.__dict__)  # no code in Payment rows
    assert services.audit() == []


def test_purchase_with_the_payment_password_and_token_single_use():
    shop = make_shop(confirmation="payment_password")
    token = member_token(shop, "bea", 10_000)
    checkout = new_checkout(shop, token)
    (error,) = errors_of(confirm(checkout, token, password="x"), "pointsPaymentConfirm")
    assert error["code"] == "PASSWORD_NOT_SET"
    ok(
        gql(PASSWORD_SET, {"password": "s3cret-pay"}, token),
        "pointsPaymentPasswordSet",
        "pointsPaymentErrors",
    )
    stored = PaymentPassword.objects.get(member__external_id="bea")
    assert "s3cret-pay" not in stored.password
    (error,) = errors_of(
        gql(PASSWORD_SET, {"password": "other-pass", "current": "nope!!"}, token),
        "pointsPaymentPasswordSet",
    )
    assert (error["code"], error["field"]) == ("PASSWORD_INVALID", "currentPassword")
    confirmed = ok(
        confirm(checkout, token, password="s3cret-pay"),
        "pointsPaymentConfirm",
        "pointsPaymentErrors",
    )
    completed = pay_and_complete(checkout, token, confirmed["token"])
    assert not completed["checkoutErrors"], completed
    assert available(shop, "bea") == 10_000 - confirmed["points"]

    # The token is spent: a second checkout cannot pay with it.
    second = new_checkout(shop, token)
    completed = pay_and_complete(second, token, confirmed["token"])
    (error,) = completed["checkoutErrors"]
    assert error["code"] == "PAYMENT_ERROR" and "already used" in error["message"]
    assert available(shop, "bea") == 10_000 - confirmed["points"]


def test_five_wrong_codes_lock_even_when_guessed_at_once():
    shop = make_shop(confirmation="one_time_code", code_sender="webhook")
    token = member_token(shop, "cy", 10_000)
    checkout = new_checkout(shop, token)
    ok(
        gql(CODE_REQUEST, {"checkoutId": checkout["id"]}, token),
        "pointsPaymentCodeRequest",
        "pointsPaymentErrors",
    )
    code = last_code(shop)
    wrong = [str((int(code) + i) % 1_000_000).zfill(6) for i in range(1, 13)]

    def guess(i):
        try:
            return errors_of(
                confirm(checkout, token, code=wrong[i]), "pointsPaymentConfirm"
            )[0]["code"]
        finally:
            connections.close_all()

    outcomes = race(12, guess)
    assert sorted(outcomes).count("CODE_INVALID") == 4, outcomes
    assert outcomes.count("CODE_LOCKED") == 8, outcomes
    assert PaymentCode.objects.get(checkout_token=checkout["token"]).attempts == 5
    (error,) = errors_of(confirm(checkout, token, code=code), "pointsPaymentConfirm")
    assert error["code"] == "CODE_LOCKED"  # even the right code
    assert available(shop, "cy") == 10_000


def test_wrong_passwords_at_once_lock_for_15_minutes():
    shop = make_shop(confirmation="payment_password")
    token = member_token(shop, "dee", 10_000)
    ok(
        gql(PASSWORD_SET, {"password": "right-one"}, token),
        "pointsPaymentPasswordSet",
        "pointsPaymentErrors",
    )
    checkout = new_checkout(shop, token)

    def guess(i):
        try:
            return errors_of(
                confirm(checkout, token, password=f"wrong-{i}"), "pointsPaymentConfirm"
            )[0]["code"]
        finally:
            connections.close_all()

    outcomes = race(10, guess)
    assert outcomes.count("PASSWORD_INVALID") == 4, outcomes
    assert outcomes.count("PASSWORD_LOCKED") == 6, outcomes
    (error,) = errors_of(
        confirm(checkout, token, password="right-one"), "pointsPaymentConfirm"
    )
    assert error["code"] == "PASSWORD_LOCKED"
    lock = PaymentPassword.objects.get(member__external_id="dee").locked_until
    assert timedelta(minutes=14) < lock - timezone.now() <= timedelta(minutes=15)


def _order_payment(shop, external_id):
    token, checkout, payment_token = _paid_checkout(shop, external_id)
    completed = pay_and_complete(checkout, token, payment_token)
    assert not completed["checkoutErrors"], completed
    return Payment.objects.get(order__token=completed["order"]["token"])


def test_a_refund_the_buyer_asks_for_is_refused_by_default():
    shop = make_shop()  # refund_policy "refuse"
    payment = _order_payment(shop, "eve")
    before = available(shop, "eve")
    with pytest.raises(PaymentError, match="not refundable|refund"):
        gateway.refund(payment)
    payment.refresh_from_db()
    assert payment.charge_status == ChargeStatus.FULLY_CHARGED
    assert available(shop, "eve") == before


def test_a_refund_under_return_to_allowance_gives_points_back():
    shop = make_shop(refund_policy="return_to_allowance")
    payment = _order_payment(shop, "fay")
    gateway.refund(payment)
    payment.refresh_from_db()
    assert payment.charge_status == ChargeStatus.FULLY_REFUNDED
    assert available(shop, "fay") == 100_000
    assert services.audit() == []


def test_a_refund_the_buyer_did_not_ask_for_always_gives_points_back():
    shop = make_shop()  # refund_policy "refuse"
    payment = _order_payment(shop, "gus")
    reversal = reverse_payment(payment)  # inside involuntary_refund()
    assert reversal.action == "refund", reversal
    assert available(shop, "gus") == 100_000


def test_the_guards_rescue_gives_the_points_back():
    shop = make_shop()
    token, checkout, payment_token = _paid_checkout(shop, "hal")
    from tests.storefront import PAYMENT_CREATE

    ok(
        gql(
            PAYMENT_CREATE,
            {
                "checkoutId": checkout["id"],
                "input": {
                    "gateway": "flash.payments.points",
                    "token": payment_token,
                    "amount": checkout["total"],
                },
            },
            token,
        ),
        "checkoutPaymentCreate",
        "paymentErrors",
    )
    payment = Payment.objects.get(checkout_id=checkout["token"])
    gateway.process_payment(payment, payment.token)  # paid, and then no order
    assert available(shop, "hal") < 100_000
    (rescue,) = rescue_checkout_payments(checkout["token"], "order failed")
    assert rescue.action == "refund", rescue.reason
    assert available(shop, "hal") == 100_000


def test_a_hold_that_never_becomes_an_order_expires():
    shop = make_shop(hold_timeout_seconds=60)
    token, checkout, payment_token = _paid_checkout(shop, "ivy")
    from tests.storefront import PAYMENT_CREATE

    ok(
        gql(
            PAYMENT_CREATE,
            {
                "checkoutId": checkout["id"],
                "input": {
                    "gateway": "flash.payments.points",
                    "token": payment_token,
                    "amount": checkout["total"],
                },
            },
            token,
        ),
        "checkoutPaymentCreate",
        "paymentErrors",
    )
    payment = Payment.objects.get(checkout_id=checkout["token"])
    gateway.authorize(payment, payment.token)  # held, never captured
    assert held(shop, "ivy") == _points(checkout["total"])
    services.release_timed_out_holds(now=timezone.now() + timedelta(seconds=61))
    assert (available(shop, "ivy"), held(shop, "ivy")) == (100_000, 0)
    with pytest.raises(PaymentError):
        gateway.capture(payment)  # too late: the points went back


def test_the_gateway_is_listed_only_for_members_of_points_channels():
    shop = make_shop()
    token = member_token(shop, "jo", 10)
    checkout = new_checkout(shop, token)
    assert "flash.payments.points" in gateway_ids(checkout["token"], token)
    guest = new_checkout(shop, None)
    assert "flash.payments.points" not in gateway_ids(guest["token"], None)
    services.enable_program(shop.channel_id, enabled=False)
    assert "flash.payments.points" not in gateway_ids(checkout["token"], token)


def test_my_points_shows_period_expiring_and_pages_history():
    shop = make_shop()
    token = member_token(shop, "kim", 0)
    for i in range(5):
        services.grant(shop.channel_id, "kim", 10 + i, transfer_id=f"kim-{i}")
    query = """
    query($after: String) { myPoints {
      available expiringPoints { points expiresAt } period { id endsAt state }
      historyPage(first: 2, after: $after) {
        movements { id code amount } nextCursor } } }"""
    (entry,) = gql(query, {}, token)["data"]["myPoints"]
    assert entry["available"] == 60 and entry["period"]["state"] == "open"
    assert sum(e["points"] for e in entry["expiringPoints"]) == 60
    seen = []
    after = None
    while True:
        (entry,) = gql(query, {"after": after}, token)["data"]["myPoints"]
        page = entry["historyPage"]
        assert len(page["movements"]) <= 2
        seen += [m["id"] for m in page["movements"]]
        after = page["nextCursor"]
        if not after:
            break
    assert seen == [f"kim-{i}" for i in reversed(range(5))]


def test_code_by_email_and_the_request_limit():
    from plugins.core.models import OutboxMessage

    shop = make_shop(confirmation="one_time_code", code_sender="email")
    token = member_token(shop, "lea", 10_000)
    from plugins.channel_pricing.models import ChannelMember

    ChannelMember.objects.filter(external_id="lea", channel_id=shop.channel_id).update(
        email="lea@example.com"
    )
    checkout = new_checkout(shop, token)
    for _ in range(5):
        sent = ok(
            gql(CODE_REQUEST, {"checkoutId": checkout["id"]}, token),
            "pointsPaymentCodeRequest",
            "pointsPaymentErrors",
        )
        assert sent["sentTo"] == "l***@example.com"
    mail = OutboxMessage.objects.filter(
        event_type="points.payment_code", recipients=["lea@example.com"]
    )
    assert mail.count() == 5
    (error,) = errors_of(
        gql(CODE_REQUEST, {"checkoutId": checkout["id"]}, token),
        "pointsPaymentCodeRequest",
    )
    assert error["code"] == "TOO_MANY_CODES"
    # Only the newest code is open.
    assert (
        PaymentCode.objects.filter(
            checkout_token=checkout["token"], used_at__isnull=True
        ).count()
        == 1
    )


def test_a_checkout_of_someone_else_or_a_non_member_is_refused():
    shop = make_shop(confirmation="payment_password")
    owner = member_token(shop, "max", 100)
    other = member_token(shop, "ned", 100)
    checkout = new_checkout(shop, owner)
    (error,) = errors_of(confirm(checkout, other, password="x"), "pointsPaymentConfirm")
    assert (error["code"], error["field"]) == ("NOT_FOUND", "checkoutId")
    response = confirm(checkout, None, password="x")
    assert response["errors"] and not response["data"]["pointsPaymentConfirm"]


def test_one_token_authorises_once_when_raced():
    from plugins.points_payment.gateway import redemptions

    shop = make_shop()
    token, checkout, payment_token = _paid_checkout(shop, "ola", 10_000)
    from tests.storefront import PAYMENT_CREATE

    ok(
        gql(
            PAYMENT_CREATE,
            {
                "checkoutId": checkout["id"],
                "input": {
                    "gateway": "flash.payments.points",
                    "token": payment_token,
                    "amount": checkout["total"],
                },
            },
            token,
        ),
        "checkoutPaymentCreate",
        "paymentErrors",
    )
    amount = Decimal(str(checkout["total"]))

    def authorise(_):
        try:
            return redemptions.hold(payment_token, amount)
        finally:
            connections.close_all()

    outcomes = race(8, authorise)
    held_ok = [o for o in outcomes if isinstance(o, redemptions.Moved)]
    assert len(held_ok) == 1, outcomes
    assert all(
        isinstance(o, redemptions.GatewayRefusal) and "already used" in str(o)
        for o in outcomes
        if o not in held_ok
    ), outcomes
    assert held(shop, "ola") == _points(checkout["total"])
    assert services.audit() == []


def test_not_enough_points_is_a_payment_error_and_the_token_stays_usable():
    from tests.storefront import COMPLETE

    shop = make_shop()
    token, checkout, payment_token = _paid_checkout(shop, "pia", 10)
    completed = pay_and_complete(checkout, token, payment_token)
    (error,) = completed["checkoutErrors"]
    assert error["code"] == "PAYMENT_ERROR" and "10 available" in error["message"]
    assert (available(shop, "pia"), held(shop, "pia")) == (10, 0)
    services.grant(shop.channel_id, "pia", 100_000, transfer_id="pia-top-up")
    again = gql(COMPLETE, {"checkoutId": checkout["id"]}, token)["data"][
        "checkoutComplete"
    ]
    assert not again["checkoutErrors"], again
    assert available(shop, "pia") == 100_010 - _points(checkout["total"])

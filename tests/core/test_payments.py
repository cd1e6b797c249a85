"""plugins.core.payments.reverse_payment through Saleor's real gateway code
(the dummy gateway Saleor ships, as in the storefront tests)."""

from decimal import Decimal

import pytest
from saleor.payment import ChargeStatus, TransactionKind, gateway
from saleor.payment.models import Payment

from plugins.core import payments

pytestmark = [pytest.mark.django_db]

DUMMY = "mirumee.payments.dummy"


def _payment(gateway_id=DUMMY, **fields) -> Payment:
    return Payment.objects.create(
        gateway=gateway_id,
        total=Decimal("12.00"),
        currency="USD",
        billing_email="buyer@example.com",
        **fields,
    )


def _kinds(payment):
    return sorted(t.kind for t in payment.transactions.filter(is_success=True))


def test_a_capture_is_refunded():
    payment = _payment()
    gateway.process_payment(payment, "fake-token")  # dummy: authorise + capture
    payment.refresh_from_db()
    assert payment.charge_status == ChargeStatus.FULLY_CHARGED

    assert payments.reverse_payment(payment) == payments.PaymentReversal("refund")
    payment.refresh_from_db()
    assert payment.charge_status == ChargeStatus.FULLY_REFUNDED
    assert TransactionKind.REFUND in _kinds(payment)


def test_an_authorisation_is_voided():
    payment = _payment()
    gateway.authorize(payment, "fake-token")
    payment.refresh_from_db()
    assert payment.charge_status == ChargeStatus.NOT_CHARGED

    assert payments.reverse_payment(payment) == payments.PaymentReversal("void")
    assert TransactionKind.VOID in _kinds(payment)


def test_a_payment_that_took_nothing_is_left_alone():
    payment = _payment()
    assert payments.reverse_payment(payment) == payments.PaymentReversal("nothing")
    assert _kinds(payment) == []


def test_a_refusal_is_returned_not_raised():
    # Saleor refuses to refund a manual payment: the caller must hear of it.
    payment = _payment(
        gateway_id="manual",
        charge_status=ChargeStatus.FULLY_CHARGED,
        captured_amount=Decimal("12.00"),
    )
    reversal = payments.reverse_payment(payment)
    assert reversal.failed
    assert reversal.action == payments.FAILED
    assert "cannot be refunded" in reversal.error


def test_part_of_a_capture_is_refunded_and_marked_involuntary(monkeypatch):
    payment = _payment()
    gateway.process_payment(payment, "fake-token")
    payment.refresh_from_db()
    seen = []
    real_refund = gateway.refund

    def spying_refund(payment, amount=None):
        seen.append(payments.is_involuntary_refund())
        return real_refund(payment, amount=amount)

    monkeypatch.setattr(gateway, "refund", spying_refund)
    assert payments.refund_part(payment, Decimal("5.00")).action == payments.REFUND
    payment.refresh_from_db()
    assert payment.captured_amount == Decimal("7.00")
    assert payment.charge_status == ChargeStatus.PARTIALLY_REFUNDED
    assert seen == [True]
    assert not payments.is_involuntary_refund()  # only inside the call


def test_outside_the_marker_a_refund_counts_as_asked_for():
    assert not payments.is_involuntary_refund()
    with payments.involuntary_refund():
        assert payments.is_involuntary_refund()
    assert not payments.is_involuntary_refund()

"""Ledger rules: no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugins.points_payment.domain import Balance, InsufficientPoints, check_debit


def test_overdraw_is_refused():
    balance = Balance(credits_posted=100, debits_posted=60, debits_pending=30)
    assert balance.available == 10
    check_debit(balance, 10, must_not_exceed_credits=True)
    with pytest.raises(InsufficientPoints) as refused:
        check_debit(balance, 11, must_not_exceed_credits=True)
    assert refused.value.available == 10


def test_transfers_move_positive_amounts():
    with pytest.raises(ValueError):
        check_debit(Balance(10, 0, 0), 0, must_not_exceed_credits=True)


@given(
    credits=st.integers(0, 10**9),
    debits=st.integers(0, 10**9),
    pending=st.integers(0, 10**9),
    amount=st.integers(1, 10**9),
)
def test_an_accepted_debit_never_overdraws(credits, debits, pending, amount):
    balance = Balance(credits, debits, pending)
    try:
        check_debit(balance, amount, must_not_exceed_credits=True)
    except InsufficientPoints:
        assert amount > balance.available
    else:
        assert debits + pending + amount <= credits

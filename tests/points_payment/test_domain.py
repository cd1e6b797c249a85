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


from datetime import datetime, timedelta, timezone  # noqa: E402
from decimal import Decimal  # noqa: E402

from plugins.points_payment.domain import (  # noqa: E402
    AccountFlag,
    expiring_lots,
    expiry_for_grant,
    hold_deadline,
    lapsed_points,
    points_for_amount,
    valid_points,
    within_flags,
)

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


@given(
    cents=st.integers(1, 10**9),
    per_point=st.sampled_from(["0.01", "0.05", "0.1", "1", "0.003"]),
)
def test_points_for_an_amount_round_up_and_never_under_charge(cents, per_point):
    amount = Decimal(cents) / 100
    money_per_point = Decimal(per_point)
    points = points_for_amount(amount, money_per_point)
    assert points * money_per_point >= amount
    assert (points - 1) * money_per_point < amount


def test_points_for_amount_examples():
    assert points_for_amount(Decimal("10.00"), Decimal("0.01")) == 1000
    assert points_for_amount(Decimal("10.001"), Decimal("0.01")) == 1001
    assert points_for_amount(Decimal("0"), Decimal("0.01")) == 0


def test_valid_points():
    assert valid_points(1) and valid_points(10**15)
    assert not any(valid_points(p) for p in (0, -1, 1.0, True, "5", None, 10**16))


lots_strategy = st.lists(
    st.tuples(st.integers(1, 1000), st.integers(0, 100)), min_size=0, max_size=8
)


@given(lots=lots_strategy, consumed=st.integers(0, 5000), at=st.integers(0, 100))
def test_lapsed_plus_expiring_plus_consumed_account_for_every_point(lots, consumed, at):
    dated = [(points, T0 + timedelta(days=day)) for points, day in lots]
    total = sum(points for points, _ in dated)
    consumed = min(consumed, total)
    now = T0 + timedelta(days=at)
    lapsed = lapsed_points(dated, consumed, now)
    left = expiring_lots(dated, consumed, now)
    assert lapsed >= 0 and all(points > 0 and end > now for points, end in left)
    assert lapsed + sum(points for points, _ in left) + consumed == total
    assert [end for _, end in left] == sorted(end for _, end in left)


@given(
    credits=st.integers(0, 100),
    debits=st.integers(0, 100),
    pending=st.integers(0, 100),
)
def test_flags(credits, debits, pending):
    b = Balance(credits, debits, pending, credits_pending=pending)
    assert within_flags(AccountFlag.NONE, b)
    assert within_flags(AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS, b) == (
        debits + pending <= credits
    )
    assert within_flags(AccountFlag.CREDITS_MUST_NOT_EXCEED_DEBITS, b) == (
        credits + pending <= debits
    )


def test_period_rules():
    end = T0 + timedelta(days=30)
    assert expiry_for_grant(None, T0, end) == end
    assert expiry_for_grant(T0 + timedelta(days=1), T0, end) == T0 + timedelta(days=1)
    assert expiry_for_grant(end + timedelta(seconds=1), T0, end) is None
    assert expiry_for_grant(T0, T0, end) is None
    assert hold_deadline(T0, 900, end) == T0 + timedelta(seconds=900)
    assert hold_deadline(end - timedelta(seconds=5), 900, end) == end

"""Pure flash-sale rules: no database."""

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from plugins.sale_windows.domain import (
    SaleStatus,
    is_live_window,
    sale_status,
    units_remaining,
)

START = datetime(2026, 11, 24, 12, 0, 0, tzinfo=timezone.utc)
END = START + timedelta(hours=1)
SECOND = timedelta(seconds=1)


def test_window_is_exact_to_the_second():
    assert not is_live_window(START - SECOND, START, END)
    assert is_live_window(START, START, END)
    assert is_live_window(END - SECOND, START, END)
    assert not is_live_window(END, START, END)


def test_status_follows_window_cancellation_and_sales():
    assert sale_status(START - SECOND, START, END, False, 5) == SaleStatus.SCHEDULED
    assert sale_status(START, START, END, False, 5) == SaleStatus.LIVE
    assert sale_status(START, START, END, False, 0) == SaleStatus.SOLD_OUT
    assert sale_status(END, START, END, False, 5) == SaleStatus.ENDED
    assert sale_status(START, START, END, True, 5) == SaleStatus.CANCELLED


@given(
    cap=st.integers(min_value=1, max_value=10_000),
    sold=st.integers(min_value=0, max_value=10_000),
    reserved=st.integers(min_value=0, max_value=10_000),
)
def test_remaining_is_never_negative_and_never_above_the_cap(cap, sold, reserved):
    remaining = units_remaining(cap, sold, reserved)
    assert 0 <= remaining <= cap
    if sold + reserved <= cap:
        assert remaining + sold + reserved == cap


@given(offset=st.integers(min_value=-7200, max_value=7200))
def test_live_exactly_when_status_is_live_for_unsold_items(offset):
    now = START + timedelta(seconds=offset)
    live = sale_status(now, START, END, False, 1) == SaleStatus.LIVE
    assert live == is_live_window(now, START, END)

"""Hold planning: no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugins.checkout_guard.domain import (
    NotEnoughStock,
    StockLevel,
    plan_holds,
    units_kept_aside,
)


def test_need_is_split_over_stocks_in_order():
    levels = {7: [StockLevel(1, 5, 3, 1), StockLevel(2, 10, 0, 0)]}
    assert plan_holds({7: 4}, levels) == [(1, 1), (2, 3)]


def test_all_or_nothing():
    levels = {7: [StockLevel(1, 5, 0, 0)], 8: [StockLevel(2, 1, 1, 0)]}
    with pytest.raises(NotEnoughStock) as shortage:
        plan_holds({7: 2, 8: 1}, levels)
    assert (shortage.value.variant_id, shortage.value.available) == (8, 0)


def test_other_checkouts_holds_count_as_taken():
    assert StockLevel(1, quantity=10, allocated=4, held_by_others=6).available == 0
    assert StockLevel(1, quantity=10, allocated=8, held_by_others=6).available == 0


levels_strategy = st.lists(
    st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50)),
    min_size=0,
    max_size=4,
)


@given(levels=levels_strategy, wanted=st.integers(1, 120))
def test_plan_never_takes_more_than_available(levels, wanted):
    stocks = [StockLevel(i, q, a, h) for i, (q, a, h) in enumerate(levels)]
    available = sum(level.available for level in stocks)
    try:
        plan = plan_holds({1: wanted}, {1: stocks})
    except NotEnoughStock:
        assert wanted > available
        return
    assert sum(quantity for _, quantity in plan) == wanted
    by_id = {level.stock_id: level for level in stocks}
    assert all(0 < quantity <= by_id[sid].available for sid, quantity in plan)


def test_kept_aside_units_spare_what_flash_buyers_already_hold():
    flash_held = {"x": {7: 2}, "y": {7: 3}}
    guard_held = {"x": {7: 2}, "z": {7: 5}}
    # 10 set aside; x's 2 are already inside its stock hold.
    assert units_kept_aside(10, 7, "regular", flash_held, guard_held) == 8
    # y may draw on its own 3 flash units.
    assert units_kept_aside(10, 7, "y", flash_held, guard_held) == 5
    assert units_kept_aside(1, 7, "y", flash_held, guard_held) == 0


def test_kept_aside_stock_is_not_for_others():
    levels = {7: [StockLevel(1, 10, 0, 0)]}
    assert plan_holds({7: 4}, levels, kept_aside={7: 6}) == [(1, 4)]
    with pytest.raises(NotEnoughStock) as shortage:
        plan_holds({7: 5}, levels, kept_aside={7: 6})
    assert shortage.value.available == 4

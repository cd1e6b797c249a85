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


# --- the hold rule ------------------------------------------------------------

from decimal import Decimal  # noqa: E402

from plugins.sale_windows.domain import (  # noqa: E402
    HoldContext,
    Refusal,
    SaleKind,
    check_cap_change,
    check_stock_backing,
    check_window,
    decide_hold,
    flash_line_total,
    hold_expiry,
    windows_overlap,
)

counts = st.integers(min_value=0, max_value=200)


@st.composite
def hold_contexts(draw):
    cap = draw(st.integers(min_value=1, max_value=200))
    sold = draw(st.integers(min_value=0, max_value=cap))
    held = draw(st.integers(min_value=0, max_value=cap - sold))
    limit = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=10)))
    return HoldContext(
        now=START + timedelta(seconds=draw(st.integers(-10, 4000))),
        starts_at=START,
        ends_at=END,
        cancelled=draw(st.booleans()),
        cap=cap,
        sold=sold,
        held_by_others=held,
        per_customer_limit=limit,
        customer_elsewhere=draw(st.integers(min_value=0, max_value=12)),
    )


@given(context=hold_contexts(), quantity=st.integers(min_value=-3, max_value=250))
def test_an_accepted_hold_never_breaks_cap_limit_or_window(context, quantity):
    refusal = decide_hold(context, quantity)
    if refusal is None:
        assert 1 <= quantity
        assert context.sold + context.held_by_others + quantity <= context.cap
        assert not context.cancelled
        assert is_live_window(context.now, context.starts_at, context.ends_at)
        limit = context.per_customer_limit
        assert limit is None or context.customer_elsewhere + quantity <= limit


@given(context=hold_contexts(), quantity=st.integers(min_value=1, max_value=250))
def test_a_refusal_names_a_rule_that_is_really_broken(context, quantity):
    refusal = decide_hold(context, quantity)
    if refusal == Refusal.NOT_LIVE:
        assert context.cancelled or not is_live_window(
            context.now, context.starts_at, context.ends_at
        )
    elif refusal == Refusal.SOLD_OUT:
        assert context.sold + context.held_by_others + quantity > context.cap
    elif refusal == Refusal.LIMIT_EXCEEDED:
        assert context.customer_elsewhere + quantity > context.per_customer_limit
    elif refusal == Refusal.INVALID_QUANTITY:
        assert quantity > context.cap


@given(context=hold_contexts())
def test_units_handed_out_one_by_one_stop_exactly_at_the_cap(context):
    # Many buyers with no limit and a live window: holds fill the cap exactly.
    import dataclasses

    context = dataclasses.replace(
        context, cancelled=False, now=START, per_customer_limit=None, held_by_others=0
    )
    granted = 0
    for _ in range(context.cap + 20):
        step = dataclasses.replace(context, held_by_others=granted)
        if decide_hold(step, 1) is None:
            granted += 1
    assert context.sold + granted == context.cap


@given(
    quantity=st.integers(min_value=1, max_value=50),
    held=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=60),
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999"), places=2),
        ),
        max_size=3,
    ),
    regular_unit=st.decimals(
        min_value=Decimal("0.01"), max_value=Decimal("999"), places=2
    ),
)
def test_flash_price_applies_to_held_units_only(quantity, held, regular_unit):
    total = flash_line_total(quantity, held, regular_unit * quantity)
    flash_units = min(sum(units for units, _ in held), quantity)
    cheapest = min([regular_unit] + [price for _, price in held])
    dearest = max([regular_unit] + [price for _, price in held])
    assert cheapest * quantity - Decimal("1e-6") <= total
    assert total <= dearest * quantity + Decimal("1e-6")
    if flash_units == 0:
        assert total == regular_unit * quantity


@given(ttl=st.integers(min_value=1, max_value=3600), offset=st.integers(0, 3599))
def test_a_hold_never_outlasts_the_window(ttl, offset):
    now = START + timedelta(seconds=offset)
    expires = hold_expiry(now, ttl, END)
    assert now < expires <= END


@given(cap=counts, sold=counts, reserved=counts)
def test_cap_change_is_refused_exactly_below_sold_plus_reserved(cap, sold, reserved):
    assert bool(check_cap_change(cap, sold, reserved)) == (cap < sold + reserved)


@given(cap=st.integers(1, 100), sold=st.integers(0, 100), stock=st.integers(-5, 100))
def test_stock_backs_every_kind_but_pre_orders(cap, sold, stock):
    assert not check_stock_backing(SaleKind.PRE_ORDER, cap, sold, stock)
    refused = bool(check_stock_backing(SaleKind.WHILE_SUPPLIES_LAST, cap, sold, stock))
    assert refused == (max(cap - sold, 0) > stock)


@given(a=st.integers(0, 100), b=st.integers(0, 100), c=st.integers(0, 100))
def test_window_rules(a, b, c):
    start, mid = START + timedelta(seconds=a), START + timedelta(seconds=a + b)
    assert bool(check_window(start, mid)) == (b == 0)
    later = mid + timedelta(seconds=c)
    # Back-to-back windows do not overlap: one ends as the next begins.
    assert not windows_overlap(start, mid, mid, later + timedelta(seconds=1))


@given(
    minimum=st.one_of(st.none(), st.integers(min_value=1, max_value=100)),
    sold=st.integers(min_value=0, max_value=200),
)
def test_a_pre_order_is_confirmed_exactly_when_its_minimum_is_met(minimum, sold):
    from plugins.sale_windows.domain import PreOrderSettlement, settle_pre_order

    confirmed = settle_pre_order(minimum, sold) == PreOrderSettlement.CONFIRMED
    assert confirmed == (minimum is None or sold >= minimum)


# --- package deals: bought whole --------------------------------------------

import dataclasses  # noqa: E402

from plugins.sale_windows.domain import (  # noqa: E402
    CheckoutHoldUnits,
    PackageMember,
    changed_flash_units,
    flash_units_per_hold,
    missing_package_units,
)


def test_a_package_needs_every_item_with_its_held_units():
    members = [PackageMember(7, 1, 101), PackageMember(7, 2, 102)]
    holds = [CheckoutHoldUnits(1, 101, 2, 7), CheckoutHoldUnits(2, 102, 2, 7)]
    assert not missing_package_units(holds, members, {101: 2, 102: 3})
    (missing,) = missing_package_units(holds, members, {101: 2, 102: 1})
    assert (missing.item_id, missing.needed, missing.in_lines) == (2, 2, 1)
    assert missing.short_by == 1
    both = missing_package_units(holds, members, {})
    assert [m.variant_id for m in both] == [101, 102]


def test_an_item_released_on_its_own_still_counts_with_the_package_quantity():
    members = [PackageMember(7, 1, 101), PackageMember(7, 2, 102)]
    holds = [CheckoutHoldUnits(1, 101, 3, 7)]  # item 2's hold was released
    (missing,) = missing_package_units(holds, members, {101: 3})
    assert (missing.item_id, missing.needed, missing.in_lines) == (2, 3, 0)
    assert not missing_package_units(holds, members, {101: 3, 102: 3})


def test_ordinary_holds_may_still_be_bought_in_part():
    holds = [CheckoutHoldUnits(1, 101, 4, None)]
    assert not missing_package_units(holds, [], {101: 1})
    assert not missing_package_units(holds, [], {})


@st.composite
def package_checkouts(draw):
    """A checkout's holds on a few package and ordinary items (some package
    items not held), the package members, and its lines."""
    variants = draw(st.integers(min_value=1, max_value=4))
    members, holds = [], []
    item_id = 0
    for package_id in range(draw(st.integers(min_value=0, max_value=3))):
        quantity = draw(st.integers(min_value=1, max_value=5))
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            item_id += 1
            variant_id = draw(st.integers(min_value=1, max_value=variants))
            members.append(PackageMember(package_id, item_id, variant_id))
            if draw(st.integers(min_value=0, max_value=5)):  # mostly held
                holds.append(
                    CheckoutHoldUnits(item_id, variant_id, quantity, package_id)
                )
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        item_id += 1
        variant_id = draw(st.integers(min_value=1, max_value=variants))
        units = draw(st.integers(min_value=1, max_value=5))
        holds.append(CheckoutHoldUnits(item_id, variant_id, units, None))
    # Lines near what is held (the edge the rule is about), a little over or
    # under.
    held = {variant_id: 0 for variant_id in range(1, variants + 1)}
    for hold in holds:
        held[hold.variant_id] += hold.quantity
    lines = {
        variant_id: max(units + draw(st.integers(min_value=-2, max_value=3)), 0)
        for variant_id, units in held.items()
    }
    # Item ids in any order: an ordinary hold may come before a package's.
    ids = dict(enumerate(draw(st.permutations(range(1, item_id + 1))), start=1))
    holds = [dataclasses.replace(h, item_id=ids[h.item_id]) for h in holds]
    members = [dataclasses.replace(m, item_id=ids[m.item_id]) for m in members]
    return holds, members, lines


def sell_in_item_order(holds, lines):
    """What reservations.sell_holds_for_order commits per hold: holds in item
    order take units_to_commit from the lines of their variant."""
    return flash_units_per_hold(
        [
            (hold.item_id, hold.variant_id, hold.quantity)
            for hold in sorted(holds, key=lambda hold: hold.item_id)
        ],
        lines,
    )


@given(case=package_checkouts())
def test_a_complete_checkout_sells_every_package_whole(case):
    holds, members, lines = case
    if missing_package_units(holds, members, lines):
        return
    sold = sell_in_item_order(holds, lines)
    package_quantity = {}
    for hold in holds:
        if hold.package_id is not None:
            assert sold[hold.item_id] == hold.quantity  # no package hold released
            package_quantity[hold.package_id] = hold.quantity
    for member in members:
        if member.package_id in package_quantity:
            # Every item is in the order, at least a package's worth of it.
            assert lines[member.variant_id] >= package_quantity[member.package_id]


@given(case=package_checkouts())
def test_missing_units_are_really_missing_and_adding_them_completes(case):
    holds, members, lines = case
    missing = missing_package_units(holds, members, lines)
    held_packages = {h.package_id for h in holds if h.package_id is not None}
    for units in missing:
        assert units.package_id in held_packages
        assert units.in_lines == lines[units.variant_id] < units.needed
    assert len({units.variant_id for units in missing}) == len(missing)
    topped_up = dict(lines)
    for units in missing:
        topped_up[units.variant_id] = units.needed
    assert not missing_package_units(holds, members, topped_up)
    if not held_packages:
        assert not missing


def test_flash_units_per_hold_takes_holds_in_order_up_to_the_ordered_units():
    holds = [(1, 10, 2), (2, 10, 3), (3, 20, 1)]
    assert flash_units_per_hold(holds, {10: 4}) == {1: 2, 2: 2, 3: 0}
    assert flash_units_per_hold(holds, {10: 9, 20: 1}) == {1: 2, 2: 3, 3: 1}


def test_changed_flash_units_names_every_item_that_differs():
    assert changed_flash_units({1: 3}, {1: 3, 2: 0}) == []
    assert changed_flash_units({1: 3}, {1: 1}) == [1]  # a hold lowered in payment
    assert changed_flash_units({}, {2: 1}) == [2]  # a hold added after acceptance
    assert changed_flash_units({1: 2, 2: 1}, {1: 2}) == [2]  # a hold released

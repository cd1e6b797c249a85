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

"""The ledger's use cases on real PostgreSQL (committed rows, in-process)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from plugins.points_payment import errors, services
from plugins.points_payment.models import PointsAccount, PointsTransfer

from .ledger_support import make_program, webhooks_of

pytestmark = pytest.mark.usefixtures("committed_db")


def test_on_the_test_database(db):
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")


def test_grant_hold_post_partially_and_quota_figures():
    channel = make_program(quota=1000)
    granted = services.grant(channel, "m1", 300, transfer_id="g1", reference="r")
    assert (granted.code, granted.points, granted.member, granted.state) == (
        "grant",
        300,
        "m1",
        "posted",
    )
    assert set(granted.as_api()) >= {"id", "code", "points", "member", "reference"}
    held = services.hold(channel, "m1", 120, transfer_id="h1", reference="checkout-1")
    assert held.state == "pending" and held.expires_at > timezone.now()
    mid = services.balance(channel, "m1")
    assert (mid.available, mid.held) == (180, 120)
    posted = services.post_hold(channel, "h1", transfer_id="p1", points=100)
    assert (posted.code, posted.points, posted.hold_id) == ("post", 100, "h1")
    after = services.balance(channel, "m1")
    assert (after.available, after.held) == (200, 0)  # 20 released
    status = services.quota_status(channel)
    assert (status.quota, status.granted, status.held, status.redeemed) == (
        1000,
        300,
        0,
        100,
    )
    assert status.remaining == 700
    assert services.transactions(channel, member="m1")[0][0].id == "p1"
    (event,) = webhooks_of(channel, "points.redeemed")
    assert (event["member"], event["points"], event["hold_id"]) == ("m1", 100, "h1")
    assert event["event_id"]
    assert services.audit() == []


def test_same_transfer_id_is_one_effect_and_other_params_are_refused():
    channel = make_program(quota=1000)
    first = services.grant(channel, "m1", 100, transfer_id="same")
    again = services.grant(channel, "m1", 100, transfer_id="same")
    assert again == first
    with pytest.raises(errors.TransferIdReused):
        services.grant(channel, "m1", 101, transfer_id="same")
    with pytest.raises(errors.TransferIdReused):
        services.revoke(channel, "m1", 100, transfer_id="same")
    assert services.balance(channel, "m1").available == 100
    other = make_program(quota=1000)  # ids are per channel
    services.grant(other, "m1", 5, transfer_id="same")


def test_refusals_change_nothing():
    channel = make_program(quota=100, member_cap_per_period=50)
    with pytest.raises(errors.QuotaExceeded):
        services.grant(channel, "m1", 101, transfer_id="g-too-much")
    with pytest.raises(errors.InvalidPoints):
        services.grant(channel, "m1", 0, transfer_id="g0")
    with pytest.raises(errors.InvalidPoints):
        services.grant(channel, "m1", 1.5, transfer_id="g0")
    with pytest.raises(errors.InvalidExpiresAt):
        services.grant(
            channel,
            "m1",
            1,
            transfer_id="g-late",
            expires_at=timezone.now() + timedelta(days=90),
        )
    with pytest.raises(errors.MemberNotFound):
        services.hold(channel, "nobody", 1, transfer_id="h0", reference="")
    with pytest.raises(errors.InvalidReference):
        services.grant(channel, "m1", 1, transfer_id="g-ref", reference="r" * 256)
    with pytest.raises(errors.InvalidExpiresAt):
        services.grant(
            channel, "m1", 1, transfer_id="g-naive", expires_at=datetime(2030, 1, 1)
        )
    for bad_id in ("", "x" * 256, "flash:timeout:1", None):
        with pytest.raises(errors.InvalidTransferId):
            services.grant(channel, "m1", 1, transfer_id=bad_id)
    services.grant(channel, "m1", 80, transfer_id="g1")
    with pytest.raises(errors.InsufficientPoints):
        services.hold(channel, "m1", 81, transfer_id="h-big", reference="")
    with pytest.raises(errors.AllowanceCapExceeded):
        services.hold(channel, "m1", 51, transfer_id="h-cap", reference="")
    services.hold(channel, "m1", 50, transfer_id="h-ok", reference="")
    with pytest.raises(errors.AllowanceCapExceeded):
        services.hold(channel, "m1", 1, transfer_id="h-cap2", reference="")
    with pytest.raises(errors.InsufficientPoints):
        services.revoke(channel, "m1", 31, transfer_id="r-big")
    with pytest.raises(errors.HoldNotFound):
        services.post_hold(channel, "nope", transfer_id="p0")
    with pytest.raises(errors.InvalidPoints):
        services.post_hold(channel, "h-ok", transfer_id="p-big", points=51)
    assert not PointsTransfer.objects.filter(
        channel_id=channel, transfer_id__in=["g-too-much", "h-big", "h-cap", "p-big"]
    ).exists()
    assert services.balance(channel, "m1").available == 30
    assert services.audit() == []


def test_void_and_no_second_resolution():
    channel = make_program()
    services.grant(channel, "m1", 100, transfer_id="g")
    services.hold(channel, "m1", 60, transfer_id="h", reference="c")
    voided = services.void_hold(channel, "h", transfer_id="v")
    assert (voided.code, voided.state, voided.hold_id) == ("void", "voided", "h")
    assert services.void_hold(channel, "h", transfer_id="v") == voided
    with pytest.raises(errors.HoldNotPending):
        services.post_hold(channel, "h", transfer_id="p")
    with pytest.raises(errors.HoldNotPending):
        services.void_hold(channel, "h", transfer_id="v2")
    assert services.balance(channel, "m1").available == 100


def test_revoke_returns_points_to_the_quota():
    channel = make_program(quota=500)
    services.grant(channel, "m1", 200, transfer_id="g")
    services.revoke(channel, "m1", 150, transfer_id="r")
    assert services.balance(channel, "m1").available == 50
    status = services.quota_status(channel)
    assert (status.granted, status.remaining) == (50, 450)
    services.grant(channel, "m2", 450, transfer_id="g2")
    assert services.quota_status(channel).remaining == 0


def test_timed_out_hold_releases_lazily_and_by_sweep():
    channel = make_program()
    services.grant(channel, "m1", 100, transfer_id="g")
    services.grant(channel, "m2", 100, transfer_id="g2")
    services.hold(channel, "m1", 70, transfer_id="h1", reference="", timeout_seconds=1)
    services.hold(channel, "m2", 70, transfer_id="h2", reference="", timeout_seconds=1)
    PointsTransfer.objects.filter(
        channel_id=channel, transfer_id__in=["h1", "h2"]
    ).update(timeout_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(errors.HoldNotPending):
        services.post_hold(channel, "h1", transfer_id="p1")
    # lazily, on the member's next read
    assert services.balance(channel, "m1").available == 100
    assert PointsTransfer.objects.get(channel_id=channel, transfer_id="h1").state == (
        "voided"
    )
    # by the sweep
    assert services.release_timed_out_holds() >= 1
    assert PointsTransfer.objects.get(channel_id=channel, transfer_id="h2").state == (
        "voided"
    )
    assert services.balance(channel, "m2").available == 100
    assert services.audit() == []


def test_lapsed_grant_expires_first_in_first_out():
    channel = make_program()
    soon = timezone.now() + timedelta(seconds=30)
    services.grant(channel, "m1", 100, transfer_id="g-soon", expires_at=soon)
    services.grant(channel, "m1", 50, transfer_id="g-late")
    services.hold(channel, "m1", 30, transfer_id="h", reference="")
    services.post_hold(channel, "h", transfer_id="p")  # spends the soon lot
    expiring = services.balance(channel, "m1").expiring
    assert [points for points, _ in expiring] == [70, 50]
    later = soon + timedelta(seconds=1)
    assert services.expire_lapsed_grants(now=later) == 1
    assert services.expire_lapsed_grants(now=later) == 0
    assert services.balance(channel, "m1").available == 50
    (event,) = webhooks_of(channel, "points.expired")
    assert (event["member"], event["points"]) == ("m1", 70)
    assert services.audit() == []


def test_refund_policy_and_involuntary_refunds():
    refusing = make_program()
    services.grant(refusing, "m1", 100, transfer_id="g")
    services.hold(refusing, "m1", 40, transfer_id="h", reference="order-1")
    services.post_hold(refusing, "h", transfer_id="p")
    with pytest.raises(errors.RefundRefused):
        services.refund(refusing, "p", 10, transfer_id="rf", involuntary=False)
    back = services.refund(refusing, "h", 10, transfer_id="rf", involuntary=True)
    assert (back.code, back.points) == ("refund", 10)
    assert services.balance(refusing, "m1").available == 70
    with pytest.raises(errors.InvalidPoints):
        services.refund(refusing, "p", 31, transfer_id="rf2", involuntary=True)
    (event,) = webhooks_of(refusing, "points.refunded")
    assert (event["points"], event["returned_to"]) == (10, "allowance")

    returning = make_program(refund_policy="return_to_allowance")
    services.grant(returning, "m1", 100, transfer_id="g")
    services.hold(returning, "m1", 40, transfer_id="h", reference="")
    services.post_hold(returning, "h", transfer_id="p")
    services.refund(returning, "p", 40, transfer_id="rf", involuntary=False)
    assert services.balance(returning, "m1").available == 100
    assert services.quota_status(returning).redeemed == 0
    assert services.audit() == []


def test_refund_after_validity_goes_to_expired():
    channel = make_program(refund_policy="return_to_allowance")
    services.grant(
        channel,
        "m1",
        100,
        transfer_id="g",
        expires_at=timezone.now() + timedelta(minutes=5),
    )
    services.hold(channel, "m1", 40, transfer_id="h", reference="")
    services.post_hold(channel, "h", transfer_id="p")
    PointsTransfer.objects.filter(channel_id=channel, transfer_id="g").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    services.refund(channel, "p", 40, transfer_id="rf", involuntary=False)
    refund_leg = PointsTransfer.objects.get(channel_id=channel, transfer_id="rf")
    assert refund_leg.credit_account.kind == "expired"


def test_close_period_statement_and_no_spending_after():
    channel = make_program(quota=1000, refund_policy="return_to_allowance")
    services.grant(channel, "m1", 300, transfer_id="g1")
    services.grant(channel, "m2", 200, transfer_id="g2")
    services.revoke(channel, "m2", 50, transfer_id="r2")
    services.hold(channel, "m1", 100, transfer_id="h1", reference="")
    services.post_hold(channel, "h1", transfer_id="p1")
    services.refund(channel, "p1", 30, transfer_id="rf1", involuntary=False)
    services.hold(channel, "m2", 20, transfer_id="h2", reference="open checkout")
    period = services.current_period(channel)
    statement = services.close_period(channel, period.pk)
    assert (statement.granted, statement.revoked, statement.redeemed) == (500, 50, 100)
    assert (statement.refunded, statement.expired, statement.remaining) == (
        30,
        1000 - 100 + 30,
        0,
    )
    assert statement.payable == 70
    lines = {line.member: line for line in statement.lines}
    assert (lines["m1"].granted, lines["m1"].redeemed, lines["m1"].expired) == (
        300,
        100,
        230,
    )
    assert (lines["m2"].revoked, lines["m2"].expired) == (50, 150)
    csv_text = statement.as_csv()
    assert (
        csv_text.splitlines()[0] == "member,granted,revoked,redeemed,refunded,expired"
    )
    assert csv_text.splitlines()[-1] == "TOTAL,500,50,100,30,930"
    assert services.close_period(channel, period.pk).as_api() == statement.as_api()
    assert services.statement(channel, period.pk).as_api() == statement.as_api()
    with pytest.raises(errors.PeriodClosed):
        services.hold(channel, "m1", 1, transfer_id="h-late", reference="")
    with pytest.raises(errors.PeriodClosed):
        services.grant(channel, "m1", 1, transfer_id="g-late")
    with pytest.raises(errors.HoldNotPending):
        services.post_hold(channel, "h2", transfer_id="p2")
    (event,) = webhooks_of(channel, "points.period_closed")
    assert event["statement"]["payable"] == 70
    with pytest.raises(errors.PeriodNotFound):
        services.statement(channel, 10**9)
    assert services.audit() == []


def test_a_grant_never_lands_in_a_period_it_last_saw_open():
    """Grants remember the open period per process; a closed, moved or
    replaced period is read again, never granted into."""
    channel = make_program(quota=1000)
    services.grant(channel, "m1", 10, transfer_id="g-seen")  # remembered
    first = services.current_period(channel)
    services.close_period(channel, first.pk)
    with pytest.raises(errors.PeriodClosed):
        services.grant(channel, "m1", 10, transfer_id="g-closed")
    now = timezone.now()
    second = services.open_period(channel, now, now + timedelta(days=3), 500)
    landed = services.grant(channel, "m1", 20, transfer_id="g-next")
    assert landed.period_id == second.id != first.pk
    # The open period's end moved (the hint's bounds no longer match).
    type(first).objects.filter(pk=second.id).update(ends_at=now + timedelta(days=1))
    moved = services.grant(channel, "m1", 5, transfer_id="g-moved")
    assert moved.expires_at == now + timedelta(days=1)
    with pytest.raises(errors.InvalidExpiresAt):
        services.grant(
            channel,
            "m1",
            5,
            transfer_id="g-late-expiry",
            expires_at=now + timedelta(days=2),
        )
    assert services.balance(channel, "m1").available == 25
    assert services.quota_status(channel).granted == 25
    assert services.audit() == []


def test_nothing_spent_after_the_period_end():
    channel = make_program()
    services.grant(channel, "m1", 100, transfer_id="g")
    period = services.current_period(channel)
    type(period).objects.filter(pk=period.pk).update(
        ends_at=timezone.now() + timedelta(seconds=2)
    )
    held = services.hold(channel, "m1", 10, transfer_id="h", reference="")
    assert held.expires_at <= timezone.now() + timedelta(seconds=2)
    type(period).objects.filter(pk=period.pk).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(errors.PeriodClosed):
        services.hold(channel, "m1", 10, transfer_id="h2", reference="")


def test_webhook_rolls_back_with_the_ledger_change():
    from plugins.core.models import OutboxMessage

    channel = make_program()
    services.grant(channel, "m1", 100, transfer_id="g")
    services.hold(channel, "m1", 10, transfer_id="h", reference="")
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.post_hold(channel, "h", transfer_id="p")
            assert OutboxMessage.objects.count() == before + 1
            raise RuntimeError("the order failed")
    assert OutboxMessage.objects.count() == before
    assert PointsTransfer.objects.get(channel_id=channel, transfer_id="h").state == (
        "pending"
    )
    no_hook = make_program(webhook=False)
    services.grant(no_hook, "m1", 10, transfer_id="g")
    services.hold(no_hook, "m1", 10, transfer_id="h", reference="")
    services.post_hold(no_hook, "h", transfer_id="p")
    assert OutboxMessage.objects.count() == before


def test_transactions_pages_with_a_cursor():
    channel = make_program()
    for n in range(5):
        services.grant(channel, f"m{n % 2}", 10, transfer_id=f"g{n}")
    first, cursor = services.transactions(channel, limit=2)
    assert [t.id for t in first] == ["g4", "g3"] and cursor
    second, cursor = services.transactions(channel, limit=2, cursor=cursor)
    third, end = services.transactions(channel, limit=2, cursor=cursor)
    assert [t.id for t in second + third] == ["g2", "g1", "g0"] and end is None
    only_m1, _ = services.transactions(channel, member="m1")
    assert [t.id for t in only_m1] == ["g3", "g1"]
    with pytest.raises(errors.InvalidCursor):
        services.transactions(channel, cursor="garbage!")
    with pytest.raises(errors.InvalidLimit):
        services.transactions(channel, limit=0)


def test_database_refuses_an_overdraft_by_itself():
    from django.db import IntegrityError

    channel = make_program()
    services.grant(channel, "m1", 10, transfer_id="g")
    allowance = PointsAccount.objects.get(channel_id=channel, kind="allowance")
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsAccount.objects.filter(pk=allowance.pk).update(debits_posted=11)


def test_points_not_enabled_and_mode():
    channel = make_program(mode="pass_through")
    with pytest.raises(errors.PointsNotEnabled):
        services.grant(channel, "m1", 1, transfer_id="g")
    services.enable_program(channel, enabled=False)
    with pytest.raises(errors.PointsNotEnabled):
        services.hold(channel, "m1", 1, transfer_id="h", reference="")

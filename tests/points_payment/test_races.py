"""Real races: threads against PostgreSQL, each with its own connection."""

from __future__ import annotations

import random
import time

import pytest
from django.db import connection

from plugins.points_payment import errors, services
from plugins.points_payment.models import PointsTransfer

from .ledger_support import make_program, race

pytestmark = pytest.mark.usefixtures("committed_db")
THREADS = 16


def test_on_the_test_database(db):
    assert connection.settings_dict["NAME"].startswith("test_")


def test_holds_racing_for_the_last_points_never_overdraw():
    channel = make_program(quota=1000)
    services.grant(channel, "m1", 100, transfer_id="g")
    results = race(
        THREADS * 2,
        lambda i: services.hold(channel, "m1", 10, transfer_id=f"h{i}", reference=""),
    )
    held = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(held) == 10
    assert all(isinstance(r, errors.InsufficientPoints) for r in refused)
    balance = services.balance(channel, "m1")
    assert (balance.available, balance.held) == (0, 100)
    assert services.audit() == []


def test_grants_racing_for_the_last_quota_never_exceed_it():
    channel = make_program(quota=100)
    results = race(
        THREADS * 2,
        lambda i: services.grant(channel, f"m{i}", 7, transfer_id=f"g{i}"),
    )
    granted = [r for r in results if not isinstance(r, Exception)]
    assert len(granted) == 100 // 7
    assert all(
        isinstance(r, errors.QuotaExceeded) for r in results if isinstance(r, Exception)
    )
    status = services.quota_status(channel)
    assert status.granted + status.remaining == status.quota == 100
    assert services.audit() == []


def test_pass_through_holds_never_exceed_the_quota():
    from django.utils import timezone

    channel = make_program(mode="pass_through", quota=100)
    for i in range(THREADS * 2):
        services.record_sign_in_balance(
            channel, f"m{i}", 1000, token_id=f"t{i}", issued_at=timezone.now()
        )
    results = race(
        THREADS * 2,
        lambda i: services.hold(channel, f"m{i}", 9, transfer_id=f"h{i}", reference=""),
    )
    assert sum(not isinstance(r, Exception) for r in results) == 100 // 9
    assert all(
        isinstance(r, errors.QuotaExceeded) for r in results if isinstance(r, Exception)
    )
    assert services.quota_status(channel).remaining == 100 % 9
    assert services.audit() == []


def test_one_transfer_id_from_many_threads_has_one_effect():
    channel = make_program(quota=1000)
    results = race(
        THREADS, lambda i: services.grant(channel, "m1", 50, transfer_id="once")
    )
    assert all(not isinstance(r, Exception) for r in results), results
    assert len(set(results)) == 1
    assert services.balance(channel, "m1").available == 50
    assert (
        PointsTransfer.objects.filter(channel_id=channel, transfer_id="once").count()
        == 1
    )
    services.hold(channel, "m1", 50, transfer_id="h", reference="")
    posts = race(
        THREADS, lambda i: services.post_hold(channel, "h", transfer_id="p-once")
    )
    assert all(not isinstance(r, Exception) for r in posts), posts
    assert services.quota_status(channel).redeemed == 50
    mixed = race(
        THREADS,
        lambda i: services.grant(channel, "m2", 1 + i % 2, transfer_id="twice"),
    )
    reused = [r for r in mixed if isinstance(r, errors.TransferIdReused)]
    done = [r for r in mixed if not isinstance(r, Exception)]
    assert len(reused) + len(done) == THREADS and len(set(done)) == 1
    assert services.audit() == []


def test_concurrent_grant_revoke_hold_post_void_refund_keep_the_books():
    channel = make_program(quota=5000, refund_policy="return_to_allowance")
    members = [f"m{i}" for i in range(4)]
    for member in members:
        services.grant(channel, member, 200, transfer_id=f"seed-{member}")

    def client(i):
        rng = random.Random(i)
        outcomes = []
        deadline = time.monotonic() + 4
        n = 0
        while time.monotonic() < deadline:
            n += 1
            member = rng.choice(members)
            tid = f"c{i}-{n}"
            points = rng.randint(1, 60)
            op = rng.choice(["grant", "revoke", "hold", "hold", "refund"])
            try:
                if op == "grant":
                    services.grant(channel, member, points, transfer_id=tid)
                elif op == "revoke":
                    services.revoke(channel, member, points, transfer_id=tid)
                elif op == "hold":
                    services.hold(
                        channel, member, points, transfer_id=tid, reference=""
                    )
                    if rng.random() < 0.7:
                        services.post_hold(
                            channel,
                            tid,
                            transfer_id=f"{tid}-p",
                            points=rng.randint(1, points),
                        )
                    else:
                        services.void_hold(channel, tid, transfer_id=f"{tid}-v")
                else:
                    posts = list(
                        PointsTransfer.objects.filter(
                            channel_id=channel, code="post", kind="post_pending"
                        ).values_list("transfer_id", flat=True)[:20]
                    )
                    if posts:
                        services.refund(
                            channel,
                            rng.choice(posts),
                            1,
                            transfer_id=tid,
                            involuntary=rng.random() < 0.5,
                        )
                outcomes.append(op)
            except errors.PointsError as error:
                outcomes.append(error.code)
        return outcomes

    results = race(8, client)
    for result in results:
        assert not isinstance(result, Exception), result
    assert sum(len(r) for r in results) > 50
    assert services.audit() == []
    status = services.quota_status(channel)
    assert status.granted + status.remaining == 5000
    for member in members:
        balance = services.balance(channel, member)
        assert balance.available >= 0 and balance.held == 0


def test_close_racing_with_holds_and_grants_leaves_nothing_spendable():
    channel = make_program(quota=10_000)
    for i in range(8):
        services.grant(channel, f"m{i}", 500, transfer_id=f"seed{i}")
    period_id = services.current_period(channel).pk

    def work(i):
        if i == 0:
            time.sleep(0.05)
            return services.close_period(channel, period_id)
        results = []
        for n in range(6):
            try:
                if n % 2:
                    services.grant(channel, f"m{i % 8}", 5, transfer_id=f"g{i}-{n}")
                else:
                    services.hold(
                        channel, f"m{i % 8}", 5, transfer_id=f"h{i}-{n}", reference=""
                    )
                results.append("ok")
            except errors.PeriodClosed:
                results.append("closed")
        return results

    results = race(12, work)
    for result in results:
        assert not isinstance(result, Exception), result
    closed_at = results[0].closed_at
    assert not PointsTransfer.objects.filter(
        channel_id=channel, code__in=["grant", "hold"], created_at__gt=closed_at
    ).exists()
    assert not PointsTransfer.objects.filter(
        channel_id=channel, kind="pending", state="pending"
    ).exists()
    statement = services.statement(channel, period_id)
    assert statement.remaining == 0
    assert (
        statement.granted
        - statement.revoked
        - statement.redeemed
        + statement.refunded
        + (10_000 - statement.granted + statement.revoked)
        == statement.expired
    )
    assert services.audit() == []


def test_sweep_and_post_racing_on_a_timed_out_hold_resolve_it_once():
    from datetime import timedelta

    from django.utils import timezone

    channel = make_program(quota=1000)
    services.grant(channel, "m1", 100, transfer_id="g")
    for n in range(6):
        services.hold(channel, "m1", 10, transfer_id=f"h{n}", reference="")
    PointsTransfer.objects.filter(channel_id=channel, code="hold").update(
        timeout_at=timezone.now() + timedelta(milliseconds=300)
    )

    def work(i):
        time.sleep(0.3)
        if i % 2:
            return services.release_timed_out_holds()
        outcomes = []
        for n in range(6):
            try:
                services.post_hold(channel, f"h{n}", transfer_id=f"p{n}-{i}")
                outcomes.append("posted")
            except (errors.HoldNotPending, errors.TransferIdReused):
                outcomes.append("not pending")
        return outcomes

    results = race(6, work)
    for result in results:
        assert not isinstance(result, Exception), result
    holds = PointsTransfer.objects.filter(channel_id=channel, code="hold")
    assert not holds.filter(state="pending").exists()
    for hold in holds:
        assert hold.resolutions.count() == 1
    balance = services.balance(channel, "m1")
    posted = holds.filter(state="posted").count()
    assert balance.available == 100 - 10 * posted and balance.held == 0
    assert services.audit() == []


def _in_thread(work):
    """Start ``work()`` in a thread with its own connection; a future."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1)

    def run():
        try:
            return work()
        finally:
            connection.close()

    future = pool.submit(run)
    pool.shutdown(wait=False)
    return future


def _held_open(work, ready, release):
    """``work()`` in a transaction kept open until ``release`` is set."""
    from django.db import transaction

    def run():
        with transaction.atomic():
            result = work()
            ready.set()
            release.wait(20)
        return result

    return _in_thread(run)


def _slug(channel_id):
    from plugins.channel_pricing.models import Channel

    return Channel.objects.get(pk=channel_id).slug


def test_a_grant_waits_for_a_mode_switch_under_way_and_is_refused():
    import threading

    from plugins.points_payment import program_settings

    channel = make_program(quota=1000)
    switched, release = threading.Event(), threading.Event()
    switch = _held_open(
        lambda: program_settings.set_program(_slug(channel), {"mode": "pass_through"}),
        switched,
        release,
    )
    assert switched.wait(20)
    grant = _in_thread(
        lambda: services.grant(channel, "m1", 10, transfer_id="g-during-switch")
    )
    time.sleep(0.5)
    assert not grant.done()  # waits on the program's row
    release.set()
    switch.result(20)
    with pytest.raises(errors.PointsNotEnabled):
        grant.result(20)
    assert not PointsTransfer.objects.filter(
        channel_id=channel, transfer_id="g-during-switch"
    ).exists()
    assert services.audit() == []


def test_a_mode_switch_waits_for_a_grant_under_way_and_is_refused():
    import threading

    from plugins.points_payment import program_settings
    from plugins.points_payment.program_rules import ProgramRefused

    channel = make_program(quota=1000)
    granted, release = threading.Event(), threading.Event()
    grant = _held_open(
        lambda: services.grant(channel, "m1", 10, transfer_id="g-before-switch"),
        granted,
        release,
    )
    assert granted.wait(20)
    switch = _in_thread(
        lambda: program_settings.set_program(_slug(channel), {"mode": "pass_through"})
    )
    time.sleep(0.5)
    assert not switch.done()
    release.set()
    grant.result(20)
    with pytest.raises(ProgramRefused) as refusal:
        switch.result(20)
    assert {v.code.value for v in refusal.value.violations} == {"mode_locked"}
    assert services.balance(channel, "m1").available == 10
    assert services.audit() == []

"""Settlement periods roll over: when the open period's end passes, the next
one opens with the program's length and quota (lazily on use and by the beat
sweep), the ended one is closed with its statement, and racing roll-overs
open exactly one next period."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from plugins.channel_pricing.models import Channel
from plugins.points_payment import errors, services, tasks
from plugins.points_payment.models import SettlementPeriod
from plugins.points_payment.periods import next_period_bounds, roll_over
from plugins.points_payment.sweeps import roll_over_periods

from .ledger_support import CREATED, race, webhooks_of

pytestmark = pytest.mark.usefixtures("committed_db")


def test_on_the_test_database(db):
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")


def _channel(ends_in: timedelta, quota: int = 1000, mode: str = "allowance", **rules):
    """A channel whose open period started 3 days ago and ends ``ends_in``
    from now (negative: already ended)."""
    slug = f"pts-{uuid.uuid4().hex[:10]}"
    channel = Channel.objects.create(name=slug, slug=slug, sso_secret=f"{slug}-sso")
    CREATED.append(channel.pk)
    services.enable_program(
        channel.pk,
        mode=mode,
        webhook_url="https://hooks.example.com/points",
        **rules,
    )
    now = timezone.now()
    ends_at = now + ends_in
    starts_at = min(now - timedelta(days=3), ends_at - timedelta(days=3))
    services.open_period(channel.pk, starts_at, ends_at, quota)
    return channel.pk


def _periods(channel_id):
    return list(SettlementPeriod.objects.filter(channel_id=channel_id).order_by("pk"))


def _grant(channel_id, member, points):
    return services.grant(
        channel_id, member, points, transfer_id=f"g-{uuid.uuid4().hex}"
    )


def test_next_period_bounds():
    end = timezone.now() - timedelta(days=1)
    day = timedelta(days=1)
    assert next_period_bounds(end, 30 * day, end + day) == (end, end + 30 * day)
    # Two whole periods passed unused: no empty periods, the one holding now.
    assert next_period_bounds(end, 30 * day, end + 65 * day) == (
        end + 60 * day,
        end + 90 * day,
    )
    assert next_period_bounds(end, 30 * day, end) == (end, end + 30 * day)


def test_a_grant_after_the_end_opens_the_next_period_and_closes_the_old():
    channel_id = _channel(timedelta(seconds=2), period_length_days=30, period_quota=500)
    _grant(channel_id, "m1", 300)
    time.sleep(2.2)
    (old,) = _periods(channel_id)
    granted = _grant(channel_id, "m1", 200)
    old, new = _periods(channel_id)
    assert old.state == "closed" and new.state == "open"
    assert granted.period_id == new.pk
    assert (new.starts_at, new.ends_at, new.quota) == (
        old.ends_at,
        old.ends_at + timedelta(days=30),
        500,
    )
    # The close moved the old grant and the unused quota to expired.
    statement = old.statement
    assert statement["granted"] == 300 and statement["expired"] == 1000
    assert webhooks_of(channel_id, "points.period_closed")
    assert services.balance(channel_id, "m1").available == 200
    quota = services.quota_status(channel_id)
    assert (quota.period.id, quota.granted, quota.remaining) == (new.pk, 200, 300)
    # Closing the old period again gives its statement.
    assert services.close_period(channel_id, old.pk).as_api()["granted"] == 300
    assert services.audit() == []


def test_a_read_rolls_over_lazily_and_quota_defaults_to_the_old_one():
    channel_id = _channel(-timedelta(days=65), quota=700, period_length_days=30)
    quota = services.quota_status(channel_id)
    old, new = _periods(channel_id)
    assert quota.period.id == new.pk and quota.quota == 700 == quota.remaining
    assert new.starts_at == old.ends_at + timedelta(days=60)
    assert new.starts_at <= timezone.now() < new.ends_at


def test_without_a_period_length_nothing_rolls_over():
    channel_id = _channel(-timedelta(hours=1))
    with pytest.raises(errors.PeriodClosed):
        _grant(channel_id, "m1", 10)
    assert roll_over(channel_id) is None
    assert roll_over_periods() >= 0
    assert [p.state for p in _periods(channel_id)] == ["open"]


def test_a_period_still_running_does_not_roll_over():
    channel_id = _channel(timedelta(days=1), period_length_days=30)
    assert roll_over(channel_id) is None
    assert len(_periods(channel_id)) == 1


def test_pass_through_holds_continue_in_the_next_period():
    channel_id = _channel(
        -timedelta(minutes=1), quota=50, mode="pass_through", period_length_days=7
    )
    services.record_sign_in_balance(
        channel_id, "m1", 100, token_id="t1", issued_at=timezone.now()
    )
    held = services.hold(channel_id, "m1", 30, transfer_id="h1", reference="c")
    old, new = _periods(channel_id)
    assert held.period_id == new.pk and new.quota == 50
    assert services.audit() == []


def test_racing_roll_overs_open_exactly_one_next_period():
    channel_id = _channel(
        -timedelta(minutes=1), quota=100, period_length_days=30, period_quota=200
    )
    results = race(
        12,
        lambda i: services.grant(channel_id, f"m{i}", 10, transfer_id=f"race-{i}"),
    )
    assert all(not isinstance(r, Exception) for r in results), results
    periods = _periods(channel_id)
    assert [p.state for p in periods] == ["closed", "open"]
    assert {r.period_id for r in results} == {periods[1].pk}
    assert len(webhooks_of(channel_id, "points.period_closed")) == 1
    assert services.quota_status(channel_id).remaining == 200 - 12 * 10
    assert services.audit() == []


def test_racing_lazy_and_sweep_roll_overs_open_one_period():
    channel_ids = [
        _channel(-timedelta(minutes=1), period_length_days=1) for _ in range(3)
    ]
    results = race(
        6,
        lambda i: (
            roll_over_periods() if i % 2 else services.quota_status(channel_ids[i // 2])
        ),
    )
    assert all(not isinstance(r, Exception) for r in results), results
    for channel_id in channel_ids:
        assert [p.state for p in _periods(channel_id)] == ["closed", "open"]
    assert services.audit() == []


def test_beat_task_is_scheduled_and_rolls_over():
    from django.conf import settings

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks.roll_over_periods_task.name in scheduled
    channel_id = _channel(-timedelta(minutes=1), period_length_days=1)
    assert tasks.roll_over_periods_task() >= 1
    assert [p.state for p in _periods(channel_id)] == ["closed", "open"]
    assert tasks.roll_over_periods_task() == 0

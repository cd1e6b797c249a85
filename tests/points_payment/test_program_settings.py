"""Staff's program settings and period opening on PostgreSQL (in-process):
a program made on first use, typed refusals that change nothing, the
webhook secret made on a first URL or a rotation, the mode locked while the
open period has moved points, one open period per channel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from plugins.points_payment import program_settings, services
from plugins.points_payment.models import PointsProgram, SettlementPeriod
from plugins.points_payment.program_rules import EDITABLE_SETTINGS, ProgramRefused
from plugins.points_payment.programs import PROGRAM_SETTINGS

from .conftest import new_channel

pytestmark = pytest.mark.django_db


def refused(call, *args, **kwargs):
    with pytest.raises(ProgramRefused) as refusal:
        call(*args, **kwargs)
    return {(v.field, v.code.value) for v in refusal.value.violations}


def stored(channel):
    return PointsProgram.objects.filter(channel=channel).values().first()


def window(days=30):
    now = timezone.now()
    return now - timedelta(hours=1), now + timedelta(days=days)


def test_every_program_setting_but_the_made_secret_is_editable():
    editable = {setting.name for setting in EDITABLE_SETTINGS}
    assert editable == set(PROGRAM_SETTINGS) - {"webhook_secret"}


def test_first_use_turns_points_on_with_the_settings():
    channel = new_channel()
    saved = program_settings.set_program(
        channel.slug,
        {"mode": "pass_through", "money_per_point": "0.5", "member_cap_per_period": 9},
    )
    assert saved.created and saved.new_webhook_secret is None
    program = PointsProgram.objects.get(channel=channel)
    assert (program.enabled, program.mode) == (True, "pass_through")
    assert program.money_per_point == Decimal("0.5")
    assert program.member_cap_per_period == 9
    assert not program_settings.set_program(channel.slug, {}).created
    assert channel.slug not in dict(program_settings.channels_without_program())


def test_a_refusal_changes_nothing_not_even_the_program_it_would_make():
    channel = new_channel()
    assert refused(
        program_settings.set_program, channel.slug, {"money_per_point": "0"}
    ) == {("money_per_point", "out_of_range")}
    assert refused(
        program_settings.set_program,
        channel.slug,
        {"confirmation": "one_time_code", "code_sender": "webhook"},
    ) == {("webhook_url", "webhook_url_required")}
    assert stored(channel) is None
    assert channel.slug in dict(program_settings.channels_without_program())

    program_settings.set_program(channel.slug, {"hold_timeout_seconds": 300})
    before = stored(channel)
    assert refused(
        program_settings.set_program,
        channel.slug,
        {"hold_timeout_seconds": 120, "webhook_url": "javascript:x"},
    ) == {("webhook_url", "invalid_url")}
    assert stored(channel) == before
    assert refused(program_settings.set_program, "no-such-channel", {}) == {
        ("channel", "channel_not_found")
    }


def test_webhook_secret_on_a_first_url_and_on_rotation_only():
    channel = new_channel()
    first = program_settings.set_program(
        channel.slug, {"webhook_url": "https://hooks.example.com/a"}
    )
    secret = first.new_webhook_secret
    assert secret.startswith("whsec_") and stored(channel)["webhook_secret"] == secret
    moved = program_settings.set_program(
        channel.slug, {"webhook_url": "https://hooks.example.com/b"}
    )
    assert moved.new_webhook_secret is None
    assert stored(channel)["webhook_secret"] == secret
    rotated = program_settings.set_program(channel.slug, {}, rotate_webhook_secret=True)
    assert rotated.new_webhook_secret not in (None, secret)
    assert stored(channel)["webhook_secret"] == rotated.new_webhook_secret

    program_settings.set_program(channel.slug, {"webhook_url": ""})
    assert refused(
        program_settings.set_program, channel.slug, {}, rotate_webhook_secret=True
    ) == {("rotate_webhook_secret", "webhook_url_required")}
    again = program_settings.set_program(
        channel.slug, {"webhook_url": "https://hooks.example.com/c"}
    )
    assert again.new_webhook_secret not in (None, rotated.new_webhook_secret)


def test_mode_is_locked_once_the_open_period_moved_points():
    channel = new_channel()
    program_settings.set_program(channel.slug, {})
    # No open period, then an open one with only its quota: free to switch.
    program_settings.set_program(channel.slug, {"mode": "pass_through"})
    program_settings.open_settlement_period(channel.slug, *window(), 1000)
    program_settings.set_program(channel.slug, {"mode": "allowance"})

    services.grant(channel.pk, "m-1", 10, transfer_id="g-1")
    assert refused(
        program_settings.set_program, channel.slug, {"mode": "pass_through"}
    ) == {("mode", "mode_locked")}
    assert stored(channel)["mode"] == "allowance"
    # Other settings still change while the mode is locked.
    program_settings.set_program(channel.slug, {"mode": "allowance", "enabled": False})
    assert stored(channel)["enabled"] is False

    period = SettlementPeriod.objects.get(channel=channel, state="open")
    program_settings.set_program(channel.slug, {"enabled": True})
    services.close_period(channel.pk, period.pk)
    program_settings.set_program(channel.slug, {"mode": "pass_through"})
    assert stored(channel)["mode"] == "pass_through"


def test_a_spender_that_read_the_old_mode_is_refused_after_the_switch():
    """A hold re-reads the mode after its locks (periods.recheck_open)."""
    from plugins.points_payment import errors, periods

    channel = new_channel()
    program_settings.set_program(channel.slug, {})
    view = program_settings.open_settlement_period(channel.slug, *window(), 100)
    period = SettlementPeriod.objects.get(pk=view.id)
    program_settings.set_program(channel.slug, {"mode": "pass_through"})
    with pytest.raises(errors.PointsNotEnabled):
        periods.recheck_open(period, "allowance")
    periods.recheck_open(period, "pass_through")


def test_opening_periods():
    channel = new_channel()
    assert refused(
        program_settings.open_settlement_period, channel.slug, *window(), 10
    ) == {("channel", "points_not_enabled")}
    program_settings.set_program(channel.slug, {})
    starts, ends = window()
    assert refused(
        program_settings.open_settlement_period, channel.slug, ends, starts, -1
    ) == {("ends_at", "invalid_period"), ("quota", "invalid_quota")}
    assert not SettlementPeriod.objects.filter(channel=channel).exists()

    view = program_settings.open_settlement_period(channel.slug, starts, ends, 0)
    assert (view.quota, view.state) == (0, "open")
    assert refused(
        program_settings.open_settlement_period, channel.slug, starts, ends, 5
    ) == {(None, "period_already_open")}
    assert SettlementPeriod.objects.filter(channel=channel).count() == 1
    services.close_period(channel.pk, view.id)
    later = program_settings.open_settlement_period(channel.slug, starts, ends, 700)
    assert services.quota_status(channel.pk).quota == 700 and later.id != view.id

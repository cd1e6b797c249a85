"""The console's points setup, in-process with Django's test client:
"Enable points" on the list, the settings form and "Open a period" on a
channel's page; refusals show on the page with status 400 and change
nothing; every form needs ``points_payment.manage_points``."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from saleor.account.models import User

from plugins.points_payment import program_settings, services
from plugins.points_payment.models import PointsProgram, SettlementPeriod
from tests.points_payment.conftest import new_channel

pytestmark = pytest.mark.django_db

BASE = "/dashboard-ext/points"
FORMAT = "%Y-%m-%d %H:%M"


def signed_in(*codenames) -> Client:
    user = User.objects.create_user(
        f"console-{uuid.uuid4().hex[:8]}@example.com", "pw", is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def settings_form(**changes):
    form = {
        "enabled": "on",
        "mode": "allowance",
        "money_per_point": "0.01",
        "refund_policy": "refuse",
        "confirmation": "none",
        "code_sender": "log",
        "member_cap_per_period": "",
        "hold_timeout_seconds": "900",
        "period_length_days": "",
        "period_quota": "",
        "webhook_url": "",
        "balance_url": "",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def period_form(quota="5000", days=30):
    now = timezone.now()
    return {
        "starts_at": (now - timedelta(hours=1)).strftime(FORMAT),
        "ends_at": (now + timedelta(days=days)).strftime(FORMAT),
        "quota": quota,
    }


def stored(channel):
    return PointsProgram.objects.filter(channel=channel).values().first()


def test_enable_set_up_and_open_a_period():
    channel = new_channel(name="Console Points Channel")
    client = signed_in("manage_points")

    listing = client.get(f"{BASE}/").content.decode()
    assert "Console Points Channel" in listing and "Enable points" in listing
    enabled = client.post(f"{BASE}/", {"channel": channel.slug, "mode": "allowance"})
    assert enabled.status_code == 302
    assert enabled["Location"] == f"{BASE}/{channel.slug}/?notice=enabled"
    assert stored(channel)["mode"] == "allowance"
    relisted = client.get(f"{BASE}/").content.decode()
    assert f'name="channel" value="{channel.slug}"' not in relisted

    page = client.get(f"{BASE}/{channel.slug}/").content.decode()
    assert "Save settings" in page and "Open period" in page
    for label in ("Money per point", "Hold timeout", "Balance URL", "Member cap"):
        assert label in page

    saved = client.post(
        f"{BASE}/{channel.slug}/settings/",
        settings_form(
            money_per_point="0.25",
            member_cap_per_period="300",
            webhook_url="https://hooks.example.com/console",
            enabled=None,  # unticked
        ),
    )
    assert saved.status_code == 302
    program = PointsProgram.objects.get(channel=channel)
    assert (str(program.money_per_point), program.member_cap_per_period) == (
        "0.250000",
        300,
    )
    assert program.enabled is False
    shown = client.get(f"{BASE}/{channel.slug}/").content.decode()
    assert program.webhook_secret.startswith("whsec_")
    assert program.webhook_secret in shown  # once ...
    assert (
        program.webhook_secret
        not in client.get(f"{BASE}/{channel.slug}/").content.decode()
    )  # ... and not again

    client.post(f"{BASE}/{channel.slug}/settings/", settings_form())
    opened = client.post(f"{BASE}/{channel.slug}/periods/open/", period_form())
    assert opened.status_code == 302
    assert services.quota_status(channel.pk).quota == 5000
    page = client.get(f"{BASE}/{channel.slug}/").content.decode()
    assert "Open period" not in page and "Close period" in page


def test_refusals_show_with_400_and_change_nothing():
    channel = new_channel()
    client = signed_in("manage_points")
    refused = client.post(f"{BASE}/", {"channel": channel.slug, "mode": "credit"})
    assert refused.status_code == 400 and "Mode must be one of" in (
        refused.content.decode()
    )
    assert stored(channel) is None

    program_settings.set_program(channel.slug, {})
    before = stored(channel)
    bad = client.post(
        f"{BASE}/{channel.slug}/settings/",
        settings_form(
            money_per_point="0.0000001",
            hold_timeout_seconds="30",
            webhook_url="javascript:alert(1)",
        ),
    )
    page = bad.content.decode()
    assert bad.status_code == 400
    assert "at most 6 decimal places" in page and "from 60 to 86400" in page
    assert "absolute http:// or https:// URL" in page
    assert 'value="javascript:alert(1)"' in page  # what was typed stays
    assert stored(channel) == before

    bad_period = client.post(
        f"{BASE}/{channel.slug}/periods/open/",
        {"starts_at": "tomorrow", "ends_at": "2020-13-01 00:00", "quota": "-1"},
    )
    assert bad_period.status_code == 400
    assert "quota is a whole number" in bad_period.content.decode()
    client.post(f"{BASE}/{channel.slug}/periods/open/", period_form())
    twice = client.post(f"{BASE}/{channel.slug}/periods/open/", period_form("9"))
    assert twice.status_code == 400
    assert "already has an open period" in twice.content.decode()
    assert SettlementPeriod.objects.filter(channel=channel).count() == 1

    services.grant(channel.pk, "m-1", 5, transfer_id="g-1")
    locked = client.post(
        f"{BASE}/{channel.slug}/settings/", settings_form(mode="pass_through")
    )
    assert locked.status_code == 400 and "close it before" in locked.content.decode()
    assert stored(channel)["mode"] == "allowance"


@pytest.mark.parametrize("codenames", [(), ("manage_products", "manage_webhooks")])
def test_every_form_needs_manage_points(codenames):
    channel = new_channel()
    program_settings.set_program(channel.slug, {})
    other = new_channel()
    client = signed_in(*codenames)
    for path, form in (
        (f"{BASE}/", {"channel": other.slug, "mode": "allowance"}),
        (f"{BASE}/{channel.slug}/settings/", settings_form(money_per_point="9")),
        (f"{BASE}/{channel.slug}/periods/open/", period_form()),
    ):
        assert client.post(path, form).status_code == 403, path
    assert stored(other) is None
    assert stored(channel)["money_per_point"] != 9
    assert not SettlementPeriod.objects.filter(channel=channel).exists()
    anonymous = Client().post(f"{BASE}/{channel.slug}/periods/open/", period_form())
    assert anonymous.status_code == 302

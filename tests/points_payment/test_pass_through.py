"""Pass-through mode: the SSO token's ``points`` claim, never spent twice."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from plugins.channel_pricing.error_codes import ChannelErrorCode
from plugins.channel_pricing.models import Channel
from plugins.channel_pricing.sign_in import sign_in
from plugins.channel_pricing.sso import SignInRefused
from plugins.points_payment import errors, services
from plugins.points_payment.models import SignInBalance
from tests.channel_pricing.tokens import channel_token

from .ledger_support import make_program, race, webhooks_of

pytestmark = pytest.mark.usefixtures("committed_db")


def test_on_the_test_database(db):
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")


def _channel():
    channel_id = make_program(mode="pass_through", quota=10_000)
    channel = Channel.objects.get(pk=channel_id)
    return channel_id, channel.slug, channel.sso_secret


def test_two_sign_ins_racing_cannot_spend_one_balance_twice():
    channel_id, slug, secret = _channel()
    now = time.time()
    tokens = [
        channel_token(secret, slug, "m1", now=now - 1, points=100),
        channel_token(secret, slug, "m1", now=now, points=100),
    ]
    signed = race(2, lambda i: sign_in(slug, tokens[i]))
    assert all(not isinstance(r, Exception) for r in signed), signed
    claim = SignInBalance.objects.get(channel_id=channel_id, external_id="m1")
    assert claim.points == 100 and int(claim.issued_at.timestamp()) == int(now)
    held = race(
        2,
        lambda i: services.hold(
            channel_id, "m1", 100, transfer_id=f"h{i}", reference=""
        ),
    )
    assert sum(not isinstance(r, Exception) for r in held) == 1
    assert any(isinstance(r, errors.InsufficientPoints) for r in held)
    assert services.audit() == []


def test_a_new_sign_in_does_not_restore_what_was_spent():
    channel_id, slug, secret = _channel()
    now = time.time()
    sign_in(slug, channel_token(secret, slug, "m1", now=now - 5, points=100))
    services.hold(channel_id, "m1", 60, transfer_id="h1", reference="order-1")
    services.post_hold(channel_id, "h1", transfer_id="p1")
    (event,) = webhooks_of(channel_id, "points.redeemed")
    assert (event["member"], event["points"]) == ("m1", 60)
    # The channel has not deducted yet: a new token still says 100.
    sign_in(slug, channel_token(secret, slug, "m1", now=now, points=100))
    assert services.balance(channel_id, "m1").available == 40
    services.hold(channel_id, "m1", 30, transfer_id="h2", reference="")
    assert services.balance(channel_id, "m1").available == 10
    # An older token arriving late never replaces the newer claim.
    sign_in(slug, channel_token(secret, slug, "m1", now=now - 3, points=1000))
    assert services.balance(channel_id, "m1").available == 10
    with pytest.raises(errors.InsufficientPoints):
        services.hold(channel_id, "m1", 11, transfer_id="h3", reference="")
    assert services.balance(channel_id, "m1").held == 30


def test_the_points_claim_is_checked_and_optional():
    channel_id, slug, secret = _channel()
    with pytest.raises(SignInRefused) as refused:
        sign_in(slug, channel_token(secret, slug, "m1", points=-5))
    assert refused.value.code == ChannelErrorCode.INVALID_CLAIMS
    assert not SignInBalance.objects.filter(channel_id=channel_id).exists()
    sign_in(slug, channel_token(secret, slug, "m2"))
    with pytest.raises(errors.MemberNotFound):
        services.hold(channel_id, "m2", 1, transfer_id="h", reference="")
    # an allowance channel ignores the claim
    allowance_id = make_program(mode="allowance")
    allowance = Channel.objects.get(pk=allowance_id)
    sign_in(
        allowance.slug,
        channel_token(allowance.sso_secret, allowance.slug, "m1", points=99),
    )
    assert not SignInBalance.objects.filter(channel_id=allowance_id).exists()


def test_my_points_for_a_signed_in_member():
    channel_id, slug, secret = _channel()
    result = sign_in(slug, channel_token(secret, slug, "m1", points=70))
    services.hold(channel_id, "m1", 20, transfer_id="h1", reference="")
    (view,) = services.member_points(result.member.user_id)
    assert (view.channel, view.available, view.held) == (slug, 50, 20)
    assert [t.id for t in view.history] == ["h1"]
    assert view.period.state == "open" and timezone.now() < view.period.ends_at


def test_my_points_over_graphql_in_both_modes():
    from tests.support import gql_in_process

    query = "{ myPoints { channel balance held expiring history { amount state } } }"
    allowance_id = make_program(mode="allowance")
    allowance = Channel.objects.get(pk=allowance_id)
    services.grant(allowance_id, "m1", 300, transfer_id="g1")
    services.hold(allowance_id, "m1", 100, transfer_id="h1", reference="")
    token = sign_in(
        allowance.slug, channel_token(allowance.sso_secret, allowance.slug, "m1")
    ).saleor_token
    (entry,) = gql_in_process(query, token=token)["data"]["myPoints"]
    assert (entry["channel"], entry["balance"], entry["held"]) == (
        allowance.slug,
        200,
        100,
    )
    assert entry["expiring"] and [h["state"] for h in entry["history"]] == [
        "pending",
        "posted",
    ]
    channel_id, slug, secret = _channel()
    token = sign_in(slug, channel_token(secret, slug, "m9", points=40)).saleor_token
    (entry,) = gql_in_process(query, token=token)["data"]["myPoints"]
    assert (entry["balance"], entry["held"], entry["history"]) == (40, 0, [])


def test_beat_tasks_are_scheduled_and_run():
    from django.conf import settings

    from plugins.points_payment import tasks

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in (
        tasks.release_timed_out_holds_task,
        tasks.expire_lapsed_grants_task,
        tasks.audit_ledger_task,
    ):
        assert task.name in scheduled
        assert task() >= 0
    assert tasks.audit_ledger_task() == 0

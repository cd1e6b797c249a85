"""pointsProgramSet and pointsPeriodOpen (in-process GraphQL): staff with
``points_payment.manage_points`` turn points on, change settings and open a
period; others change nothing; refusals are typed ``pointsProgramErrors``;
two concurrent pointsPeriodOpen for one channel open exactly one period."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User

from plugins.points_payment.models import PointsProgram, SettlementPeriod
from tests.support import gql_in_process

from .conftest import new_channel
from .ledger_support import race

PROGRAM_SET = """
mutation ($channel: String!, $input: PointsProgramInput!, $rotate: Boolean) {
  pointsProgramSet(channel: $channel, input: $input, rotateWebhookSecret: $rotate) {
    created webhookSecret
    program { channel enabled mode moneyPerPoint refundPolicy confirmation
              codeSender memberCapPerPeriod holdTimeoutSeconds webhookUrl balanceUrl }
    pointsProgramErrors { field code message }
  }
}"""
PERIOD_OPEN = """
mutation ($channel: String!, $startsAt: DateTime!, $endsAt: DateTime!,
          $quota: BigInt!) {
  pointsPeriodOpen(channel: $channel, startsAt: $startsAt, endsAt: $endsAt,
                   quota: $quota) {
    period { id startsAt endsAt quota state }
    pointsProgramErrors { field code message }
  }
}"""


def staff_token(*codenames) -> str:
    user = User.objects.create_user(
        f"pts-staff-{uuid.uuid4().hex[:8]}@example.com", "pw", is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return get_token(user)


def window(days=30):
    now = timezone.now().replace(microsecond=0)
    return {
        "startsAt": (now - timedelta(hours=1)).isoformat(),
        "endsAt": (now + timedelta(days=days)).isoformat(),
    }


def payload(answer, field):
    assert not answer.get("errors"), answer
    return answer["data"][field]


def codes(answer, field):
    return [
        (e["field"], e["code"]) for e in payload(answer, field)["pointsProgramErrors"]
    ]


@pytest.mark.django_db
def test_staff_turn_points_on_and_change_settings():
    channel = new_channel()
    token = staff_token("manage_points")
    first = payload(
        gql_in_process(
            PROGRAM_SET,
            {
                "channel": channel.slug,
                "input": {
                    "mode": "PASS_THROUGH",
                    "moneyPerPoint": "0.05",
                    "memberCapPerPeriod": 5_000_000_000,
                    "webhookUrl": "https://hooks.example.com/pts",
                    "confirmation": "ONE_TIME_CODE",
                    "codeSender": "WEBHOOK",
                },
            },
            token,
        ),
        "pointsProgramSet",
    )
    assert first["pointsProgramErrors"] == [] and first["created"] is True
    assert first["webhookSecret"].startswith("whsec_")
    program = first["program"]
    assert program["channel"] == channel.slug and program["mode"] == "PASS_THROUGH"
    assert program["moneyPerPoint"] == 0.05
    assert program["memberCapPerPeriod"] == 5_000_000_000
    assert program["holdTimeoutSeconds"] == 900 and program["enabled"] is True
    stored = PointsProgram.objects.get(channel=channel)
    assert stored.webhook_secret == first["webhookSecret"]

    second = payload(
        gql_in_process(
            PROGRAM_SET,
            {"channel": channel.slug, "input": {"memberCapPerPeriod": None}},
            token,
        ),
        "pointsProgramSet",
    )
    assert second["created"] is False and second["webhookSecret"] is None
    assert second["program"]["memberCapPerPeriod"] is None
    assert second["program"]["mode"] == "PASS_THROUGH"  # left out: unchanged

    rotated = payload(
        gql_in_process(
            PROGRAM_SET, {"channel": channel.slug, "input": {}, "rotate": True}, token
        ),
        "pointsProgramSet",
    )
    assert rotated["webhookSecret"] not in (None, first["webhookSecret"])


@pytest.mark.django_db
def test_refusals_are_typed_and_change_nothing():
    channel = new_channel()
    token = staff_token("manage_points")
    answer = gql_in_process(
        PROGRAM_SET,
        {
            "channel": channel.slug,
            "input": {"moneyPerPoint": 0, "holdTimeoutSeconds": 5, "balanceUrl": "x:y"},
        },
        token,
    )
    assert set(codes(answer, "pointsProgramSet")) == {
        ("moneyPerPoint", "OUT_OF_RANGE"),
        ("holdTimeoutSeconds", "OUT_OF_RANGE"),
        ("balanceUrl", "INVALID_URL"),
    }
    assert not PointsProgram.objects.filter(channel=channel).exists()
    unknown = gql_in_process(
        PROGRAM_SET, {"channel": "no-such-channel", "input": {}}, token
    )
    assert codes(unknown, "pointsProgramSet") == [("channel", "CHANNEL_NOT_FOUND")]

    not_on = gql_in_process(
        PERIOD_OPEN, {"channel": channel.slug, "quota": 10, **window()}, token
    )
    assert codes(not_on, "pointsPeriodOpen") == [("channel", "POINTS_NOT_ENABLED")]
    gql_in_process(PROGRAM_SET, {"channel": channel.slug, "input": {}}, token)
    backwards = window()
    backwards["startsAt"], backwards["endsAt"] = (
        backwards["endsAt"],
        backwards["startsAt"],
    )
    bad = gql_in_process(
        PERIOD_OPEN, {"channel": channel.slug, "quota": -3, **backwards}, token
    )
    assert set(codes(bad, "pointsPeriodOpen")) == {
        ("endsAt", "INVALID_PERIOD"),
        ("quota", "INVALID_QUOTA"),
    }
    assert not SettlementPeriod.objects.filter(channel=channel).exists()


@pytest.mark.django_db
def test_a_period_opens_once():
    channel = new_channel()
    token = staff_token("manage_points")
    gql_in_process(PROGRAM_SET, {"channel": channel.slug, "input": {}}, token)
    variables = {"channel": channel.slug, "quota": 3_000_000_000, **window()}
    opened = payload(gql_in_process(PERIOD_OPEN, variables, token), "pointsPeriodOpen")
    assert opened["pointsProgramErrors"] == []
    assert opened["period"]["quota"] == 3_000_000_000
    assert opened["period"]["state"] == "open"
    again = gql_in_process(PERIOD_OPEN, variables, token)
    assert codes(again, "pointsPeriodOpen") == [(None, "PERIOD_ALREADY_OPEN")]


@pytest.mark.django_db
@pytest.mark.parametrize("codenames", [(), ("manage_products", "manage_discounts")])
def test_without_the_permission_nothing_changes(codenames):
    channel = new_channel()
    token = staff_token(*codenames)
    for query, variables in (
        (PROGRAM_SET, {"channel": channel.slug, "input": {"enabled": True}}),
        (PERIOD_OPEN, {"channel": channel.slug, "quota": 1, **window()}),
    ):
        for who in (token, None):
            answer = gql_in_process(query, variables, who)
            assert answer["errors"][0]["message"].startswith(
                "You do not have permission"
            ), answer
    assert not PointsProgram.objects.filter(channel=channel).exists()
    assert not SettlementPeriod.objects.filter(channel=channel).exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_period_opens_make_one_open_period():
    """Each thread posts on its own connection; the one-open-period index
    decides and the loser gets PERIOD_ALREADY_OPEN (no server error)."""
    channel = new_channel()
    token = staff_token("manage_points")
    gql_in_process(PROGRAM_SET, {"channel": channel.slug, "input": {}}, token)
    for attempt in range(3):
        variables = {"channel": channel.slug, "quota": 100 + attempt, **window()}
        answers = race(
            2, lambda _i, sent=variables: gql_in_process(PERIOD_OPEN, sent, token)
        )
        outcomes = sorted(
            tuple(codes(answer, "pointsPeriodOpen")) for answer in answers
        )
        assert outcomes == [(), ((None, "PERIOD_ALREADY_OPEN"),)], answers
        open_periods = SettlementPeriod.objects.filter(channel=channel, state="open")
        assert open_periods.count() == 1
        period = open_periods.get()
        won = [a for a in answers if not codes(a, "pointsPeriodOpen")][0]
        assert won["data"]["pointsPeriodOpen"]["period"]["id"] == period.pk
        from plugins.points_payment import services

        assert services.quota_status(channel.pk).quota == period.quota
        services.close_period(channel.pk, period.pk)

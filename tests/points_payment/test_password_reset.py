"""Payment password change and reset (one-time code through the channel's
code sender; wrong codes count towards the password's lock), and the staff
``pointsOverview`` query, through GraphQL in process."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Permission
from django.utils import timezone
from graphql_jwt.shortcuts import get_token

from plugins.channel_pricing.models import Channel, ChannelMember
from plugins.channel_pricing.sign_in import sign_in
from plugins.core.models import OutboxMessage
from plugins.points_payment import services
from plugins.points_payment.models import PaymentPassword, PaymentPasswordResetCode
from tests.channel_pricing.tokens import channel_token
from tests.support import gql_in_process

from .ledger_support import make_program, race

pytestmark = pytest.mark.usefixtures("committed_db")

SET = """
mutation($password: String!, $current: String) {
  pointsPaymentPasswordSet(password: $password, currentPassword: $current) {
    passwordSet pointsPaymentErrors { field code message }
  }
}
"""
RESET_REQUEST = """
mutation { pointsPaymentPasswordResetRequest {
  sentTo expiresAt pointsPaymentErrors { field code message }
} }
"""
RESET = """
mutation($code: String!, $password: String!) {
  pointsPaymentPasswordReset(code: $code, password: $password) {
    passwordSet pointsPaymentErrors { field code message }
  }
}
"""
OVERVIEW = """
query($channel: String) { pointsOverview(channel: $channel) {
  channel mode enabled period { id starts_at: startsAt endsAt state }
  quota granted held redeemed remaining expiring { points expiresAt }
} }
"""


def test_on_the_test_database(db):
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")


def _member(**program):
    program.setdefault("code_sender", "webhook")
    channel_id = make_program(confirmation="payment_password", **program)
    channel = Channel.objects.get(pk=channel_id)
    token = sign_in(
        channel.slug, channel_token(channel.sso_secret, channel.slug, "m1")
    ).saleor_token
    member = ChannelMember.objects.get(channel=channel, external_id="m1")
    return channel, member, token


def _call(document, token, field, **variables):
    response = gql_in_process(document, variables, token=token)
    assert "errors" not in response, response
    return response["data"][field]


def _codes(payload):
    return [error["code"] for error in payload["pointsPaymentErrors"]]


def _set(token, password, current=None):
    return _call(
        SET, token, "pointsPaymentPasswordSet", password=password, current=current
    )


def _request(token):
    return _call(RESET_REQUEST, token, "pointsPaymentPasswordResetRequest")


def _reset(token, code, password="brand-new-pass"):
    return _call(
        RESET, token, "pointsPaymentPasswordReset", code=code, password=password
    )


def _last_reset_code(channel) -> str:
    for message in OutboxMessage.objects.filter(
        event_type="points.password_reset_code"
    ).order_by("-pk"):
        body = json.loads(message.body)
        if body["channel"] == channel.slug:
            assert set(body) >= {"member", "code", "expires_at", "event_id"}
            assert "points" not in body and "amount" not in body
            return body["code"]
    raise AssertionError("no reset code sent")


def _wrong(code: str) -> str:
    return str((int(code) + 1) % 1_000_000).zfill(6)


def _hash(member):
    return PaymentPassword.objects.get(member=member).password


def test_change_needs_the_current_password():
    channel, member, token = _member()
    assert _set(token, "first-pass")["passwordSet"] is True
    assert _codes(_set(token, "second-pass")) == ["PASSWORD_INVALID"]
    assert _codes(_set(token, "second-pass", "nope-nope")) == ["PASSWORD_INVALID"]
    assert check_password("first-pass", _hash(member))
    assert _set(token, "second-pass", "first-pass")["passwordSet"] is True
    assert check_password("second-pass", _hash(member))


def test_reset_with_the_emailed_or_webhooked_code():
    channel, member, token = _member()
    _set(token, "first-pass")
    sent = _request(token)
    assert sent["pointsPaymentErrors"] == [] and sent["sentTo"] == "your channel's app"
    code = _last_reset_code(channel)
    assert _codes(_reset(token, code, "short")) == ["PASSWORD_TOO_WEAK"]
    assert _reset(token, code)["passwordSet"] is True
    assert check_password("brand-new-pass", _hash(member))
    # Single use.
    assert _codes(_reset(token, code, "another-pass")) == ["NO_CODE"]
    # A new request replaces the earlier open code.
    _request(token)
    first = _last_reset_code(channel)
    _request(token)
    second = _last_reset_code(channel)
    if first != second:
        assert _codes(_reset(token, first)) == ["CODE_INVALID"]
    assert _reset(token, second, "third-pass-ok")["passwordSet"] is True


def test_wrong_codes_count_towards_the_password_lock():
    channel, member, token = _member()
    _set(token, "first-pass")
    # Two wrong current passwords, then three wrong codes: five in a row.
    _set(token, "x-second", "wrong-1")
    _set(token, "x-second", "wrong-2")
    _request(token)
    code = _last_reset_code(channel)
    assert _codes(_reset(token, _wrong(code))) == ["CODE_INVALID"]
    assert _codes(_reset(token, _wrong(code))) == ["CODE_INVALID"]
    assert _codes(_reset(token, _wrong(code))) == ["PASSWORD_LOCKED"]
    # Locked: the right code, a new request and the password all refused.
    assert _codes(_reset(token, code)) == ["PASSWORD_LOCKED"]
    assert _codes(_request(token)) == ["PASSWORD_LOCKED"]
    assert _codes(_set(token, "x-second", "first-pass")) == ["PASSWORD_LOCKED"]
    assert check_password("first-pass", _hash(member))
    # After the lock the killed code stays dead; a new one works.
    PaymentPassword.objects.filter(member=member).update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert _codes(_reset(token, code)) == ["NO_CODE"]
    _request(token)
    assert _reset(token, _last_reset_code(channel))["passwordSet"] is True
    row = PaymentPassword.objects.get(member=member)
    assert (row.failed_attempts, row.locked_until) == (0, None)


def test_concurrent_wrong_codes_are_each_counted():
    channel, member, token = _member()
    _set(token, "first-pass")
    _request(token)
    code = _last_reset_code(channel)
    results = race(10, lambda i: _codes(_reset(token, _wrong(code), f"guess-pass-{i}")))
    assert (
        sorted(r[0] for r in results) == ["CODE_INVALID"] * 4 + ["PASSWORD_LOCKED"] * 6
    ), results
    assert check_password("first-pass", _hash(member))


def test_reset_refusals():
    channel, member, token = _member()
    assert _codes(_request(token)) == ["PASSWORD_NOT_SET"]
    _set(token, "first-pass")
    assert _codes(_reset(token, "123456")) == ["NO_CODE"]
    _request(token)
    PaymentPasswordResetCode.objects.filter(member=member).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert _codes(_reset(token, _last_reset_code(channel))) == ["CODE_EXPIRED"]
    for _ in range(4):  # five in 15 minutes with the first
        assert _codes(_request(token)) == []
    assert _codes(_request(token)) == ["TOO_MANY_CODES"]
    assert "errors" in gql_in_process(RESET_REQUEST)  # not signed in


def test_reset_by_log_sender_needs_no_webhook():
    channel, member, token = _member(code_sender="log", webhook=False)
    _set(token, "first-pass")
    assert _request(token)["sentTo"] == "the server log"


def _staff(*codenames):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        f"staff-{uuid.uuid4().hex[:8]}@example.com", "s3cret-pass", is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_points_overview_for_staff_with_manage_points():
    channel_id = make_program(quota=1000)
    slug = Channel.objects.get(pk=channel_id).slug
    soon = timezone.now() + timedelta(days=2)
    services.grant(channel_id, "m1", 300, transfer_id="g1", expires_at=soon)
    services.grant(channel_id, "m2", 100, transfer_id="g2")
    services.hold(channel_id, "m1", 50, transfer_id="h1", reference="c")
    services.hold(channel_id, "m2", 20, transfer_id="h2", reference="c")
    services.post_hold(channel_id, "h2", transfer_id="p2")
    staff = _staff("manage_points")
    try:
        response = gql_in_process(OVERVIEW, {"channel": slug}, token=get_token(staff))
        assert "errors" not in response, response
        (entry,) = response["data"]["pointsOverview"]
        status = services.quota_status(channel_id)
        assert entry["channel"] == slug and entry["mode"] == "allowance"
        assert entry["period"]["id"] == status.period.id
        assert (
            entry["quota"],
            entry["granted"],
            entry["held"],
            entry["redeemed"],
            entry["remaining"],
        ) == (1000, 400, 50, 20, 600)
        expiring = [(e["points"], e["expiresAt"][:16]) for e in entry["expiring"]]
        period_end = status.period.ends_at.isoformat()[:16]
        assert expiring == [(250, soon.isoformat()[:16]), (80, period_end)]

        # The console's Points page shows the same figures.
        from django.test import Client

        browser = Client()
        browser.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
        page = browser.get("/dashboard-ext/points/").content.decode()
        assert f"250 on {soon:%Y-%m-%d %H:%M}" in page

        everyone = gql_in_process(OVERVIEW, token=get_token(staff))
        assert slug in {e["channel"] for e in everyone["data"]["pointsOverview"]}

        for outsider in (_staff(), None):
            refused = gql_in_process(
                OVERVIEW,
                {"channel": slug},
                token=get_token(outsider) if outsider else None,
            )
            assert refused["errors"][0]["message"].startswith("You do not have")
    finally:
        staff.delete()

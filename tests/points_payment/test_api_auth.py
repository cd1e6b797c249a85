"""Channel API authentication: every refusal has its own code and changes
nothing (no nonce stored, no idempotency key taken)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from plugins.channel_pricing.domain import ChannelStatus
from plugins.points_payment import api_secrets
from plugins.points_payment.models import ApiNonce, IdempotencyRecord
from plugins.points_payment.request_signing import signed_headers

from .channel_api import ChannelApi
from .conftest import new_channel

# Past authentication, this GET fails validation (typed 400) without
# touching the ledger: it shows the request got in, and changes nothing.
PROBE = "/members/m-1/balance?unexpected=1"


def _counts():
    return ApiNonce.objects.count(), IdempotencyRecord.objects.count()


def _refused(api, status, code, *, path=PROBE, method="GET", **over):
    before = _counts()
    answer = api.request(
        method,
        path,
        {"points": 1} if method == "POST" else None,
        key="k-1" if method == "POST" else None,
        **over,
    )
    assert answer.status == status, answer.body
    assert answer.code == code, answer.body
    error = answer.json["error"]
    assert set(error) == {"type", "code", "message", "param"}
    assert _counts() == before, "a refused request changed something"
    return answer


def test_a_signed_request_gets_in_and_uses_its_nonce(points_channel):
    _, _, api = points_channel()
    answer = api.get(PROBE)
    assert answer.status == 400, answer.body
    assert answer.json["error"] == {
        "type": "invalid_request_error",
        "code": "parameter_unknown",
        "message": "Unknown parameter 'unexpected'.",
        "param": "unexpected",
    }
    assert ApiNonce.objects.count() == 1


def test_bad_signature(points_channel):
    _, _, api = points_channel()
    _refused(api, 401, "invalid_signature", sign_with="not-the-secret")
    malformed = api.headers("GET", PROBE)
    malformed["X-Flash-Signature"] = "sha1=abc"
    _refused(api, 401, "invalid_signature", headers=malformed)


def test_a_signature_covers_method_path_query_and_body(points_channel):
    _, _, api = points_channel()
    for method, signed, sent in [
        ("GET", "/members/m-1/balance?unexpected=1", PROBE.replace("m-1", "m-2")),
        ("GET", "/members/m-1/balance?unexpected=2", PROBE),
        ("POST", "/members/m-1/balance?unexpected=1", PROBE),
    ]:
        headers = api.headers(method, signed)
        _refused(api, 401, "invalid_signature", path=sent, headers=headers)
    headers = api.headers("POST", "/members/m-1/grants", b'{"points": 2}')
    headers["Idempotency-Key"] = "k-1"
    before = _counts()
    answer = api.request("POST", "/members/m-1/grants", {"points": 1}, headers=headers)
    assert answer.code == "invalid_signature"
    assert _counts() == before


def test_stale_or_future_timestamp(points_channel):
    _, _, api = points_channel()
    now = int(time.time())
    _refused(api, 401, "timestamp_outside_window", timestamp=now - 301)
    # 10 s past the edge: a loaded machine may take a second or more between
    # this clock reading and the server's, which would bring +301 inside.
    _refused(api, 401, "timestamp_outside_window", timestamp=now + 310)
    assert api.get(PROBE, timestamp=now - 250).status == 400


def test_replayed_nonce(points_channel):
    _, _, api = points_channel()
    headers = api.headers("GET", PROBE)
    assert api.get(PROBE, headers=headers).status == 400
    _refused(api, 401, "nonce_reused", headers=headers)
    # A nonce is per channel: another channel may use the same string.
    _, _, other = points_channel()
    nonce = headers["X-Flash-Nonce"]
    assert other.get(PROBE, nonce=nonce).status == 400


def test_unknown_channel(points_channel):
    _, _, api = points_channel()
    ghost = ChannelApi("no-such-channel", api.secret)
    _refused(ghost, 401, "unknown_channel")


def test_suspended_channel(points_channel):
    channel, _, api = points_channel()
    channel.status = ChannelStatus.SUSPENDED
    channel.save(update_fields=["status"])
    _refused(api, 403, "channel_suspended")
    _refused(api, 403, "channel_suspended", method="POST", path="/members/m-1/grants")


def test_another_channels_secret(points_channel):
    _, _, api = points_channel()
    _, _, other = points_channel()
    _refused(api, 401, "other_channel_secret", sign_with=other.secret)


def test_points_not_enabled(points_channel):
    _, program, api = points_channel()
    program.enabled = False
    program.save(update_fields=["enabled"])
    _refused(api, 403, "points_not_enabled")
    # A channel without any points program.
    bare = new_channel()
    _refused(ChannelApi(bare.slug, "whatever"), 403, "points_not_enabled")


@pytest.mark.parametrize(
    "header",
    ["X-Flash-Channel", "X-Flash-Timestamp", "X-Flash-Nonce", "X-Flash-Signature"],
)
def test_each_header_is_required(points_channel, header):
    _, _, api = points_channel()
    headers = api.headers("GET", PROBE)
    del headers[header]
    answer = _refused(api, 401, "authentication_required", headers=headers)
    assert answer.json["error"]["param"] == header


def test_bad_timestamp_or_nonce_format(points_channel):
    _, _, api = points_channel()
    for over, param in [
        ({"timestamp": None, "X-Flash-Timestamp": "yesterday"}, "X-Flash-Timestamp"),
        ({"nonce": "short"}, "X-Flash-Nonce"),
        ({"nonce": "has spaces in it"}, "X-Flash-Nonce"),
    ]:
        stamp = over.pop("X-Flash-Timestamp", None)
        headers = api.headers("GET", PROBE, **over)
        if stamp:
            headers["X-Flash-Timestamp"] = stamp
        answer = _refused(api, 401, "authentication_required", headers=headers)
        assert answer.json["error"]["param"] == param


def test_rotation_keeps_the_old_secret_for_the_grace_period(points_channel):
    channel, program, api = points_channel()
    new_secret = api_secrets.rotate_api_secret(channel.pk, grace=timedelta(hours=1))
    assert new_secret != api.secret
    assert api.get(PROBE).status == 400  # the old one, within the grace
    assert api.get(PROBE, sign_with=new_secret).status == 400
    # Both v1 values in one header (a sender signing with both) is fine too.
    both = api.headers("GET", PROBE)
    both["X-Flash-Signature"] += (
        ","
        + signed_headers(
            channel.slug,
            new_secret,
            "GET",
            "/points/v1" + PROBE,
            timestamp=both["X-Flash-Timestamp"],
            nonce=both["X-Flash-Nonce"],
        )["X-Flash-Signature"]
    )
    assert api.get(PROBE, headers=both).status == 400
    program.refresh_from_db()
    program.api_secret_previous_until = timezone.now() - timedelta(seconds=1)
    program.save(update_fields=["api_secret_previous_until"])
    _refused(api, 401, "invalid_signature")
    api_secrets.end_api_secret_grace(channel.pk)
    assert api.get(PROBE, sign_with=new_secret).status == 400


def test_post_needs_an_idempotency_key(points_channel):
    _, _, api = points_channel()
    before = _counts()
    answer = api.post("/members/m-1/grants", {"points": 1}, key=None)
    assert (answer.status, answer.code) == (400, "idempotency_key_missing")
    answer = api.post("/members/m-1/grants", {"points": 1}, key="x" * 256)
    assert (answer.status, answer.code) == (400, "idempotency_key_invalid")
    assert IdempotencyRecord.objects.count() == before[1]


def test_unknown_paths_and_methods_answer_in_the_error_shape(points_channel):
    _, _, api = points_channel()
    answer = api.get("/no/such/thing")
    assert (answer.status, answer.code) == (404, "not_found")
    answer = api.get("/members/m-1/grants")
    assert (answer.status, answer.code) == (405, "method_not_allowed")
    assert answer.headers.get("Allow") == "POST"

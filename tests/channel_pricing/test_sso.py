"""Channel sign-in token verification: pure rules, no database."""

import jwt
import pytest

from plugins.channel_pricing.error_codes import ChannelErrorCode as Code
from plugins.channel_pricing.sso import (
    CLOCK_SKEW_LEEWAY_SECONDS as LEEWAY,
)
from plugins.channel_pricing.sso import (
    ChannelKeys,
    SignInRefused,
    verify_sign_in_token,
)

from .tokens import channel_token

NOW = 1_900_000_000
SECRET = "wellness-secret-ü"  # non-ASCII: signed over the UTF-8 bytes
CHANNEL = ChannelKeys(slug="wellness-app", active=True, secrets=(SECRET,))


def refusal(token, channel=CHANNEL, now=NOW):
    with pytest.raises(SignInRefused) as caught:
        verify_sign_in_token(token, channel, now)
    return caught.value.code


def token(**kwargs):
    kwargs.setdefault("now", NOW)
    return channel_token(SECRET, kwargs.pop("iss", "wellness-app"), **kwargs)


def test_valid_token_gives_its_claims():
    claims = verify_sign_in_token(
        token(sub="u-42", jti="j-1", name="Ann Lee", phone="+1 555"), CHANNEL, NOW
    )
    assert (claims.external_id, claims.jti, claims.channel_slug) == (
        "u-42",
        "j-1",
        "wellness-app",
    )
    assert (claims.name, claims.phone, claims.email) == ("Ann Lee", "+1 555", None)


def test_secret_is_used_as_utf8_bytes():
    raw = jwt.encode(
        {"iss": "wellness-app", "sub": "1", "iat": NOW, "exp": NOW + 60, "jti": "x"},
        SECRET.encode("utf-8"),
        algorithm="HS256",
    ).decode()
    assert verify_sign_in_token(raw, CHANNEL, NOW).external_id == "1"


def test_numeric_sub_is_read_as_text():
    assert verify_sign_in_token(token(sub=12345), CHANNEL, NOW).external_id == "12345"


def test_bad_signature():
    forged = channel_token("not-the-secret", "wellness-app", now=NOW)
    assert refusal(forged) == Code.BAD_SIGNATURE


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_other_algorithms_are_refused(algorithm):
    assert refusal(token(algorithm=algorithm)) == Code.BAD_SIGNATURE


def test_unsigned_token_is_refused():
    unsigned = jwt.encode(
        {"iss": "wellness-app", "sub": "1", "iat": NOW, "exp": NOW + 60, "jti": "x"},
        None,
        algorithm="none",
    ).decode()
    assert refusal(unsigned) == Code.BAD_SIGNATURE


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 50])
def test_malformed_token(garbage):
    assert refusal(garbage) == Code.MALFORMED_TOKEN


def test_both_secrets_work_while_rotating():
    rotating = ChannelKeys("wellness-app", True, ("new-secret", SECRET))
    assert verify_sign_in_token(token(), rotating, NOW)
    new = channel_token("new-secret", "wellness-app", now=NOW)
    assert verify_sign_in_token(new, rotating, NOW)
    # After the rotation ends only the new secret is valid.
    rotated = ChannelKeys("wellness-app", True, ("new-secret", ""))
    assert refusal(token(), rotated) == Code.BAD_SIGNATURE


def test_suspended_channel():
    suspended = ChannelKeys("wellness-app", False, (SECRET,))
    assert refusal(token(), suspended) == Code.CHANNEL_SUSPENDED


def test_channel_a_token_at_channel_b():
    travel = ChannelKeys("travel-club", True, ("travel-secret",))
    # Signed with A's secret: the signature does not match B, the issuer says why.
    assert refusal(token(), travel) == Code.WRONG_CHANNEL
    # Even when B shares A's secret, the issuer must be B.
    shared = ChannelKeys("travel-club", True, (SECRET,))
    assert refusal(token(), shared) == Code.WRONG_CHANNEL


@pytest.mark.parametrize("claim", ["iss", "sub", "iat", "exp", "jti"])
def test_each_missing_claim(claim):
    assert refusal(token(drop=[claim])) == Code.MISSING_CLAIMS


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": "soon"},
        {"iat": True},
        {"jti": 7},
        {"sub": "x" * 129},
        {"email": ["a@b"]},
        {"iss": 5},
    ],
)
def test_claims_of_the_wrong_type(claims):
    assert refusal(token(**claims)) == Code.INVALID_CLAIMS


def test_claims_of_the_wrong_type_are_named():
    with pytest.raises(SignInRefused) as caught:
        verify_sign_in_token(token(jti=7, exp="soon"), CHANNEL, NOW)
    assert caught.value.code == Code.INVALID_CLAIMS
    assert "jti" in caught.value.message and "exp" in caught.value.message


# --- time: the leeway is 30 s either way, edges included ----------------------


def timed(iat, exp):
    return token(iat=iat, exp=exp)


def test_expiry_edge():
    assert LEEWAY == 30
    expiring = timed(NOW - 100, NOW)
    assert verify_sign_in_token(expiring, CHANNEL, NOW + LEEWAY)  # exactly at the edge
    assert refusal(expiring, now=NOW + LEEWAY + 1) == Code.TOKEN_EXPIRED
    assert refusal(expiring, now=NOW + LEEWAY + 0.001) == Code.TOKEN_EXPIRED


def test_exp_at_most_ten_minutes_ahead():
    at_limit = timed(NOW, NOW + 600)
    assert verify_sign_in_token(at_limit, CHANNEL, NOW)
    # The issuer's clock may run 30 s ahead of ours.
    ahead = timed(NOW + LEEWAY, NOW + LEEWAY + 600)
    assert verify_sign_in_token(ahead, CHANNEL, NOW)
    too_far = timed(NOW + LEEWAY + 1, NOW + LEEWAY + 601)
    assert refusal(too_far) == Code.EXP_TOO_FAR_AHEAD


def test_token_lifetime_over_ten_minutes():
    # exp is near, but the token was minted to live 11 minutes.
    assert refusal(timed(NOW - 360, NOW + 300)) == Code.EXP_TOO_FAR_AHEAD
    assert verify_sign_in_token(timed(NOW - 300, NOW + 300), CHANNEL, NOW)


def test_issued_in_the_future_edge():
    assert verify_sign_in_token(timed(NOW + LEEWAY, NOW + LEEWAY + 60), CHANNEL, NOW)
    refused = timed(NOW + LEEWAY + 1, NOW + LEEWAY + 61)
    assert refusal(refused) == Code.ISSUED_IN_FUTURE


def test_issuer_clock_behind_within_leeway():
    # The partner's clock runs 29 s behind: its token "expired" 29 s ago for us.
    lagging = timed(NOW - 329, NOW - 29)
    assert verify_sign_in_token(lagging, CHANNEL, NOW)

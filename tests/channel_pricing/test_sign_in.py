"""Sign-in against real PostgreSQL: provisioning, refusals that change nothing,
and a reused jti raced from many threads."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from saleor.account.models import User

from plugins.channel_pricing.domain import ChannelStatus
from plugins.channel_pricing.error_codes import ChannelErrorCode as Code
from plugins.channel_pricing.models import ChannelMember, UsedSignInToken
from plugins.channel_pricing.sign_in import purge_used_token_ids, sign_in
from plugins.channel_pricing.sso import SignInRefused

from .tokens import channel_token

pytestmark = pytest.mark.django_db


def token_for(channel, sub="member-1", **kwargs):
    return channel_token(channel.sso_secret, channel.slug, sub, **kwargs)


def test_first_sign_in_creates_the_member_and_a_saleor_user(make_channel):
    channel = make_channel()
    result = sign_in(
        channel.slug, token_for(channel, name="Ann Lee", email="ann@x.io", phone="1")
    )
    member = result.member
    assert result.created and result.saleor_token
    assert (member.external_id, member.name, member.email, member.phone) == (
        "member-1",
        "Ann Lee",
        "ann@x.io",
        "1",
    )
    user = member.user
    assert (user.first_name, user.last_name) == ("Ann", "Lee")
    assert user.email == f"member-1@{channel.slug}.members.local"
    assert not user.has_usable_password() and not user.is_staff


def test_next_sign_in_finds_the_same_member_and_updates_claims(make_channel):
    channel = make_channel()
    first = sign_in(channel.slug, token_for(channel, phone="111"))
    again = sign_in(channel.slug, token_for(channel, phone="222"))
    assert not again.created
    assert again.member.pk == first.member.pk
    assert ChannelMember.objects.get(pk=first.member.pk).phone == "222"
    assert User.objects.filter(channel_memberships__channel=channel).count() == 1


def test_one_person_in_two_channels_is_two_members(make_channel):
    wellness, travel = make_channel(), make_channel()
    a = sign_in(wellness.slug, token_for(wellness, sub="ann", email="ann@x.io"))
    b = sign_in(travel.slug, token_for(travel, sub="ann", email="ann@x.io"))
    assert a.member.pk != b.member.pk
    assert a.member.user_id != b.member.user_id


def test_odd_external_ids_get_a_safe_login(make_channel):
    channel = make_channel()
    result = sign_in(channel.slug, token_for(channel, sub="Ann Lee <ann@x>"))
    assert result.member.external_id == "Ann Lee <ann@x>"
    assert result.member.user.email.startswith("m-")


def test_both_secrets_sign_in_while_rotating(make_channel):
    channel = make_channel(sso_secret="new", sso_secret_previous="old")
    assert sign_in(channel.slug, channel_token("old", channel.slug))
    assert sign_in(channel.slug, channel_token("new", channel.slug))


def refused_cases(wellness, travel, existing_token):
    now = time.time()
    return {
        Code.BAD_SIGNATURE: (wellness.slug, channel_token("nope", wellness.slug)),
        Code.TOKEN_EXPIRED: (
            wellness.slug,
            token_for(wellness, iat=int(now) - 400, exp=int(now) - 31),
        ),
        Code.TOKEN_REUSED: (wellness.slug, existing_token),
        Code.UNKNOWN_CHANNEL: ("no-such-channel", token_for(wellness)),
        Code.CHANNEL_SUSPENDED: ("suspended", token_for(wellness)),
        Code.WRONG_CHANNEL: (travel.slug, token_for(wellness)),
        Code.MISSING_CLAIMS: (wellness.slug, token_for(wellness, drop=["jti"])),
        Code.EXP_TOO_FAR_AHEAD: (wellness.slug, token_for(wellness, lifetime=3600)),
        Code.ISSUED_IN_FUTURE: (
            wellness.slug,
            token_for(wellness, iat=int(now) + 120, exp=int(now) + 180),
        ),
        Code.MALFORMED_TOKEN: (wellness.slug, "not-a-jwt"),
    }


def test_every_refusal_has_its_code_and_changes_no_user(make_channel):
    wellness, travel = make_channel(), make_channel()
    make_channel("suspended", status=ChannelStatus.SUSPENDED.value)
    existing = token_for(wellness, phone="111")
    member = sign_in(wellness.slug, existing).member
    users_before = list(User.objects.order_by("pk").values())
    members_before = list(ChannelMember.objects.order_by("pk").values())
    used_before = UsedSignInToken.objects.count()

    cases = refused_cases(wellness, travel, existing)
    assert set(cases) >= {
        Code.BAD_SIGNATURE,
        Code.TOKEN_EXPIRED,
        Code.TOKEN_REUSED,
        Code.UNKNOWN_CHANNEL,
        Code.CHANNEL_SUSPENDED,
        Code.WRONG_CHANNEL,
        Code.MISSING_CLAIMS,
        Code.EXP_TOO_FAR_AHEAD,
    }
    for expected, (slug, token) in cases.items():
        with pytest.raises(SignInRefused) as caught:
            sign_in(slug, token)
        assert caught.value.code == expected, (expected, caught.value.message)

    assert list(User.objects.order_by("pk").values()) == users_before
    assert list(ChannelMember.objects.order_by("pk").values()) == members_before
    assert UsedSignInToken.objects.count() == used_before
    assert ChannelMember.objects.get(pk=member.pk).phone == "111"


def test_disabled_member_is_refused_and_the_token_stays_unused(make_channel):
    channel = make_channel()
    member = sign_in(channel.slug, token_for(channel)).member
    User.objects.filter(pk=member.user_id).update(is_active=False)
    token = token_for(channel)
    with pytest.raises(SignInRefused) as caught:
        sign_in(channel.slug, token)
    assert caught.value.code == Code.MEMBER_DISABLED
    assert UsedSignInToken.objects.count() == 1  # only the first sign-in's


def test_a_staff_account_is_never_handed_to_a_channel(make_channel):
    channel = make_channel()
    # Written past the model guard, as an account made before the domain was
    # reserved.
    User.objects.bulk_create(
        [User(email=f"boss@{channel.slug}.members.local", is_staff=True)]
    )
    member = sign_in(channel.slug, token_for(channel, sub="boss")).member
    assert not member.user.is_staff
    assert member.user.email != f"boss@{channel.slug}.members.local"


def test_used_token_ids_are_kept_an_hour_past_expiry(make_channel):
    channel = make_channel()
    sign_in(channel.slug, token_for(channel, lifetime=60))
    # Expired (60 s + 30 s leeway) but within the hour: a process whose clock
    # is behind must still see the jti.
    assert purge_used_token_ids(timezone.now() + timedelta(seconds=200)) == 0
    assert purge_used_token_ids(timezone.now() + timedelta(minutes=59)) == 0
    assert purge_used_token_ids(timezone.now() + timedelta(minutes=62)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_reused_jti_raced_from_many_threads_signs_in_once(make_channel):
    channel = make_channel()
    token = token_for(channel, sub="racer")
    threads_count = 16
    barrier = threading.Barrier(threads_count)
    outcomes = []

    def attempt():
        try:
            barrier.wait()
            sign_in(channel.slug, token)
            outcomes.append("ok")
        except SignInRefused as refusal:
            outcomes.append(refusal.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count(Code.TOKEN_REUSED) == threads_count - 1
    assert ChannelMember.objects.filter(channel=channel).count() == 1


@pytest.mark.django_db(transaction=True)
def test_first_sign_ins_of_one_member_raced_make_one_member(make_channel):
    channel = make_channel()
    tokens = [token_for(channel, sub="newcomer") for _ in range(8)]
    barrier = threading.Barrier(len(tokens))
    members, errors = [], []

    def attempt(token):
        try:
            barrier.wait()
            members.append(sign_in(channel.slug, token).member.pk)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(set(members)) == 1 and len(members) == len(tokens)


def test_entry_link_command_prints_a_working_single_use_link(make_channel):
    import io
    from urllib.parse import parse_qs, urlsplit

    from django.core.management import call_command

    channel = make_channel()
    out = io.StringIO()
    call_command("channel_entry_link", channel.slug, "demo-1", stdout=out)
    link = urlsplit(out.getvalue().strip())
    assert link.path == f"/c/{channel.slug}/"
    token = parse_qs(link.query)["token"][0]
    assert sign_in(channel.slug, token).member.external_id == "demo-1"
    with pytest.raises(SignInRefused):
        sign_in(channel.slug, token)

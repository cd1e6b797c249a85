"""Member accounts cannot be pre-hijacked (issue #10 item 3).

A member's Saleor login lives in the reserved ``members.local`` domain. Nobody
may register or change an e-mail into it, and a first sign-in never adopts an
account that already holds the member's address: the member gets an account
of its own, linked by our member row.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from graphene import Node
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User

from plugins.channel_pricing.error_codes import ChannelErrorCode as Code
from plugins.channel_pricing.member_checkout import member_for_user_id
from plugins.channel_pricing.models import ChannelMember
from plugins.channel_pricing.sign_in import member_email, sign_in
from plugins.channel_pricing.sso import SignInRefused

from .tokens import channel_token

pytestmark = pytest.mark.django_db

REGISTER = """
mutation($email: String!, $password: String!, $url: String) {
  accountRegister(input: {email: $email, password: $password, redirectUrl: $url}) {
    requiresConfirmation
    user { email }
    accountErrors { field code message }
  }
}"""

TOKEN_CREATE = """
mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) {
    token user { email }
    accountErrors { field code }
  }
}"""

PASSWORD = "attacker-pass-123!"


def gql(query, variables=None, token=None):
    headers = {"HTTP_AUTHORIZATION": f"JWT {token}"} if token else {}
    response = Client().post(
        "/graphql/",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **headers,
    )
    return response.json()


def token_for(channel, sub="member-1", **kwargs):
    return channel_token(channel.sso_secret, channel.slug, sub, **kwargs)


@pytest.fixture
def confirmation(request, settings):
    settings.ENABLE_ACCOUNT_CONFIRMATION_BY_EMAIL = request.param
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return request.param


def legacy_account(email: str, *, active: bool) -> User:
    """An account holding a member's address, as registered before the fix.

    Written with bulk_create: the model guard (rightly) refuses such a save now.
    """
    user = User(email=email, is_active=active)
    user.set_password(PASSWORD)
    User.objects.bulk_create([user])
    return User.objects.get(email=email)


@pytest.mark.parametrize("confirmation", [False, True], indirect=True)
def test_registering_a_member_address_is_refused(make_channel, confirmation):
    channel = make_channel()
    for email in (
        member_email(channel.slug, "member-1"),
        f"Member-1@{channel.slug.upper()}.MEMBERS.LOCAL",
        "anyone@some-future-channel.members.local",
    ):
        data = gql(
            REGISTER,
            {"email": email, "password": PASSWORD, "url": "http://localhost:3000/"},
        )["data"]["accountRegister"]
        assert data["user"] is None, (email, data)
        assert [(e["field"], e["code"]) for e in data["accountErrors"]] == [
            ("email", "INVALID")
        ]
    assert not User.objects.filter(email__iendswith=".members.local").exists()


@pytest.mark.parametrize("confirmation", [False, True], indirect=True)
def test_a_pre_registered_member_address_is_never_adopted(make_channel, confirmation):
    """Registered first (before the fix): active with a known password when
    confirmation is off, inactive when it is on. The member still gets in,
    with an account of its own, and the squatter gains nothing."""
    channel = make_channel()
    address = member_email(channel.slug, "member-1")
    squatter = legacy_account(address, active=not confirmation)

    result = sign_in(channel.slug, token_for(channel))

    member = result.member
    assert result.created
    assert member.user_id != squatter.pk
    assert member.user.is_active and not member.user.has_usable_password()
    assert member.user.email.endswith(f"@{channel.slug}.members.local")
    assert member_for_user_id(squatter.pk) is None
    # The member's own JWT names the member's account...
    me = gql("{ me { email } }", token=result.saleor_token)["data"]["me"]
    assert me == {"email": member.user.email}
    # ...and the squatter's password opens only the squatter's empty account.
    if not confirmation:
        logged = gql(TOKEN_CREATE, {"email": address, "password": PASSWORD})
        assert logged["data"]["tokenCreate"]["user"]["email"] == address
        assert member_for_user_id(User.objects.get(email=address).pk) is None
    # The next sign-in finds the same member and account.
    again = sign_in(channel.slug, token_for(channel))
    assert (again.member.pk, again.member.user_id) == (member.pk, member.user_id)


def test_first_sign_in_keeps_the_predictable_login_when_it_is_free(make_channel):
    channel = make_channel()
    member = sign_in(channel.slug, token_for(channel)).member
    assert member.user.email == member_email(channel.slug, "member-1")


def customer(email=None) -> User:
    return User.objects.create_user(
        email or f"c-{uuid.uuid4().hex[:8]}@example.com", PASSWORD
    )


def test_an_email_change_into_the_member_domain_is_refused(make_channel, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from saleor.account.utils import create_jwt_token

    channel = make_channel()
    target = member_email(channel.slug, "member-1")
    user = customer()
    token = get_token(user)
    requested = gql(
        """mutation($email: String!, $password: String!) {
          requestEmailChange(newEmail: $email, password: $password,
                             redirectUrl: "http://localhost:3000/") {
            user { email } accountErrors { field code }
          }
        }""",
        {"email": target, "password": PASSWORD},
        token,
    )["data"]["requestEmailChange"]
    assert requested["accountErrors"] == [{"field": "newEmail", "code": "INVALID"}]
    # A confirmation token minted before the fix (or forged by a bug) too.
    change = create_jwt_token(
        {"old_email": user.email, "new_email": target, "user_pk": user.pk}
    )
    confirmed = gql(
        """mutation($token: String!) {
          confirmEmailChange(token: $token) {
            user { email } accountErrors { field code }
          }
        }""",
        {"token": change},
        token,
    )["data"]["confirmEmailChange"]
    assert confirmed["accountErrors"] == [{"field": "newEmail", "code": "INVALID"}]
    user.refresh_from_db()
    assert not user.email.endswith(".members.local")


def test_staff_cannot_put_an_account_into_the_member_domain(make_channel):
    channel = make_channel()
    boss = User.objects.create_superuser(f"boss-{uuid.uuid4().hex[:6]}@example.com")
    token = get_token(boss)
    target = member_email(channel.slug, "member-1")
    victim = customer()
    victim_id = Node.to_global_id("User", victim.pk)
    cases = {
        "customerCreate": (
            "mutation($e: String!) { customerCreate(input: {email: $e}) "
            "{ accountErrors { field code } } }",
            {"e": target},
        ),
        "customerUpdate": (
            "mutation($id: ID!, $e: String!) { customerUpdate(id: $id, "
            "input: {email: $e}) { accountErrors { field code } } }",
            {"id": victim_id, "e": target},
        ),
        "staffCreate": (
            "mutation($e: String!) { staffCreate(input: {email: $e}) "
            "{ staffErrors { field code } } }",
            {"e": target},
        ),
        "staffUpdate": (
            "mutation($id: ID!, $e: String!) { staffUpdate(id: $id, "
            "input: {email: $e}) { staffErrors { field code } } }",
            {"id": victim_id, "e": target},
        ),
    }
    for name, (query, variables) in cases.items():
        body = gql(query, variables, token)
        payload = body["data"][name]
        errors = payload.get("accountErrors") or payload.get("staffErrors")
        assert errors == [{"field": "email", "code": "INVALID"}], (name, body)
    assert not User.objects.filter(email__iendswith=".members.local").exists()

    # Staff may still edit a member's account, which keeps its address.
    member = sign_in(channel.slug, token_for(channel, sub="edited")).member
    kept = gql(
        "mutation($id: ID!, $e: String!) { customerUpdate(id: $id, "
        'input: {email: $e, note: "vip"}) { accountErrors { field code } } }',
        {"id": Node.to_global_id("User", member.user_id), "e": member.user.email},
        token,
    )["data"]["customerUpdate"]
    assert kept["accountErrors"] == []
    assert User.objects.get(pk=member.user_id).note == "vip"


def test_the_model_refuses_any_other_path_into_the_member_domain(make_channel):
    from django.core.exceptions import ValidationError

    channel = make_channel()
    with pytest.raises(ValidationError):
        User.objects.create_user(member_email(channel.slug, "x"), "pw")
    user = customer()
    user.email = member_email(channel.slug, "y")
    with pytest.raises(ValidationError):
        user.save()
    assert not User.objects.filter(email__iendswith=".members.local").exists()


def test_a_member_who_became_staff_is_refused(make_channel):
    channel = make_channel()
    member = sign_in(channel.slug, token_for(channel)).member
    User.objects.filter(pk=member.user_id).update(is_staff=True)
    with pytest.raises(SignInRefused) as caught:
        sign_in(channel.slug, token_for(channel))
    assert caught.value.code == Code.MEMBER_IS_STAFF
    assert ChannelMember.objects.filter(channel=channel).count() == 1

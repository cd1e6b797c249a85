"""Platform-created providers: the invitation link sets a password once and
expires."""

from datetime import timedelta

import pytest
from django.utils import timezone
from saleor.account.models import User

from plugins.core.models import OutboxMessage
from plugins.provider_dropship import invitations
from plugins.provider_dropship.models import Provider, ProviderInvitation

from .factories import staff_user, token
from .graphql_client import codes, gql, payload

pytestmark = pytest.mark.django_db

INVITE = """
mutation ($input: ProviderInviteInput!) {
  providerInvite(input: $input) {
    provider { slug status onboarding contactPhone }
    providerErrors { field code }
  }
}"""
ACCEPT = """
mutation ($token: String!, $password: String!) {
  providerInvitationAccept(token: $token, password: $password) {
    email providerErrors { field code }
  }
}"""
SIGN_IN = """
mutation ($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token errors { message } }
}"""


def invite(email="owner@supplier.example.com"):
    staff = token(staff_user("manage_providers"))
    answer = gql(
        INVITE,
        {
            "input": {
                "name": "Supplier",
                "email": email,
                "contactPhone": "+1 415 555 2671",
            }
        },
        staff,
    )
    return payload(answer, "providerInvite")


def owned_provider(email="owner@supplier.example.com"):
    return Provider.objects.get(memberships__user__email=email)


def mailed_token(email):
    mail = OutboxMessage.objects.filter(recipients=[email]).latest("pk")
    assert mail.event_type == "provider.invitation"
    return mail.body.split("/provider/set-password/")[1].split("/")[0]


def test_the_link_sets_a_password_once():
    invited = invite()
    assert invited["providerErrors"] == []
    assert invited["provider"]["status"] == "INVITED"
    assert invited["provider"]["onboarding"] == "INVITATION"
    assert invited["provider"]["contactPhone"] == "+14155552671"
    link_token = mailed_token("owner@supplier.example.com")
    # Only the hash is stored.
    assert not ProviderInvitation.objects.filter(token_hash=link_token).exists()

    answer = gql(ACCEPT, {"token": link_token, "password": "short"})
    assert codes(answer, "providerInvitationAccept") == ["invalid_password"]
    answer = gql(ACCEPT, {"token": link_token, "password": "a-good-passphrase"})
    assert payload(answer, "providerInvitationAccept")["providerErrors"] == []
    assert owned_provider().status == "approved"
    signed_in = gql(
        SIGN_IN,
        {"email": "owner@supplier.example.com", "password": "a-good-passphrase"},
    )
    assert signed_in["data"]["tokenCreate"]["token"]

    answer = gql(ACCEPT, {"token": link_token, "password": "another-passphrase"})
    assert codes(answer, "providerInvitationAccept") == ["token_used"]
    user = User.objects.get(email="owner@supplier.example.com")
    assert user.check_password("a-good-passphrase")


def test_an_expired_link_is_refused():
    invite()
    link_token = mailed_token("owner@supplier.example.com")
    ProviderInvitation.objects.filter(user__email="owner@supplier.example.com").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    answer = gql(ACCEPT, {"token": link_token, "password": "a-good-passphrase"})
    assert codes(answer, "providerInvitationAccept") == ["token_expired"]
    assert not User.objects.get(
        email="owner@supplier.example.com"
    ).has_usable_password()
    assert owned_provider().status == "invited"


def test_unknown_tokens_and_taken_e_mails():
    answer = gql(ACCEPT, {"token": "nope", "password": "a-good-passphrase"})
    assert codes(answer, "providerInvitationAccept") == ["invalid_token"]
    User.objects.create_user("taken@example.com", "pw-taken-123")
    answer = gql(
        INVITE,
        {"input": {"name": "Supplier", "email": "taken@example.com"}},
        token(staff_user("manage_providers")),
    )
    assert codes(answer, "providerInvite") == ["email_taken"]
    assert not Provider.objects.filter(contact_email="taken@example.com").exists()


def test_a_spent_link_is_spent_for_a_concurrent_click_too():
    """The second accept waits for the first one's row lock and then sees
    ``used_at``: accept twice in a row through the service."""
    invite()
    link_token = mailed_token("owner@supplier.example.com")
    invitations.accept_invitation(link_token, "first-passphrase")
    with pytest.raises(invitations.InvitationError) as refused:
        invitations.accept_invitation(link_token, "second-passphrase")
    assert refused.value.code == "token_used"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_clicks_set_one_password():
    import threading

    from django.db import connection

    from plugins.provider_dropship.invitations import ProviderDetails, invite_provider

    issued = invite_provider(
        ProviderDetails(name="Racer", email="race@example.com"), None
    )
    barrier = threading.Barrier(6)
    results = []

    def accept(password):
        barrier.wait()
        try:
            invitations.accept_invitation(issued.token, password)
            results.append(password)
        except invitations.InvitationError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=accept, args=(f"passphrase-{n}",)) for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [r for r in results if r.startswith("passphrase-")]
    assert len(winners) == 1, results
    assert sorted(r for r in results if r not in winners) == ["token_used"] * 5
    user = User.objects.get(email="race@example.com")
    assert user.check_password(winners[0])

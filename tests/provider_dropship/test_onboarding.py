"""Self sign-up over GraphQL: draft, documents, submission, staff decisions
with notes e-mailed through the outbox, approval creating provider, owner
and first warehouse."""

import pytest
from saleor.account.models import User

from plugins.core.models import OutboxMessage
from plugins.provider_dropship import onboarding
from plugins.provider_dropship.models import (
    ProviderApplication,
    ProviderInvitation,
    ProviderUser,
)

from .factories import gid, staff_user, token
from .graphql_client import PDF, PNG, codes, gql, gql_upload, payload

pytestmark = pytest.mark.django_db

CREATE = """
mutation ($input: ProviderApplicationInput!) {
  providerApplicationCreate(input: $input) {
    token application { id status contactPhone }
    providerErrors { field code message }
  }
}"""
UPDATE = """
mutation ($token: String!, $input: ProviderApplicationInput!) {
  providerApplicationUpdate(token: $token, input: $input) {
    application { status contactPhone }
    providerErrors { field code }
  }
}"""
UPLOAD = """
mutation ($token: String!, $kind: ProviderDocumentKind!, $file: Upload!) {
  providerApplicationUpload(token: $token, kind: $kind, file: $file) {
    application { businessLicenceUrl }
    providerErrors { field code }
  }
}"""
SUBMIT = """
mutation ($token: String!) {
  providerApplicationSubmit(token: $token) {
    application { status }
    providerErrors { field code }
  }
}"""
DECIDE = """
mutation ($id: ID!, $decision: ProviderApplicationStatus!, $note: String) {
  providerApplicationDecide(id: $id, decision: $decision, note: $note) {
    application { status reviewNote provider { slug status } reviews { note } }
    providerErrors { field code }
  }
}"""

COMPLETE = {
    "legalName": "Shanghai Tea Trading Co., Ltd.",
    "taxId": "91310000MA1K000000",
    "contactName": "Li Wei",
    "contactPhone": "+86 138 0013 8000",
    "streetAddress": "88 Century Avenue",
    "city": "Shanghai",
    "postalCode": "200120",
    "country": "CN",
    "suretyBond": True,
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def emails_to(address):
    return list(
        OutboxMessage.objects.filter(
            kind=OutboxMessage.EMAIL, recipients=[address]
        ).order_by("pk")
    )


def start(email="apply@tea.example.com"):
    answer = gql(CREATE, {"input": {"companyName": "Tea House", "email": email}})
    return payload(answer, "providerApplicationCreate")


def complete(draft_token):
    answer = gql(UPDATE, {"token": draft_token, "input": COMPLETE})
    assert payload(answer, "providerApplicationUpdate")["providerErrors"] == []
    for kind, content in (
        ("BUSINESS_LICENCE", PDF),
        ("CONTRACT", PDF),
        ("INVENTORY_PROOF", PNG),
    ):
        answer = gql_upload(
            UPLOAD, {"token": draft_token, "kind": kind}, "file", content
        )
        assert payload(answer, "providerApplicationUpload")["providerErrors"] == []


def test_the_whole_lifecycle_with_e_mails():
    created = start()
    draft_token = created["token"]
    assert created["application"]["status"] == "DRAFT"
    [draft_mail] = emails_to("apply@tea.example.com")
    assert f"/provider/apply/{draft_token}/" in draft_mail.body

    # Incomplete: refused, still a draft.
    answer = gql(SUBMIT, {"token": draft_token})
    assert codes(answer, "providerApplicationSubmit") == ["required"]

    complete(draft_token)
    application = ProviderApplication.objects.get(email="apply@tea.example.com")
    assert application.contact_phone == "+8613800138000"
    assert application.business_licence.name.endswith(".pdf")
    assert application.inventory_proof.name.endswith(".png")
    answer = gql(SUBMIT, {"token": draft_token})
    assert payload(answer, "providerApplicationSubmit")["application"]["status"] == (
        "SUBMITTED"
    )
    # Submitted: the applicant can no longer change it.
    answer = gql(UPDATE, {"token": draft_token, "input": {"city": "Beijing"}})
    assert codes(answer, "providerApplicationUpdate") == ["not_editable"]

    staff = token(staff_user("manage_providers"))
    app_id = gid("ProviderApplication", application.pk)
    # Changes without a note: refused.
    answer = gql(DECIDE, {"id": app_id, "decision": "CHANGES_REQUESTED"}, staff)
    assert codes(answer, "providerApplicationDecide") == ["note_required"]
    answer = gql(
        DECIDE,
        {"id": app_id, "decision": "CHANGES_REQUESTED", "note": "Licence is blurry."},
        staff,
    )
    decided = payload(answer, "providerApplicationDecide")["application"]
    assert decided["status"] == "CHANGES_REQUESTED"
    changes_mail = emails_to("apply@tea.example.com")[-1]
    assert "Licence is blurry." in changes_mail.body
    assert "/provider/apply/" in changes_mail.body

    answer = gql_upload(
        UPLOAD, {"token": draft_token, "kind": "BUSINESS_LICENCE"}, "file", PDF
    )
    assert payload(answer, "providerApplicationUpload")["providerErrors"] == []
    gql(SUBMIT, {"token": draft_token})
    answer = gql(
        DECIDE, {"id": app_id, "decision": "APPROVED", "note": "Welcome!"}, staff
    )
    decided = payload(answer, "providerApplicationDecide")["application"]
    assert decided["status"] == "APPROVED"
    assert decided["provider"]["status"] == "APPROVED"
    assert [r["note"] for r in decided["reviews"]] == ["Licence is blurry.", "Welcome!"]

    owner = User.objects.get(email="apply@tea.example.com")
    membership = ProviderUser.objects.get(user=owner)
    assert membership.role == "owner"
    assert not owner.has_usable_password()
    provider = membership.provider
    assert provider.contact_phone == "+8613800138000" and provider.surety_bond
    [link] = provider.warehouses.select_related("warehouse__address")
    assert link.warehouse.address.city == "Shanghai"
    assert ProviderInvitation.objects.filter(user=owner, used_at=None).count() == 1
    approval_mail = emails_to("apply@tea.example.com")[-1]
    assert "Welcome!" in approval_mail.body and "/provider/set-password/" in (
        approval_mail.body
    )
    assert approval_mail.event_type == "provider.application.approved"

    # Decided once: a second decision is refused.
    answer = gql(DECIDE, {"id": app_id, "decision": "REJECTED", "note": "no"}, staff)
    assert codes(answer, "providerApplicationDecide") == ["invalid_decision"]


def test_rejection_needs_a_note_and_is_e_mailed():
    draft_token = start("reject@example.com")["token"]
    complete(draft_token)
    gql(SUBMIT, {"token": draft_token})
    staff = token(staff_user("manage_providers"))
    app_id = gid(
        "ProviderApplication",
        ProviderApplication.objects.get(email="reject@example.com").pk,
    )
    answer = gql(
        DECIDE, {"id": app_id, "decision": "REJECTED", "note": "No stock."}, staff
    )
    assert payload(answer, "providerApplicationDecide")["application"]["status"] == (
        "REJECTED"
    )
    assert "No stock." in emails_to("reject@example.com")[-1].body
    assert not User.objects.filter(email="reject@example.com").exists()


def test_bad_input_is_a_typed_error_and_changes_nothing():
    answer = gql(
        CREATE,
        {"input": {"companyName": "X", "email": "x@example.com", "contactPhone": "12"}},
    )
    assert codes(answer, "providerApplicationCreate") == ["invalid_phone"]
    answer = gql(CREATE, {"input": {"companyName": "X", "email": "not-an-email"}})
    assert codes(answer, "providerApplicationCreate") == ["invalid"]
    assert not ProviderApplication.objects.filter(email="x@example.com").exists()
    assert not OutboxMessage.objects.filter(recipients=["x@example.com"]).exists()

    draft_token = start()["token"]
    answer = gql_upload(
        UPLOAD,
        {"token": draft_token, "kind": "CONTRACT"},
        "file",
        b"<html>not a pdf</html>",
        name="contract.pdf",
    )
    assert codes(answer, "providerApplicationUpload") == ["invalid_file_type"]
    assert not ProviderApplication.objects.get(email="apply@tea.example.com").contract

    answer = gql(UPDATE, {"token": draft_token + "x", "input": {"city": "X"}})
    assert codes(answer, "providerApplicationUpdate") == ["invalid_token"]


def test_the_draft_link_expires(settings):
    draft_token = start()["token"]
    settings.FLASH_PROVIDER_APPLICATION_LINK_DAYS = -1
    with pytest.raises(onboarding.ApplicationError) as refused:
        onboarding.application_for_token(draft_token)
    assert refused.value.code == "token_expired"


def test_only_staff_with_the_permission_decide():
    draft_token = start()["token"]
    complete(draft_token)
    gql(SUBMIT, {"token": draft_token})
    app_id = gid(
        "ProviderApplication",
        ProviderApplication.objects.get(email="apply@tea.example.com").pk,
    )
    variables = {"id": app_id, "decision": "APPROVED"}
    for who in (None, token(staff_user("manage_products"))):
        answer = gql(DECIDE, variables, who)
        assert answer["data"]["providerApplicationDecide"] is None
        assert "permission" in answer["errors"][0]["message"]
    assert (
        ProviderApplication.objects.get(email="apply@tea.example.com").status
        == "submitted"
    )


def test_sign_ups_per_address_are_braked(settings, redis_client):
    settings.FLASH_PROVIDER_APPLICATIONS_PER_HOUR = 2
    for key in redis_client.scan_iter("*provider-application*"):
        redis_client.delete(key)
    for n in range(2):
        assert start(f"brake-{n}@example.com")["providerErrors"] == []
    refused = start("brake-3@example.com")
    assert [e["code"] for e in refused["providerErrors"]] == ["RATE_LIMITED"]
    assert ProviderApplication.objects.filter(email__startswith="brake-").count() == 2

"""The portal's pages behind e-mailed links (in-process): an invited owner
sets a password once (used or expired links refused) and signs in; an
applicant starts a draft, uploads the documents and submits it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from plugins.provider_dropship import invitations
from plugins.provider_dropship.models import ProviderApplication, ProviderInvitation

from .provider_world import PDF

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-passphrase-9"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.FLASH_PROVIDER_APPLICATIONS_PER_HOUR = 0


def invite(email="owner@dragon-tea.example.com"):
    return invitations.invite_provider(
        invitations.ProviderDetails(name="Dragon Tea House", email=email), None
    )


def test_invited_owner_sets_a_password_once_and_signs_in():
    issued = invite()
    path = f"/provider/set-password/{issued.token}/"
    client = Client()

    page = client.get(path)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"
    mismatch = client.post(path, {"password": PASSWORD, "confirm": "other"})
    assert mismatch.status_code == 400

    response = client.post(path, {"password": PASSWORD, "confirm": PASSWORD})
    assert response.url == "/provider/login/?welcome=1"
    again = client.post(
        path, {"password": "another-pass-77", "confirm": "another-pass-77"}
    )
    assert again.status_code == 400
    assert "already used" in again.content.decode()

    signed_in = client.post(
        "/provider/login/",
        {"email": "owner@dragon-tea.example.com", "password": PASSWORD},
    )
    assert signed_in.url == "/provider/"
    assert "Dragon Tea House" in client.get("/provider/").content.decode()


def test_expired_link_is_refused():
    issued = invite("late@dragon-tea.example.com")
    ProviderInvitation.objects.filter(pk=issued.invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = Client().post(
        f"/provider/set-password/{issued.token}/",
        {"password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert ProviderInvitation.objects.get(pk=issued.invitation.pk).used_at is None


def test_applicant_starts_uploads_and_submits():
    client = Client()
    fields = {
        "company_name": "Jade River Ceramics",
        "legal_name": "Jade River Ceramics Co., Ltd.",
        "tax_id": "91330100MA2J8R8X7Q",
        "contact_name": "Chen Jing",
        "contact_phone": "+86 571 8888 6666",
        "email": "apply@jade-river.example.com",
        "street_address": "18 Longjing Road",
        "city": "Hangzhou",
        "postal_code": "310000",
        "country": "CN",
    }
    started = client.post("/provider/apply/", fields)
    assert started.status_code == 302
    draft_path = started.url.split("?")[0]
    assert draft_path.startswith("/provider/apply/")

    bad_phone = client.post(draft_path, dict(fields, contact_phone="12"))
    assert bad_phone.status_code == 400

    not_a_pdf = client.post(
        draft_path,
        dict(fields, contract=SimpleUploadedFile("c.pdf", b"MZ not a pdf")),
    )
    assert not_a_pdf.status_code == 400
    documents = {
        kind: SimpleUploadedFile(f"{kind}.pdf", PDF)
        for kind in ("business_licence", "contract", "inventory_proof")
    }
    submitted = client.post(draft_path, dict(fields, submit="1", **documents))
    assert submitted.status_code == 302, submitted.content.decode()[:3000]
    application = ProviderApplication.objects.get(email=fields["email"])
    assert application.status == "submitted"
    assert application.contact_phone == "+8657188886666"
    page = client.get(draft_path).content.decode()
    assert "can no longer be changed" in page

    assert Client().get("/provider/apply/not-a-token/").status_code == 404

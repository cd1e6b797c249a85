"""Builders for the provider screens' tests, all through provider_dropship's
services: a submitted application with its documents, a provider's image
asset and a listing waiting for review. Providers with warehouses, stock and
orders come from tests/provider_dropship/world.py."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from plugins.provider_dropship import assets, listings, onboarding

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_upload(colour=(30, 120, 200), name="ad.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (160, 120), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def submitted_application(company: str = ""):
    tag = uuid.uuid4().hex[:8]
    draft = onboarding.create_application(
        onboarding.ApplicationInput(
            company_name=company or f"Applicant {tag}",
            legal_name=f"Applicant {tag} Co., Ltd.",
            tax_id=f"91310000{tag}",
            contact_name="Li Wei",
            contact_phone="+86 138 0013 8000",
            email=f"apply-{tag}@example.com",
            surety_bond=True,
            street_address="88 Century Avenue",
            city="Shanghai",
            postal_code="200120",
            country="CN",
        )
    )
    for kind in onboarding.DOCUMENT_KINDS:
        onboarding.attach_document(
            draft.token, kind, SimpleUploadedFile(f"{kind}.pdf", PDF)
        )
    return onboarding.submit_application(draft.token)


def asset_of(provider_id: int, colour=(30, 120, 200)):
    return assets.upload_asset(provider_id, png_upload(colour), title="Hero shot")


def pending_listing(provider_id: int, settlement: str = "30.00"):
    asset = asset_of(provider_id)
    tag = uuid.uuid4().hex[:8].upper()
    return listings.submit_listing(
        provider_id,
        listings.ListingInput(
            name=f"Silk scarf {tag}",
            sku=f"SCARF-{tag}",
            settlement_price=Decimal(settlement),
            description="Hand-rolled edges.",
            links=["https://example.com/scarf"],
            asset_ids=[asset.pk],
        ),
    )

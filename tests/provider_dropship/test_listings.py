"""Listings: submission with assets, image validation, staff review into the
platform pool, and a settlement-price change that the below-cost guard sees
at once and that goes through review again."""

from decimal import Decimal

import pytest
from saleor.product.models import ProductVariant

from plugins.channel_pricing import pricing
from plugins.channel_pricing.models import Channel, ChannelPoolEntry
from plugins.core.models import OutboxMessage
from plugins.provider_dropship import domain
from plugins.provider_dropship.models import ListingReview, ProviderAsset, SupplyListing

from .factories import make_provider, make_provider_user, staff_user, token
from .graphql_client import PNG, codes, gql, gql_upload, payload

pytestmark = pytest.mark.django_db

UPLOAD = """
mutation ($file: Upload!, $title: String) {
  providerAssetUpload(file: $file, title: $title) {
    asset { id contentType size url } providerErrors { field code }
  }
}"""
SUBMIT = """
mutation ($input: ProviderListingSubmitInput!) {
  providerListingSubmit(input: $input) {
    listing { id status settlementPrice { amount } assets { id } links }
    providerErrors { field code }
  }
}"""
DECIDE = """
mutation ($id: ID!, $decision: ProviderListingStatus!, $note: String,
          $input: ProviderListingReviewInput) {
  providerListingDecide(id: $id, decision: $decision, note: $note, input: $input) {
    listing { status reviewNote salePrice { amount } settlementPrice { amount }
              proposedSettlementPrice { amount } }
    providerErrors { field code }
  }
}"""
CHANGE = """
mutation ($id: ID!, $input: ProviderListingChangeInput!) {
  providerListingChange(id: $id, input: $input) {
    listing { status settlementPrice { amount } proposedSettlementPrice { amount } }
    providerErrors { field code }
  }
}"""


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def provider_token():
    provider = make_provider()
    return provider, token(make_provider_user(provider))


def test_images_are_validated_by_their_bytes_and_size(provider_token, settings):
    provider, user_token = provider_token
    answer = gql_upload(UPLOAD, {}, "file", b"GIF89a....", "cat.png", user_token)
    assert codes(answer, "providerAssetUpload") == ["invalid_file_type"]
    answer = gql_upload(UPLOAD, {}, "file", b"%PDF-1.4 ...", "doc.jpg", user_token)
    assert codes(answer, "providerAssetUpload") == ["invalid_file_type"]
    big = PNG + b"\x00" * domain.MAX_IMAGE_BYTES
    answer = gql_upload(UPLOAD, {}, "file", big, "big.png", user_token)
    assert codes(answer, "providerAssetUpload") == ["file_too_large"]
    assert not ProviderAsset.objects.filter(provider=provider).exists()

    answer = gql_upload(UPLOAD, {"title": "Front"}, "file", PNG, "a.png", user_token)
    asset = payload(answer, "providerAssetUpload")["asset"]
    assert asset["contentType"] == "image/png" and asset["size"] == len(PNG)
    stored = ProviderAsset.objects.get(provider=provider)
    assert stored.file.name.startswith(f"provider-assets/{provider.pk}/")
    stored_name = stored.file.name.rsplit("/", 1)[-1]
    assert stored_name.endswith(".png") and stored_name != "a.png"
    with stored.file.open("rb") as handle:
        assert handle.read() == PNG


def submit(user_token, sku="TEA-1", asset_ids=(), price="10.00"):
    answer = gql(
        SUBMIT,
        {
            "input": {
                "name": "Green tea",
                "sku": sku,
                "settlementPrice": price,
                "description": "Spring harvest.",
                "links": ["https://tea.example.com/green"],
                "assetIds": list(asset_ids),
            }
        },
        user_token,
    )
    return payload(answer, "providerListingSubmit")


def test_review_puts_the_listing_in_the_platform_pool(provider_token):
    provider, user_token = provider_token
    answer = gql_upload(UPLOAD, {}, "file", PNG, "a.png", user_token)
    asset_id = payload(answer, "providerAssetUpload")["asset"]["id"]
    first = submit(user_token, "TEA-1", [asset_id])
    second = submit(user_token, "TEA-2", [asset_id])  # the asset is reused
    assert first["listing"]["status"] == "PENDING"
    assert (
        first["listing"]["assets"] == second["listing"]["assets"] == [{"id": asset_id}]
    )
    assert codes(
        {"data": {"providerListingSubmit": submit(user_token, "TEA-1")}},
        "providerListingSubmit",
    ) == ["sku_taken"]
    variant = ProductVariant.objects.get(sku="TEA-1")
    assert not variant.product.is_published
    assert variant not in pricing.platform_pool_variants()

    staff = token(staff_user("manage_providers"))
    listing_id = first["listing"]["id"]
    answer = gql(DECIDE, {"id": listing_id, "decision": "APPROVED"}, staff)
    assert codes(answer, "providerListingDecide") == ["required"]  # no sale price
    answer = gql(
        DECIDE,
        {
            "id": listing_id,
            "decision": "APPROVED",
            "note": "Nice photos.",
            "input": {"salePrice": "19.90", "name": "Green tea 250 g"},
        },
        staff,
    )
    decided = payload(answer, "providerListingDecide")["listing"]
    assert decided["status"] == "APPROVED"
    assert decided["salePrice"] == {"amount": 19.9}
    variant.refresh_from_db()
    assert variant.product.is_published and variant.product.name == "Green tea 250 g"
    assert variant.price_override_amount == Decimal("19.90")
    assert variant in pricing.platform_pool_variants()
    mail = OutboxMessage.objects.filter(recipients=[provider.contact_email]).latest(
        "pk"
    )
    assert "Nice photos." in mail.body

    answer = gql(DECIDE, {"id": second["listing"]["id"], "decision": "REJECTED"}, staff)
    assert codes(answer, "providerListingDecide") == ["note_required"]
    answer = gql(
        DECIDE,
        {"id": second["listing"]["id"], "decision": "CHANGES_REQUESTED", "note": "Dup"},
        staff,
    )
    assert payload(answer, "providerListingDecide")["listing"]["status"] == (
        "CHANGES_REQUESTED"
    )
    answer = gql(
        CHANGE,
        {"id": second["listing"]["id"], "input": {"name": "Jasmine"}},
        user_token,
    )
    assert payload(answer, "providerListingChange")["listing"]["status"] == "PENDING"


def test_a_new_settlement_price_is_reviewed_and_guarded_at_once(provider_token):
    provider, user_token = provider_token
    staff_member = staff_user("manage_providers")
    staff = token(staff_member)
    listing_id = submit(user_token)["listing"]["id"]
    gql(
        DECIDE,
        {"id": listing_id, "decision": "APPROVED", "input": {"salePrice": "15.00"}},
        staff,
    )
    listing = SupplyListing.objects.get(provider=provider)
    channel = Channel.objects.create(
        name="Club", slug=f"club-{provider.pk}", sso_secret="s" * 32
    )
    ChannelPoolEntry.objects.create(
        channel=channel,
        product=listing.variant.product,
        fixed_price_amount=Decimal("12"),
    )
    quote = pricing.variant_quote(channel, listing.variant)
    assert quote.settlement == Decimal("10.00") and not quote.below_cost

    # The provider raises its price: still the approved 10 paid, but the
    # guard compares with 13 now, so the fixed 12 is below cost at once.
    answer = gql(
        CHANGE, {"id": listing_id, "input": {"settlementPrice": "13"}}, user_token
    )
    changed = payload(answer, "providerListingChange")["listing"]
    assert changed["status"] == "APPROVED"
    assert changed["settlementPrice"] == {"amount": 10.0}
    assert changed["proposedSettlementPrice"] == {"amount": 13.0}
    quote = pricing.variant_quote(channel, listing.variant)
    assert quote.settlement == Decimal("13") and quote.below_cost
    assert listing.variant in pricing.platform_pool_variants()  # still on sale

    # Text changes of an approved listing are the staff's.
    answer = gql(CHANGE, {"id": listing_id, "input": {"name": "x"}}, user_token)
    assert codes(answer, "providerListingChange") == ["not_editable"]

    answer = gql(DECIDE, {"id": listing_id, "decision": "APPROVED"}, staff)
    decided = payload(answer, "providerListingDecide")["listing"]
    assert decided["settlementPrice"] == {"amount": 13.0}
    assert decided["proposedSettlementPrice"] is None
    assert [
        r.settlement_price_amount for r in ListingReview.objects.filter(listing=listing)
    ] == [
        Decimal("10.000"),
        Decimal("13.000"),
    ]

    # A lower price refused by staff: the approved one stays, and the
    # guard never went below it meanwhile.
    gql(CHANGE, {"id": listing_id, "input": {"settlementPrice": "9"}}, user_token)
    assert pricing.variant_quote(channel, listing.variant).settlement == Decimal("13")
    answer = gql(
        DECIDE, {"id": listing_id, "decision": "REJECTED", "note": "No."}, staff
    )
    decided = payload(answer, "providerListingDecide")["listing"]
    assert decided["status"] == "APPROVED"
    assert decided["settlementPrice"] == {"amount": 13.0}
    assert decided["proposedSettlementPrice"] is None


def test_bad_listing_input_is_typed_and_changes_nothing(provider_token):
    provider, user_token = provider_token
    for price, code in (("0", "invalid_price"), ("-1", "invalid_price")):
        result = submit(user_token, price=price)
        assert [e["code"].lower() for e in result["providerErrors"]] == [code]
    answer = gql(
        SUBMIT,
        {
            "input": {
                "name": "Tea",
                "sku": "T-9",
                "settlementPrice": "5",
                "links": ["javascript:alert(1)"],
            }
        },
        user_token,
    )
    assert codes(answer, "providerListingSubmit") == ["invalid"]
    assert not SupplyListing.objects.filter(provider=provider).exists()
    assert not ProductVariant.objects.filter(sku__in=["TEA-1", "T-9"]).exists()

"""Provider isolation: provider A's users cannot read or change B's stock,
listings, assets or applications, whatever ids they send, for every
provider-scoped query and mutation."""

import pytest

from plugins.provider_dropship.models import ProviderAsset, StockAudit, SupplyListing
from plugins.provider_dropship.onboarding import ApplicationInput, create_application

from .factories import (
    gid,
    make_listing,
    make_provider,
    make_provider_user,
    make_warehouse,
    set_stock,
    token,
)
from .graphql_client import PNG, codes, gql, gql_upload, payload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def two_providers():
    world = {}
    for name in ("a", "b"):
        provider = make_provider()
        warehouse = make_warehouse(provider)
        listing = make_listing(provider)
        set_stock(warehouse, listing.variant, 10)
        asset = ProviderAsset.objects.create(
            provider=provider, file="x.png", content_type="image/png", size=1
        )
        world[name] = {
            "provider": provider,
            "warehouse": warehouse,
            "listing": listing,
            "asset": asset,
            "token": token(make_provider_user(provider)),
        }
    return world


MY = """
{ myProvider { provider { slug } warehouses { id } users { email } }
  myProviderListings(first: 50) { edges { node { id } } }
  myProviderAssets(first: 50) { edges { node { id } } }
  myProviderStock { warehouse { id } quantity }
  myProviderStockAudit(first: 50) { edges { node { id } } } }"""


def test_queries_show_only_the_users_own_provider(two_providers):
    a, b = two_providers["a"], two_providers["b"]
    data = gql(MY, token=a["token"])["data"]
    assert data["myProvider"]["provider"]["slug"] == a["provider"].slug
    assert [w["id"] for w in data["myProvider"]["warehouses"]] == [
        gid("Warehouse", a["warehouse"].pk)
    ]
    assert [e["node"]["id"] for e in data["myProviderListings"]["edges"]] == [
        gid("ProviderListing", a["listing"].pk)
    ]
    assert [e["node"]["id"] for e in data["myProviderAssets"]["edges"]] == [
        gid("ProviderAsset", a["asset"].pk)
    ]
    assert {s["warehouse"]["id"] for s in data["myProviderStock"]} == {
        gid("Warehouse", a["warehouse"].pk)
    }
    # B's warehouse as a filter: nothing.
    other = gql(
        "query ($w: ID) { myProviderStock(warehouseId: $w) { quantity }"
        " myProviderStockAudit(first: 5, warehouseId: $w) { edges { node { id } } } }",
        {"w": gid("Warehouse", b["warehouse"].pk)},
        a["token"],
    )["data"]
    assert other == {"myProviderStock": [], "myProviderStockAudit": {"edges": []}}


def test_non_provider_users_and_anonymous_get_nothing(two_providers):
    from saleor.account.models import User

    customer = User.objects.create_user("customer@example.com", "pw-customer-123")
    for who in (None, token(customer)):
        answer = gql(MY, token=who)
        assert answer["data"] is None or answer["data"]["myProvider"] is None
        assert "permission" in answer["errors"][0]["message"].lower() or (
            "provider user" in answer["errors"][0]["message"]
        )


STOCK_SET = """
mutation ($w: ID!, $v: ID!, $q: Int!) {
  providerStockSet(warehouseId: $w, variantId: $v, quantity: $q, reason: "count") {
    change { quantityAfter } providerErrors { field code }
  }
}"""
CHANGE = """
mutation ($id: ID!, $input: ProviderListingChangeInput!) {
  providerListingChange(id: $id, input: $input) { providerErrors { field code } }
}"""
SUBMIT = """
mutation ($input: ProviderListingSubmitInput!) {
  providerListingSubmit(input: $input) { listing { id } providerErrors { field code } }
}"""
UPLOAD = """
mutation ($file: Upload!) {
  providerAssetUpload(file: $file) { asset { id } providerErrors { field code } }
}"""


def test_mutations_refuse_another_providers_rows(two_providers):
    a, b = two_providers["a"], two_providers["b"]
    b_warehouse = gid("Warehouse", b["warehouse"].pk)
    b_variant = gid("ProductVariant", b["listing"].variant_id)
    a_warehouse = gid("Warehouse", a["warehouse"].pk)
    a_variant = gid("ProductVariant", a["listing"].variant_id)
    for warehouse, variant, field in (
        (b_warehouse, b_variant, "warehouse"),  # B's stock
        (b_warehouse, a_variant, "warehouse"),  # A's goods in B's warehouse
        (a_warehouse, b_variant, "variant"),  # B's goods in A's warehouse
    ):
        answer = gql(STOCK_SET, {"w": warehouse, "v": variant, "q": 0}, a["token"])
        assert payload(answer, "providerStockSet")["providerErrors"] == [
            {"field": field, "code": "NOT_FOUND"}
        ]
    assert b["listing"].variant.stocks.get().quantity == 10
    mine = [a["provider"].pk, b["provider"].pk]
    assert not StockAudit.objects.filter(provider_id__in=mine).exists()

    answer = gql(
        CHANGE,
        {
            "id": gid("ProviderListing", b["listing"].pk),
            "input": {"settlementPrice": 1},
        },
        a["token"],
    )
    assert codes(answer, "providerListingChange") == ["not_found"]
    answer = gql(
        CHANGE,
        {
            "id": gid("ProviderListing", a["listing"].pk),
            "input": {"settlementPrice": 12},
        },
        b["token"],
    )
    assert codes(answer, "providerListingChange") == ["not_found"]
    assert (
        SupplyListing.objects.filter(
            provider_id__in=mine, proposed_settlement_price_amount=None
        ).count()
        == 2
    )

    answer = gql(
        SUBMIT,
        {
            "input": {
                "name": "Stolen picture",
                "sku": "STOLEN-1",
                "settlementPrice": "5",
                "assetIds": [gid("ProviderAsset", b["asset"].pk)],
            }
        },
        a["token"],
    )
    assert codes(answer, "providerListingSubmit") == ["not_found"]
    assert SupplyListing.objects.filter(provider_id__in=mine).count() == 2

    # Uploads land in the user's own provider, whatever else is sent.
    answer = gql_upload(UPLOAD, {}, "file", PNG, token=a["token"])
    asset_id = payload(answer, "providerAssetUpload")["asset"]["id"]
    from plugins.core.global_ids import decode_int

    pk = decode_int(asset_id, "ProviderAsset", "id")
    assert ProviderAsset.objects.get(pk=pk).provider_id == a["provider"].pk


def test_provider_users_are_not_staff(two_providers):
    a, b = two_providers["a"], two_providers["b"]
    create_application(ApplicationInput(company_name="Other", email="o@example.com"))
    staff_only = [
        "{ providers(first: 5) { edges { node { slug } } } }",
        "{ providerApplications(first: 5) { edges { node { email } } } }",
        "{ providerListings(first: 5) { edges { node { id } } } }",
    ]
    for query in staff_only:
        answer = gql(query, token=a["token"])
        assert "permission" in answer["errors"][0]["message"]
    answer = gql(
        'mutation ($id: ID!) { providerSuspend(id: $id, reason: "x") '
        "{ providerErrors { code } } }",
        {"id": gid("Provider", b["provider"].pk)},
        a["token"],
    )
    assert "permission" in answer["errors"][0]["message"]
    answer = gql(
        "mutation ($id: ID!) { providerListingDecide(id: $id, decision: APPROVED) "
        "{ providerErrors { code } } }",
        {"id": gid("ProviderListing", a["listing"].pk)},
        a["token"],
    )
    assert "permission" in answer["errors"][0]["message"]
    b["provider"].refresh_from_db()
    assert b["provider"].status == "approved"


def test_only_owners_invite_users(two_providers):
    from plugins.provider_dropship.domain import ProviderRole

    a = two_providers["a"]
    staff_member = token(make_provider_user(a["provider"], ProviderRole.STAFF))
    query = (
        'mutation { providerUserInvite(email: "new@example.com") '
        "{ email providerErrors { code } } }"
    )
    assert codes(gql(query, token=staff_member), "providerUserInvite") == ["owner_only"]
    answer = payload(gql(query, token=a["token"]), "providerUserInvite")
    assert answer == {"email": "new@example.com", "providerErrors": []}
    from saleor.account.models import User

    from plugins.provider_dropship.memberships import provider_for_user

    member = provider_for_user(User.objects.get(email="new@example.com").pk)
    assert member.provider_id == a["provider"].pk and member.role == ProviderRole.STAFF


def test_an_applicant_token_reaches_only_its_own_application():
    mine = create_application(ApplicationInput(company_name="Mine", email="m@x.com"))
    create_application(ApplicationInput(company_name="Theirs", email="t@x.com"))
    answer = gql(
        "query ($t: String!) { providerApplicationDraft(token: $t) { companyName } }",
        {"t": mine.token},
    )
    assert answer["data"]["providerApplicationDraft"] == {"companyName": "Mine"}
    answer = gql(
        "query ($t: String!) { providerApplicationDraft(token: $t) { companyName } }",
        {"t": mine.token[:-2] + "xx"},
    )
    assert answer["data"]["providerApplicationDraft"] is None

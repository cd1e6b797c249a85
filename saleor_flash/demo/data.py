"""The demo world as plain data: who sells what, where, and which sales run.

Every value is deterministic so that two runs of ``seed_demo`` converge on the
same rows. Passwords and SSO secrets here are documented demo values, never to
be used outside a local machine:

* merchandiser (staff console): ``merchandiser@example.com`` / ``flash-demo-123``
* shopper (storefront):        ``shopper@example.com`` / ``flash-demo-123``
* channel SSO secrets:          ``demo-wellness-secret-change-me``,
                                ``demo-travel-secret-change-me``
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Dict, Optional, Tuple

DEMO_PASSWORD = "flash-demo-123"
MERCHANDISER_EMAIL = "merchandiser@example.com"
SHOPPER_EMAIL = "shopper@example.com"
# (app label, codename) of the Saleor permissions a merchandiser needs.
MERCHANDISER_PERMISSIONS = (
    ("product", "manage_products"),
    ("discount", "manage_discounts"),
    ("order", "manage_orders"),
    ("provider_dropship", "manage_providers"),
    ("engagement", "view_statistics"),
    ("engagement", "manage_support"),
    ("engagement", "manage_newsletter"),
)

SITE_DOMAIN = "localhost:8000"
SITE_NAME = "Saleor Flash demo"

SHIPPING_ZONE_NAME = "Demo worldwide"
SHIPPING_COUNTRIES = ("US", "CA", "GB", "DE", "FR", "PL", "NL", "CN", "JP", "AU")
SHIPPING_METHOD_NAME = "Standard"
SHIPPING_PRICE = Decimal("5.00")

PRODUCT_TYPE_SLUG = "flash-goods"
PRODUCT_TYPE_NAME = "Flash goods"
CATEGORY_SLUG = "flash-deals"
CATEGORY_NAME = "Flash deals"

# The provider's settlement price (shipping included) as a share of the sale price.
SETTLEMENT_SHARE = Decimal("0.70")


@dataclass(frozen=True)
class ProviderSpec:
    slug: str
    name: str
    legal_name: str
    tax_id: str
    contact_email: str
    contact_phone: str
    onboarding: str  # an Onboarding value
    street: str
    city: str
    postal_code: str
    country_area: str


PROVIDERS = (
    ProviderSpec(
        slug="acme-supply",
        name="Acme Supply",
        legal_name="Acme Supply Co.",
        tax_id="US-94-1000001",
        contact_email="ops@acme-supply.example.com",
        contact_phone="+1 415 555 0100",
        onboarding="sign_up",
        street="100 Market Street",
        city="San Francisco",
        postal_code="94105",
        country_area="CA",
    ),
    ProviderSpec(
        slug="golden-harvest",
        name="Golden Harvest",
        legal_name="Golden Harvest Foods LLC",
        tax_id="US-93-2000002",
        contact_email="orders@golden-harvest.example.com",
        contact_phone="+1 559 555 0200",
        onboarding="invitation",
        street="200 Orchard Road",
        city="Fresno",
        postal_code="93721",
        country_area="CA",
    ),
)


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    price: Decimal  # the unified sale price
    provider_slug: str

    @property
    def settlement_price(self) -> Decimal:
        return (self.price * SETTLEMENT_SHARE).quantize(Decimal("0.01"))


def _products(provider_slug: str, prefix: str, rows) -> Tuple[ProductSpec, ...]:
    return tuple(
        ProductSpec(f"{prefix}-{number:03d}", name, Decimal(price), provider_slug)
        for number, (name, price) in enumerate(rows, start=1)
    )


# Ordered: the channel pools below are slices of this sequence (products 1-20).
CATALOG = _products(
    "acme-supply",
    "ACME",
    [
        ("Bamboo toothbrush set", "12.90"),
        ("Stainless water bottle", "24.90"),
        ("Cork yoga mat", "39.90"),
        ("Resistance band kit", "19.90"),
        ("Massage foam roller", "29.90"),
        ("Silk sleep mask", "14.90"),
        ("Travel neck pillow", "22.90"),
        ("Merino wool socks", "18.90"),
        ("Insulated winter boots", "89.90"),
        ("Packable rain jacket", "59.90"),
    ],
) + _products(
    "golden-harvest",
    "GH",
    [
        ("Mountain wildflower honey", "16.90"),
        ("Green tea sampler", "21.90"),
        ("Dried mango slices", "11.90"),
        ("Roasted mixed nuts", "15.90"),
        ("Extra virgin olive oil", "26.90"),
        ("Dark chocolate trio", "13.90"),
        ("Maple oat granola", "9.90"),
        ("Organic goji berries", "17.90"),
        ("Single-origin coffee beans", "19.90"),
        ("Sesame rice crackers", "6.90"),
    ],
)


def stock_quantity(position: int) -> int:
    """Units in the provider's warehouse for the product at ``position`` (0-based)."""
    return 100 + 20 * position  # 100 .. 480


@dataclass(frozen=True)
class ChannelSpec:
    slug: str
    name: str
    contact_name: str
    contact_phone: str
    storefront_url: str
    payment_pct: Decimal
    platform_pct: Decimal
    channel_pct: Decimal
    rounding: str  # a Rounding value
    points_quota: int
    points_mode: str  # "allowance" | "pass_through"
    sso_secret: str
    pool: Tuple[ProductSpec, ...]
    fixed_price_sku: str
    fixed_price: Decimal


CHANNELS = (
    ChannelSpec(
        slug="wellness-app",
        name="Wellness App",
        contact_name="Wendy Lin",
        contact_phone="+1 415 555 0101",
        storefront_url="http://localhost:3000/",
        payment_pct=Decimal("0.6"),
        platform_pct=Decimal("8"),
        channel_pct=Decimal("5"),
        rounding="ninety",
        points_quota=10_000_000,
        points_mode="allowance",
        sso_secret="demo-wellness-secret-change-me",
        pool=CATALOG[0:12],  # products 1-12
        fixed_price_sku="ACME-003",
        fixed_price=Decimal("34.90"),
    ),
    ChannelSpec(
        slug="travel-club",
        name="Travel Club",
        contact_name="Tom Rivera",
        contact_phone="+1 212 555 0199",
        storefront_url="http://localhost:3000/",
        payment_pct=Decimal("0.6"),
        platform_pct=Decimal("6"),
        channel_pct=Decimal("8"),
        rounding="cent",
        points_quota=5_000_000,
        points_mode="pass_through",
        sso_secret="demo-travel-secret-change-me",
        pool=CATALOG[7:20],  # products 8-20 (8-12 overlap with wellness-app)
        fixed_price_sku="GH-005",
        fixed_price=Decimal("23.50"),
    ),
)

MEMBER_EXTERNAL_IDS = ("m-1001", "m-1002", "m-1003")
MEMBER_ISSUE_POINTS = 50_000


def issue_key(channel_slug: str, external_id: str) -> str:
    return f"demo-issue:{channel_slug}:{external_id}"


@dataclass(frozen=True)
class SaleItemSpec:
    sku: str
    sale_price: Decimal
    cap: int
    per_customer_limit: Optional[int]


@dataclass(frozen=True)
class FlashSaleSpec:
    name: str
    kind: str  # a SaleKind value
    description: str
    starts_in: timedelta  # relative to the seed run; negative = already started
    ends_in: timedelta
    channel_slugs: Tuple[str, ...]
    items: Tuple[SaleItemSpec, ...]


# Items use products 8-12, which are in both channel pools.
FLASH_SALES = (
    FlashSaleSpec(
        name="Midnight madness",
        kind="while_supplies_last",
        description="A day of deep discounts while supplies last.",
        starts_in=timedelta(hours=-1),
        ends_in=timedelta(hours=24),
        channel_slugs=("wellness-app", "travel-club"),
        items=(
            SaleItemSpec("GH-001", Decimal("12.90"), cap=50, per_customer_limit=2),
            SaleItemSpec("ACME-010", Decimal("44.90"), cap=30, per_customer_limit=1),
            SaleItemSpec("GH-002", Decimal("15.90"), cap=20, per_customer_limit=None),
        ),
    ),
    FlashSaleSpec(
        name="Pre-order: winter boots",
        kind="pre_order",
        description="Reserve this winter's boots and socks before they ship.",
        starts_in=timedelta(days=1),
        ends_in=timedelta(days=3),
        channel_slugs=("wellness-app", "travel-club"),
        items=(
            SaleItemSpec("ACME-009", Decimal("69.90"), cap=40, per_customer_limit=1),
            SaleItemSpec("ACME-008", Decimal("14.90"), cap=80, per_customer_limit=2),
        ),
    ),
)

PRODUCTS_BY_SKU: Dict[str, ProductSpec] = {spec.sku: spec for spec in CATALOG}


# The provider portal (/provider/): one owner sign-in per demo provider.
PROVIDER_LOGINS = {
    "acme-supply": "owner@acme-supply.example.com",
    "golden-harvest": "owner@golden-harvest.example.com",
}
# A self sign-up waiting for review, and a platform invitation not yet used.
PENDING_APPLICATION = {
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
INVITED_PROVIDER = {
    "name": "Dragon Tea House",
    "email": "owner@dragon-tea.example.com",
    "legal_name": "Dragon Tea House Ltd.",
    "contact_name": "Wang Fang",
    "contact_phone": "+86 21 6888 1234",
}
# An order spanning both providers; Acme has shipped its part.
SPLIT_ORDER_NOTE = "demo: an order spanning two providers"
SPLIT_ORDER_LINES = (("ACME-002", 2), ("GH-001", 1))
SPLIT_ORDER_TRACKING = ("SF Express", "SF1000000001")

"""The providers' side of the demo, through provider_dropship's services: a
portal sign-in per provider, a pending application, an open invitation, and
an order spanning both providers with one sub-order shipped, so the console
shows "partially shipped"."""

from __future__ import annotations

from typing import Dict

from django.core.files.uploadedfile import SimpleUploadedFile
from prices import Money, TaxedMoney
from saleor.account.models import Address
from saleor.order import OrderStatus
from saleor.order.models import Order
from saleor.product.models import ProductVariant
from saleor.warehouse.management import allocate_stock

from plugins.provider_dropship import (
    invitations,
    onboarding,
    order_split,
    sub_order_workflow,
)
from plugins.provider_dropship.domain import ProviderRole
from plugins.provider_dropship.models import (
    Provider,
    ProviderApplication,
    ProviderUser,
)

from . import data
from .people import ensure_login
from .summary import Tally

# A one-page PDF stands in for each application document.
DEMO_PDF = b"%PDF-1.4\n% Saleor Flash demo document\n%%EOF\n"
BUYER = {
    "first_name": "Ada",
    "last_name": "Shopper",
    "street_address_1": "1 Main Street",
    "city": "NEW YORK",
    "postal_code": "10001",
    "country": "US",
    "country_area": "NY",
    "phone": "+12125550100",
}


def ensure_provider_logins(tally: Tally) -> Dict[str, object]:
    """Each demo provider's owner (portal sign-in, the demo password)."""
    owners = {}
    for slug, email in data.PROVIDER_LOGINS.items():
        provider = Provider.objects.get(slug=slug)
        user = ensure_login(email, provider.name, False, tally)
        _, created = ProviderUser.objects.get_or_create(
            user=user, defaults={"provider": provider, "role": ProviderRole.OWNER}
        )
        tally.record("provider users", created)
        owners[slug] = user
    return owners


def ensure_pending_application(tally: Tally) -> None:
    spec = data.PENDING_APPLICATION
    if ProviderApplication.objects.filter(email=spec["email"]).exists():
        return
    draft = onboarding.create_application(onboarding.ApplicationInput(**spec))
    for kind in onboarding.DOCUMENT_KINDS:
        onboarding.attach_document(
            draft.token, kind, SimpleUploadedFile(f"{kind}.pdf", DEMO_PDF)
        )
    onboarding.submit_application(draft.token)
    tally.record("provider applications", True)


def ensure_invitation(tally: Tally) -> None:
    spec = data.INVITED_PROVIDER
    if Provider.objects.filter(contact_email=spec["email"]).exists():
        return
    invitations.invite_provider(invitations.ProviderDetails(**spec), None)
    tally.record("provider invitations", True)


def ensure_split_order(owners, tally: Tally) -> Order:
    """The shopper's order of one Acme and one Golden Harvest item, split by
    the provider plugin, Acme's part shipped: partially shipped."""
    order = Order.objects.filter(customer_note=data.SPLIT_ORDER_NOTE).first()
    if order is not None:
        return order
    shopper = ensure_login(data.SHOPPER_EMAIL, "Shopper", False, tally)
    order = Order.objects.create(
        user=shopper,
        user_email=shopper.email,
        billing_address=Address.objects.create(**BUYER),
        shipping_address=Address.objects.create(**BUYER),
        status=OrderStatus.UNFULFILLED,
        customer_note=data.SPLIT_ORDER_NOTE,
    )
    total = Money(0, order.currency)
    for sku, quantity in data.SPLIT_ORDER_LINES:
        variant = ProductVariant.objects.select_related("product").get(sku=sku)
        price = variant.get_price()
        line = order.lines.create(
            variant=variant,
            product_name=variant.product.name,
            variant_name=variant.name,
            product_sku=sku,
            is_shipping_required=True,
            quantity=quantity,
            unit_price=TaxedMoney(net=price, gross=price),
            tax_rate=0,
        )
        allocate_stock(line, BUYER["country"], quantity)
        total += price * quantity
    order.total = TaxedMoney(net=total, gross=total)
    order.save(update_fields=["total_net_amount", "total_gross_amount"])
    tally.record("orders", True)

    # What the plugin's order_created hook does for a storefront order.
    sub_orders = order_split.split_order(order)
    owner = owners["acme-supply"]
    acme = next(s for s in sub_orders if s.provider.slug == "acme-supply")
    carrier, tracking = data.SPLIT_ORDER_TRACKING
    sub_order_workflow.accept(owner, acme.pk)
    sub_order_workflow.ship(owner, acme.pk, carrier, tracking)
    return order

"""Listings: what a provider submits for sale, and staff review.

A provider submits a product (one variant, a new Saleor product kept
unpublished) with a settlement price (shipping included), a description,
links and reusable image assets. Staff approve (setting the unified sale
price 统一销售价, the variant's Saleor price, and publishing the product into
the platform pool), reject, or ask for changes, each with a note e-mailed to
the provider.

A settlement-price change on an approved listing waits for review in
``proposed_settlement_price_amount``: the platform keeps paying the approved
price until staff approve the new one, and channel pricing's below-cost
guard compares with the higher of the two from the moment it is proposed
(``pool.settlement_prices``), so no channel price is silently below what the
provider now asks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import List, Optional, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from saleor.product.models import Product, ProductType, ProductVariant
from saleor.product.utils.variant_prices import update_product_minimal_variant_price

from plugins.core import outbox
from plugins.core.errors import ServiceRefusal

from . import assets
from .domain import LISTING_DECISIONS, ListingStatus, ProviderStatus, can_decide_listing
from .models import ListingReview, Provider, SupplyListing

PRODUCT_TYPE_SLUG = "provider-goods"
MAX_LINKS = 10
MAX_PRICE = Decimal("999999999")
MAX_NOTE = 5000


class ListingError(ServiceRefusal):
    NOT_FOUND = "not_found"
    REQUIRED = "required"
    INVALID = "invalid"
    INVALID_PRICE = "invalid_price"
    SKU_TAKEN = "sku_taken"
    NOT_EDITABLE = "not_editable"
    INVALID_DECISION = "invalid_decision"
    NOTE_REQUIRED = "note_required"
    PROVIDER_INACTIVE = "provider_inactive"


@dataclass(frozen=True)
class ListingInput:
    name: str
    sku: str
    settlement_price: Decimal
    description: str = ""
    links: Sequence[str] = ()
    asset_ids: Sequence[int] = ()


@dataclass(frozen=True)
class ListingChange:
    """A provider's change; None leaves a field as it is."""

    name: Optional[str] = None
    description: Optional[str] = None
    links: Optional[Sequence[str]] = None
    asset_ids: Optional[Sequence[int]] = None
    settlement_price: Optional[Decimal] = None


def price(value, field: str = "settlement_price") -> Decimal:
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ListingError(ListingError.INVALID_PRICE, "Not a price.", field) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_PRICE:
        raise ListingError(
            ListingError.INVALID_PRICE, "The price must be above 0.", field
        )
    if amount != amount.quantize(Decimal("0.001")):
        raise ListingError(
            ListingError.INVALID_PRICE, "At most three decimal places.", field
        )
    return amount


def clean_links(values: Sequence[str]) -> List[str]:
    values = [str(v).strip() for v in values if str(v).strip()]
    if len(values) > MAX_LINKS:
        raise ListingError(ListingError.INVALID, f"At most {MAX_LINKS} links.", "links")
    validate = URLValidator(schemes=["http", "https"])
    for value in values:
        try:
            if len(value) > 500:
                raise ValidationError("too long")
            validate(value)
        except ValidationError:
            raise ListingError(
                ListingError.INVALID, f"Not a web link: {value[:80]}", "links"
            ) from None
    return values


def _own_assets(provider_id: int, asset_ids: Sequence[int]) -> List[int]:
    wanted = set(asset_ids)
    own = assets.own_asset_ids(provider_id, wanted)
    if len(own) != len(wanted):
        raise ListingError(ListingError.NOT_FOUND, "No such asset.", "assets")
    return own


def _active_provider(provider_id: int) -> Provider:
    provider = Provider.objects.filter(pk=provider_id).first()
    if provider is None or provider.status != ProviderStatus.APPROVED.value:
        raise ListingError(
            ListingError.PROVIDER_INACTIVE,
            "Only an approved, active provider can submit listings.",
        )
    return provider


def _product_type() -> ProductType:
    product_type, _ = ProductType.objects.get_or_create(
        slug=PRODUCT_TYPE_SLUG,
        defaults={
            "name": "Provider goods",
            "has_variants": False,
            "is_shipping_required": True,
        },
    )
    return product_type


def submit_listing(
    provider_id: int, data: ListingInput, actor_id: Optional[int] = None
) -> SupplyListing:
    """A new listing waiting for review (an unpublished Saleor product with
    one variant, priced at the settlement price until staff set the unified
    sale price)."""
    name = (data.name or "").strip()[:250]
    sku = (data.sku or "").strip()[:255]
    if not name:
        raise ListingError(ListingError.REQUIRED, "Name the product.", "name")
    if not sku:
        raise ListingError(ListingError.REQUIRED, "Give the SKU.", "sku")
    amount = price(data.settlement_price)
    links = clean_links(data.links)
    with transaction.atomic():
        provider = _active_provider(provider_id)
        asset_ids = _own_assets(provider_id, data.asset_ids)
        if ProductVariant.objects.filter(sku=sku).exists():
            raise ListingError(ListingError.SKU_TAKEN, "This SKU is taken.", "sku")
        product = Product.objects.create(
            name=name,
            slug=f"{slugify(name)[:40] or 'listing'}-{uuid.uuid4().hex[:8]}",
            product_type=_product_type(),
            description=data.description or "",
            currency=settings.DEFAULT_CURRENCY,
            price_amount=amount,
            is_published=False,
        )
        # save(), not objects.create(): Saleor's create() queues a Celery
        # task before this transaction commits.
        variant = ProductVariant(
            product=product, sku=sku, name="", track_inventory=True
        )
        variant.save()
        listing = SupplyListing.objects.create(
            provider=provider,
            variant=variant,
            currency=settings.DEFAULT_CURRENCY,
            settlement_price_amount=amount,
            status=ListingStatus.PENDING.value,
            title=name,
            description=data.description or "",
            links=links,
        )
        listing.assets.set(asset_ids)
    return listing


def provider_listings(provider_id: int) -> QuerySet:
    return SupplyListing.objects.filter(provider_id=provider_id).select_related(
        "variant__product"
    )


def listing_of_provider(provider_id: int, listing_id: int, lock: bool = False):
    rows = SupplyListing.objects.filter(pk=listing_id, provider_id=provider_id)
    if lock:
        rows = rows.select_for_update()
    listing = rows.first()
    if listing is None:  # another provider's listing looks like none at all
        raise ListingError(ListingError.NOT_FOUND, "No such listing.", "id")
    return listing


def update_listing(
    provider_id: int, listing_id: int, change: ListingChange
) -> SupplyListing:
    """The provider changes its listing.

    Before approval (pending, changes requested) everything may change and a
    listing sent back for changes goes back to review. Once approved only the
    settlement price may change, and the new price waits for review. A
    rejected listing is closed.
    """
    with transaction.atomic():
        listing = listing_of_provider(provider_id, listing_id, lock=True)
        status = ListingStatus(listing.status)
        if status == ListingStatus.REJECTED:
            raise ListingError(
                ListingError.NOT_EDITABLE, "A rejected listing cannot change."
            )
        text_change = any(
            value is not None
            for value in (
                change.name,
                change.description,
                change.links,
                change.asset_ids,
            )
        )
        if status == ListingStatus.APPROVED and text_change:
            raise ListingError(
                ListingError.NOT_EDITABLE,
                "An approved listing's text and images are changed by the "
                "platform's staff; only its settlement price can change here.",
            )
        if change.name is not None:
            name = change.name.strip()[:250]
            if not name:
                raise ListingError(ListingError.REQUIRED, "Name the product.", "name")
            listing.title = name
        if change.description is not None:
            listing.description = change.description
        if change.links is not None:
            listing.links = clean_links(change.links)
        if change.asset_ids is not None:
            listing.assets.set(_own_assets(provider_id, change.asset_ids))
        if change.settlement_price is not None:
            amount = price(change.settlement_price)
            if status == ListingStatus.APPROVED:
                same = amount == listing.settlement_price_amount
                listing.proposed_settlement_price_amount = None if same else amount
            else:
                listing.settlement_price_amount = amount
        if status == ListingStatus.CHANGES_REQUESTED:
            listing.status = ListingStatus.PENDING.value
        listing.submitted_at = timezone.now()
        listing.save()
    return listing


def review_queue() -> QuerySet:
    """Staff: listings waiting for a decision (new ones and price changes)."""
    return (
        SupplyListing.objects.filter(
            Q(status=ListingStatus.PENDING.value)
            | Q(
                status=ListingStatus.APPROVED.value,
                proposed_settlement_price_amount__isnull=False,
            )
        )
        .select_related("provider", "variant__product")
        .order_by("submitted_at", "pk")
    )


def all_listings(status: Optional[ListingStatus] = None) -> QuerySet:
    rows = SupplyListing.objects.select_related("provider", "variant__product")
    if status is not None:
        rows = rows.filter(status=ListingStatus(status).value)
    return rows


@dataclass(frozen=True)
class StaffEdit:
    """What staff may change while reviewing; None leaves it as it is."""

    name: Optional[str] = None
    description: Optional[str] = None
    sale_price: Optional[Decimal] = None


def _apply_staff_edit(listing: SupplyListing, edit: StaffEdit) -> None:
    product = listing.variant.product
    if edit.name is not None:
        name = edit.name.strip()[:250]
        if not name:
            raise ListingError(ListingError.REQUIRED, "Name the product.", "name")
        listing.title = product.name = name
    if edit.description is not None:
        listing.description = product.description = edit.description
    if edit.sale_price is not None:
        amount = price(edit.sale_price, "sale_price").quantize(Decimal("0.01"))
        if amount != price(edit.sale_price, "sale_price"):
            raise ListingError(
                ListingError.INVALID_PRICE, "At most two decimal places.", "sale_price"
            )
        product.price_amount = amount
        variant = listing.variant
        variant.price_override_amount = amount
        variant.save(update_fields=["price_override_amount"])
    product.save()
    update_product_minimal_variant_price(product)


def staff_update_listing(listing_id: int, edit: StaffEdit) -> SupplyListing:
    """Staff edit the text or the unified sale price, without a decision."""
    with transaction.atomic():
        listing = _locked(listing_id)
        _apply_staff_edit(listing, edit)
        listing.save()
    return listing


def _locked(listing_id: int) -> SupplyListing:
    listing = (
        SupplyListing.objects.select_for_update(of=("self",))
        .select_related("variant__product", "provider")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None:
        raise ListingError(ListingError.NOT_FOUND, "No such listing.", "id")
    return listing


SUBJECTS = {
    ListingStatus.APPROVED: "Listing approved: {name}",
    ListingStatus.REJECTED: "Listing rejected: {name}",
    ListingStatus.CHANGES_REQUESTED: "Listing needs changes: {name}",
}


def decide_listing(
    listing_id: int,
    decision: ListingStatus,
    note: str,
    reviewer_id: Optional[int],
    edit: StaffEdit = StaffEdit(),
) -> SupplyListing:
    """Staff decide on a pending listing, or on an approved listing's new
    settlement price, with a note e-mailed to the provider.

    - pending: approve (needs the unified sale price, unless the variant has
      one already; publishes the product into the platform pool), reject or
      ask for changes (both need a note);
    - a price change: approve (the proposed price becomes the settlement
      price) or reject (it is dropped; the approved price stays).
    """
    decision = ListingStatus(decision)
    note = (note or "").strip()[:MAX_NOTE]
    if decision not in LISTING_DECISIONS:
        raise ListingError(ListingError.INVALID_DECISION, "Not a decision.", "decision")
    if decision != ListingStatus.APPROVED and not note:
        raise ListingError(ListingError.NOTE_REQUIRED, "Tell the provider why.", "note")
    with transaction.atomic():
        listing = _locked(listing_id)
        status = ListingStatus(listing.status)
        price_change = listing.proposed_settlement_price_amount is not None
        if not can_decide_listing(status, price_change):
            raise ListingError(
                ListingError.INVALID_DECISION,
                f"The listing is {status.value} with no change to review.",
                "decision",
            )
        _apply_staff_edit(listing, edit)
        if status == ListingStatus.APPROVED:  # a settlement-price change
            if decision == ListingStatus.CHANGES_REQUESTED:
                raise ListingError(
                    ListingError.INVALID_DECISION,
                    "Approve or reject the new settlement price.",
                    "decision",
                )
            if decision == ListingStatus.APPROVED:
                listing.settlement_price_amount = (
                    listing.proposed_settlement_price_amount
                )
            reviewed_price = listing.proposed_settlement_price_amount
            listing.proposed_settlement_price_amount = None
            subject = f"Settlement price {decision.value}: {listing.title}"
        else:
            reviewed_price = listing.settlement_price_amount
            if decision == ListingStatus.APPROVED:
                _publish(listing, edit)
            listing.status = decision.value
            subject = SUBJECTS[decision].format(name=listing.title)
        listing.review_note = note
        listing.reviewed_at = timezone.now()
        listing.save()
        ListingReview.objects.create(
            listing=listing,
            decision=decision.value,
            note=note,
            settlement_price_amount=reviewed_price,
            reviewer_id=reviewer_id,
        )
        if listing.provider.contact_email:
            outbox.enqueue_email(
                listing.provider.contact_email,
                subject,
                (f"Note from the reviewer:\n{note}\n" if note else "Approved.\n"),
                event_type=f"provider.listing.{decision.value}",
            )
    return listing


def _publish(listing: SupplyListing, edit: StaffEdit) -> None:
    variant = listing.variant
    if variant.price_override_amount is None:  # never priced by staff
        raise ListingError(
            ListingError.REQUIRED,
            "Set the unified sale price to approve.",
            "sale_price",
        )
    product = variant.product
    if not product.is_published:
        product.is_published = True
        product.publication_date = None
        product.save(update_fields=["is_published", "publication_date"])

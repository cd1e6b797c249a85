"""Staff use cases on a channel's pool: add, re-price, remove, preview.

Every save previews first, so what staff see is what gets stored; a price
below settlement needs ``acknowledge_below_cost`` and stores, per variant, who
and when accepted which price against which settlement price. An item that
fell below cost later (its settlement price rose) is acknowledged, without
re-pricing, with ``acknowledge_current``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from saleor.product.models import ProductVariant

from .domain import PriceQuote, PriceRuleError, RuleOverride, guard_below_cost
from .domain import validate_override as validate_rule_override
from .models import BelowCostAcknowledgement, Channel, ChannelPoolEntry
from .pricing import PoolEntries, quotes_for_variants, settlement_prices

OVERRIDE_COLUMNS = {
    "fixed_price": "fixed_price_amount",
    "payment_pct": "payment_pct",
    "platform_pct": "platform_pct",
    "channel_pct": "channel_pct",
    "fixed_amount": "fixed_markup",
}


@dataclass(frozen=True)
class PoolItem:
    """One variant with its settlement price and resulting channel price."""

    variant_id: int
    product_id: int
    sku: str
    product_name: str
    variant_name: str
    quote: PriceQuote
    variant: Optional[ProductVariant] = None


def _targets(product_ids: Sequence[int], variant_ids: Sequence[int]):
    """Variants touched by an edit, and a check that all are in the platform pool."""
    variants = list(
        ProductVariant.objects.filter(
            Q(product_id__in=list(product_ids)) | Q(pk__in=list(variant_ids))
        ).order_by("pk")
    )
    settlements = settlement_prices(v.pk for v in variants)
    missing_products = [
        pid
        for pid in product_ids
        if not any(v.product_id == pid and v.pk in settlements for v in variants)
    ]
    missing_variants = [vid for vid in variant_ids if vid not in settlements]
    if missing_products or missing_variants:
        raise PriceRuleError(
            "not_in_platform_pool",
            "Only products an approved provider supplies at a settlement price "
            "can enter a channel pool.",
        )
    return [v for v in variants if v.pk in settlements], settlements


def _apply_override(entry: ChannelPoolEntry, override: RuleOverride) -> None:
    for field, column in OVERRIDE_COLUMNS.items():
        setattr(entry, column, getattr(override, field))
    entry.rounding = override.rounding.value if override.rounding else ""


def _planned_entries(
    channel: Channel,
    product_ids: Sequence[int],
    variant_ids: Sequence[int],
    variants: List[ProductVariant],
    override: Optional[RuleOverride],
):
    """The channel's entries as they would be after the edit (unsaved)."""
    product_set = {v.product_id for v in variants}
    existing = list(
        ChannelPoolEntry.objects.filter(channel=channel, product_id__in=product_set)
    )
    by_key = {(e.product_id, e.variant_id): e for e in existing}
    changed = []
    variant_products = {v.pk: v.product_id for v in variants}
    keys = [(pid, None) for pid in product_ids] + [
        (variant_products[vid], vid) for vid in variant_ids
    ]
    for key in keys:
        entry = by_key.get(key)
        if entry is None:
            entry = ChannelPoolEntry(
                channel=channel, product_id=key[0], variant_id=key[1]
            )
            by_key[key] = entry
        if override is not None:
            _apply_override(entry, override)
        changed.append(entry)
    return PoolEntries(by_key.values()), changed


def _items(channel, variants, entries, settlements) -> List[PoolItem]:
    keys = [(v.pk, v.product_id) for v in variants]
    quotes = quotes_for_variants(channel, keys, entries, settlements)
    return [
        PoolItem(
            variant_id=v.pk,
            product_id=v.product_id,
            sku=v.sku,
            product_name=v.product.name,
            variant_name=v.name,
            quote=quotes[v.pk],
            variant=v,
        )
        for v in variants
        if v.pk in quotes
    ]


def preview(
    channel: Channel,
    product_ids: Sequence[int] = (),
    variant_ids: Sequence[int] = (),
    override: Optional[RuleOverride] = None,
) -> List[PoolItem]:
    """Price and margin per variant if the entries were saved with ``override``.

    With ``override=None`` the entries keep (or get) their current rule.
    """
    if override is not None:
        validate_rule_override(override)
    variants, settlements = _targets(product_ids, variant_ids)
    variants = _with_products(variants)
    entries, _ = _planned_entries(channel, product_ids, variant_ids, variants, override)
    return _items(channel, variants, entries, settlements)


def _with_products(variants: List[ProductVariant]) -> List[ProductVariant]:
    ids = [v.pk for v in variants]
    return list(
        ProductVariant.objects.select_related("product")
        .filter(pk__in=ids)
        .order_by("pk")
    )


def save_entries(
    channel: Channel,
    staff_user,
    product_ids: Sequence[int] = (),
    variant_ids: Sequence[int] = (),
    override: Optional[RuleOverride] = None,
    acknowledge_below_cost: bool = False,
) -> List[PoolItem]:
    """Add products/variants to the pool (or re-price them) with ``override``.

    Raises ``PriceRuleError`` (``not_in_platform_pool``, ``invalid_rule``,
    ``below_cost_not_acknowledged``) and then saves nothing.
    """
    override = override or RuleOverride()
    validate_rule_override(override)
    with transaction.atomic():
        # One editor per channel at a time: the preview below is what is saved.
        Channel.objects.select_for_update().filter(pk=channel.pk).first()
        variants, settlements = _targets(product_ids, variant_ids)
        variants = _with_products(variants)
        entries, changed = _planned_entries(
            channel, product_ids, variant_ids, variants, override
        )
        items = _items(channel, variants, entries, settlements)
        guard_below_cost((item.quote for item in items), acknowledge_below_cost)
        for entry in changed:
            entry.save()
        _record_acknowledgements(channel, staff_user, items)
    return items


def _record_acknowledgements(channel, staff_user, items: List[PoolItem]) -> None:
    """Acknowledge the below-cost items at their price and settlement price;
    drop the acknowledgements of the others (they sell at or above cost)."""
    now = timezone.now()
    for item in items:
        if item.quote.below_cost:
            BelowCostAcknowledgement.objects.update_or_create(
                channel=channel,
                variant_id=item.variant_id,
                defaults={
                    "price_amount": item.quote.price,
                    "settlement_amount": item.quote.settlement,
                    "acknowledged_by": staff_user,
                    "acknowledged_at": now,
                },
            )
    above = [item.variant_id for item in items if not item.quote.below_cost]
    if above:
        BelowCostAcknowledgement.objects.filter(
            channel=channel, variant_id__in=above
        ).delete()


def acknowledge_current(
    channel: Channel,
    staff_user,
    product_ids: Sequence[int] = (),
    variant_ids: Sequence[int] = (),
) -> List[PoolItem]:
    """Accept the current below-cost prices of pooled variants, as they are now.

    For items that fell below cost after they were priced (a settlement price
    rose). Nothing is re-priced; the acknowledgement covers exactly the price
    and settlement price returned. Raises ``PriceRuleError`` (``not_found``)
    when none of the targets is in the channel's pool.
    """
    with transaction.atomic():
        Channel.objects.select_for_update().filter(pk=channel.pk).first()
        variants, settlements = _targets(product_ids, variant_ids)
        variants = _with_products(variants)
        entries = PoolEntries.load(channel, {v.product_id for v in variants})
        items = _items(channel, variants, entries, settlements)
        if not items:
            raise PriceRuleError("not_found", "None of these is in the channel's pool.")
        _record_acknowledgements(channel, staff_user, items)
    return items


def remove_entries(
    channel: Channel, product_ids: Iterable[int] = (), variant_ids: Iterable[int] = ()
) -> int:
    """Take products (with their variant entries) or single variants out of the pool."""
    product_ids, variant_ids = list(product_ids), list(variant_ids)
    with transaction.atomic():
        removed, _ = ChannelPoolEntry.objects.filter(
            channel=channel, product_id__in=product_ids
        ).delete()
        more, _ = ChannelPoolEntry.objects.filter(
            channel=channel, variant_id__in=variant_ids
        ).delete()
        # Acknowledgements leave with the items: a later re-add is a new decision.
        still_pooled = ChannelPoolEntry.objects.filter(
            channel=channel, variant__isnull=True
        ).values("product_id")
        BelowCostAcknowledgement.objects.filter(channel=channel).filter(
            Q(variant__product_id__in=product_ids) | Q(variant_id__in=variant_ids)
        ).exclude(variant__product_id__in=still_pooled).delete()
    return removed + more


def pool_items(channel: Channel) -> List[PoolItem]:
    """Every variant of the channel's pool with its current price (console)."""
    product_ids = list(
        ChannelPoolEntry.objects.filter(channel=channel)
        .values_list("product_id", flat=True)
        .distinct()
    )
    variants = list(
        ProductVariant.objects.select_related("product")
        .filter(product_id__in=product_ids)
        .order_by("product__name", "pk")
    )
    settlements = settlement_prices(v.pk for v in variants)
    entries = PoolEntries.load(channel, product_ids)
    return _items(channel, variants, entries, settlements)

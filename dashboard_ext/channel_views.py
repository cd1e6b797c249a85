"""Console screens for channels: list and create, entry link and secret
rotation, and the pool editor (settlement, price, margin, below-cost warnings).

Thin: forms translate input, ``plugins.channel_pricing`` services do the work.
"""

from __future__ import annotations

import re
from typing import List

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from saleor.product.models import ProductVariant

from plugins.channel_pricing import channel_admin, pool_admin, reports, services
from plugins.channel_pricing.domain import (
    ChannelStatus,
    PriceRuleError,
    Rounding,
    RuleOverride,
)
from plugins.channel_pricing.models import Channel

from .navigation import visible_sections
from .permissions import MANAGE_CHANNELS, console_permission_required, may

# Every channel screen and action: MANAGE_PRODUCTS, like salesChannels and the
# salesChannel*/channelPool*/channelBelowCost* mutations.
channels_permission = console_permission_required(MANAGE_CHANNELS)

ROUNDING_CHOICES = [
    (Rounding.CENT.value, "to 0.01"),
    (Rounding.NINETY.value, "up to x.90"),
    (Rounding.WHOLE_UP.value, "up to whole units"),
]
PCT = {"max_digits": 6, "decimal_places": 3, "min_value": 0, "max_value": 1000}
AMOUNT = {"max_digits": 12, "decimal_places": 3, "min_value": 0}


class ChannelForm(forms.Form):
    name = forms.CharField(max_length=250)
    slug = forms.SlugField(max_length=100, required=False)
    contact_name = forms.CharField(max_length=250, required=False)
    contact_phone = forms.CharField(max_length=64, required=False)
    storefront_url = forms.URLField(required=False, label="Storefront URL")
    payment_pct = forms.DecimalField(initial=0, label="Payment cost %", **PCT)
    platform_pct = forms.DecimalField(initial=0, label="Platform %", **PCT)
    channel_pct = forms.DecimalField(initial=0, label="Channel %", **PCT)
    fixed_markup = forms.DecimalField(initial=0, label="Fixed markup", **AMOUNT)
    rounding = forms.ChoiceField(choices=ROUNDING_CHOICES, initial=Rounding.CENT.value)


class PoolEditForm(forms.Form):
    skus = forms.CharField(label="SKUs", help_text="Separated by spaces or commas.")
    scope = forms.ChoiceField(
        choices=[("product", "whole product"), ("variant", "this variant only")],
        initial="product",
    )
    fixed_price = forms.DecimalField(required=False, min_value=0, decimal_places=3)
    payment_pct = forms.DecimalField(required=False, label="Payment cost %", **PCT)
    platform_pct = forms.DecimalField(required=False, label="Platform %", **PCT)
    channel_pct = forms.DecimalField(required=False, label="Channel %", **PCT)
    fixed_markup = forms.DecimalField(required=False, label="Fixed markup", **AMOUNT)
    rounding = forms.ChoiceField(
        choices=[("", "channel default")] + ROUNDING_CHOICES, required=False
    )
    acknowledge_below_cost = forms.BooleanField(required=False)

    def sku_list(self) -> List[str]:
        return [s for s in re.split(r"[\s,]+", self.cleaned_data["skus"]) if s]

    def override(self) -> RuleOverride:
        data = self.cleaned_data
        return RuleOverride(
            fixed_price=data.get("fixed_price"),
            payment_pct=data.get("payment_pct"),
            platform_pct=data.get("platform_pct"),
            channel_pct=data.get("channel_pct"),
            fixed_amount=data.get("fixed_markup"),
            rounding=Rounding(data["rounding"]) if data.get("rounding") else None,
        )


def _page(request, template, status=200, **context):
    context.update({"sections": visible_sections(request.user), "active": "channels"})
    return render(request, f"dashboard_ext/channels/{template}", context, status=status)


def _channel_or_404(slug: str) -> Channel:
    channel = Channel.objects.filter(slug=slug).first()
    if channel is None:
        raise Http404("No such channel")
    return channel


@channels_permission
@require_http_methods(["GET", "POST"])
def channel_list(request):
    form = ChannelForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
        try:
            channel = channel_admin.create_channel(**fields)
        except PriceRuleError as refusal:
            error = refusal.message
        else:
            return redirect(f"/dashboard-ext/channels/{channel.slug}/?created=1")
    return _page(
        request,
        "list.html",
        channels=services.channels_with_pool_size(),
        form=form,
        error=error,
    )


@channels_permission
def channel_detail(request, slug):
    channel = _channel_or_404(slug)
    entry_url = request.build_absolute_uri(services.entry_path(channel.slug))
    return _page(
        request,
        "detail.html",
        channel=channel,
        entry_url=entry_url,
        # The secret is for who may rotate it (salesChannelRotateSecret).
        may_rotate=may(request.user, MANAGE_CHANNELS),
        suspended=channel.status == ChannelStatus.SUSPENDED.value,
        notice=request.GET.get("notice")
        or ("created" if "created" in request.GET else ""),
    )


@channels_permission
@require_POST
def rotate_secret(request, slug):
    channel = _channel_or_404(slug)
    if request.POST.get("finish"):
        channel_admin.finish_rotation(channel)
        return redirect(f"/dashboard-ext/channels/{slug}/?notice=finished")
    channel_admin.rotate_secret(channel)
    return redirect(f"/dashboard-ext/channels/{slug}/?notice=rotated")


def _targets(channel, form):
    """Product or variant ids for the SKUs typed, or an error message."""
    skus = form.sku_list()
    variants = {v.sku: v for v in ProductVariant.objects.filter(sku__in=skus)}
    unknown = [s for s in skus if s not in variants]
    if unknown:
        return None, None, f"Unknown SKU: {', '.join(unknown)}."
    if form.cleaned_data["scope"] == "variant":
        return [], [v.pk for v in variants.values()], None
    return sorted({v.product_id for v in variants.values()}), [], None


@channels_permission
@require_http_methods(["GET", "POST"])
def pool_editor(request, slug):
    channel = _channel_or_404(slug)
    form = PoolEditForm(request.POST or None)
    preview, error, notice = None, None, request.GET.get("notice", "")
    if request.method == "POST" and form.is_valid():
        product_ids, variant_ids, error = _targets(channel, form)
        if error is None:
            try:
                if request.POST.get("action") == "preview":
                    preview = pool_admin.preview(
                        channel, product_ids, variant_ids, form.override()
                    )
                else:
                    pool_admin.save_entries(
                        channel,
                        request.user,
                        product_ids,
                        variant_ids,
                        form.override(),
                        form.cleaned_data["acknowledge_below_cost"],
                    )
                    return redirect(
                        f"/dashboard-ext/channels/{slug}/pool/?notice=saved"
                    )
            except PriceRuleError as refusal:
                error = refusal.message
    return _pool_page(
        request, channel, form, preview=preview, error=error, notice=notice
    )


def _pool_page(
    request,
    channel,
    form,
    preview=None,
    error=None,
    notice="",
    action_error=None,
    status=200,
):
    below_cost_report = reports.below_cost_report(channel)
    by_variant = {row.variant_id: row for row in below_cost_report}
    rows = [
        {"item": item, "ack": by_variant.get(item.variant_id)}
        for item in pool_admin.pool_items(channel)
    ]
    return _page(
        request,
        "pool.html",
        channel=channel,
        rows=rows,
        form=form,
        preview=preview,
        error=error,
        notice=notice,
        below_cost_report=below_cost_report,
        action_error=action_error,
        status=status,
    )


@channels_permission
@require_POST
def pool_acknowledge(request, slug):
    """Acknowledge one variant's current below-cost price (no re-pricing).

    Says "acknowledged" only when an acknowledgement was recorded; an unknown
    SKU, a variant outside the pool or a price at or above cost shows why.
    """
    channel = _channel_or_404(slug)
    sku = request.POST.get("sku", "")
    variant = ProductVariant.objects.filter(sku=sku).first() if sku else None
    if variant is None:
        error = _unknown_sku(sku)
    else:
        try:
            items = pool_admin.acknowledge_current(
                channel, request.user, variant_ids=[variant.pk]
            )
        except PriceRuleError as refusal:
            error = f"{sku}: {refusal.message}"
        else:
            if any(item.quote.below_cost for item in items):
                return redirect(
                    f"/dashboard-ext/channels/{slug}/pool/?notice=acknowledged"
                )
            error = f"{sku} is not priced below cost: nothing to acknowledge."
    error = f"Not acknowledged: {error}"
    return _pool_page(request, channel, PoolEditForm(), action_error=error, status=400)


@channels_permission
@require_POST
def pool_remove(request, slug):
    channel = _channel_or_404(slug)
    sku = request.POST.get("sku", "")
    variant = ProductVariant.objects.filter(sku=sku).first() if sku else None
    if variant is None:
        error = f"Nothing removed: {_unknown_sku(sku)}"
        return _pool_page(
            request, channel, PoolEditForm(), action_error=error, status=400
        )
    pool_admin.remove_entries(channel, product_ids=[variant.product_id])
    return redirect(f"/dashboard-ext/channels/{slug}/pool/?notice=removed")


def _unknown_sku(sku: str) -> str:
    return f"Unknown SKU: {sku}." if sku else "No SKU was given."

"""Console screens for flash sales: the list with a two-week calendar, create,
edit with items, and live sell-through per item that refreshes by itself.

Thin: forms translate input, ``plugins.sale_windows`` services do the work.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta

from django import forms
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from saleor.product.models import ProductVariant

from plugins.sale_windows import sale_admin, services
from plugins.sale_windows.domain import SaleKind, sale_status, units_remaining
from plugins.sale_windows.models import FlashSale
from plugins.sale_windows.sale_admin import ItemInput, SaleAdminError, SaleInput

from .navigation import visible_sections
from .permissions import MANAGE_FLASH_SALES, console_permission_required

# Every flash-sale screen and action: MANAGE_DISCOUNTS, like the flashSale*
# staff mutations (the pages are where those are made).
flash_sales_permission = console_permission_required(MANAGE_FLASH_SALES)

KIND_CHOICES = [(kind.value, kind.name.replace("_", " ").lower()) for kind in SaleKind]
CALENDAR_DAYS = 14
DATETIME_HELP = "UTC, e.g. 2026-12-01 18:00:00"


class SaleForm(forms.Form):
    name = forms.CharField(max_length=250)
    kind = forms.ChoiceField(choices=KIND_CHOICES, initial=SaleKind.WHILE_SUPPLIES_LAST)
    starts_at = forms.DateTimeField(label="Starts at", help_text=DATETIME_HELP)
    ends_at = forms.DateTimeField(label="Ends at", help_text=DATETIME_HELP)
    minimum_quantity = forms.IntegerField(
        required=False, min_value=1, label="Pre-order minimum"
    )
    sign_in_required = forms.BooleanField(required=False, label="Signed-in buyers only")


class ItemForm(forms.Form):
    sku = forms.CharField(label="SKU", max_length=255)
    sale_price = forms.DecimalField(label="Sale price", max_digits=12, decimal_places=3)
    cap = forms.IntegerField(label="Cap")
    per_customer_limit = forms.IntegerField(
        label="Per-customer limit", required=False, min_value=1
    )


def _page(request, template, **context):
    context.update(
        {"sections": visible_sections(request.user), "active": "flash-sales"}
    )
    return render(request, f"dashboard_ext/flash_sales/{template}", context)


def _status(sale: FlashSale, now) -> str:
    items = list(sale.items.all())
    unsold = sum(max(item.cap - item.sold, 0) for item in items) if items else 1
    return sale_status(
        now, sale.starts_at, sale.ends_at, sale.cancelled_at is not None, unsold
    ).value


def _errors(error: SaleAdminError) -> list:
    return [violation.message for violation in error.violations]


def calendar(sales, today) -> OrderedDict:
    """Day -> sales whose window touches that day, for the next two weeks."""
    days = OrderedDict((today + timedelta(days=n), []) for n in range(CALENDAR_DAYS))
    for sale in sales:
        for day in days:
            day_start = timezone.datetime.combine(day, timezone.datetime.min.time())
            day_start = timezone.make_aware(day_start, timezone.utc)
            if (
                sale.starts_at < day_start + timedelta(days=1)
                and sale.ends_at > day_start
            ):
                days[day].append(sale)
    return days


@flash_sales_permission
@require_http_methods(["GET", "POST"])
def sale_list(request):
    form = SaleForm(request.POST or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sale = sale_admin.create_sale(_sale_input(data))
        except SaleAdminError as error:
            errors = _errors(error)
        else:
            return redirect(f"/dashboard-ext/flash-sales/{sale.pk}/?created=1")
    now = timezone.now()
    sales = list(FlashSale.objects.prefetch_related("items").order_by("starts_at"))
    rows = [
        {
            "sale": sale,
            "status": _status(sale, now),
            "items": len(sale.items.all()),
            "sold": sum(item.sold for item in sale.items.all()),
            "cap": sum(item.cap for item in sale.items.all()),
        }
        for sale in sales
    ]
    return _page(
        request,
        "list.html",
        rows=rows,
        calendar=calendar([s for s in sales if s.cancelled_at is None], now.date()),
        form=form,
        errors=errors,
    )


def _sale_input(data) -> SaleInput:
    """A SaleForm's cleaned data as the staff service's input."""
    return SaleInput(
        name=data["name"],
        kind=data["kind"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        minimum_quantity=data.get("minimum_quantity"),
        sign_in_required=bool(data.get("sign_in_required")),
    )


def _sale_or_404(sale_id: int) -> FlashSale:
    sale = FlashSale.objects.filter(pk=sale_id).first()
    if sale is None:
        raise Http404("No such flash sale")
    return sale


@flash_sales_permission
@require_http_methods(["GET", "POST"])
def sale_detail(request, sale_id):
    sale = _sale_or_404(sale_id)
    edit = SaleForm(
        request.POST if request.POST.get("form") == "sale" else None,
        initial={
            "name": sale.name,
            "kind": sale.kind,
            "starts_at": sale.starts_at.strftime("%Y-%m-%d %H:%M:%S"),
            "ends_at": sale.ends_at.strftime("%Y-%m-%d %H:%M:%S"),
            "minimum_quantity": sale.minimum_quantity,
            "sign_in_required": sale.sign_in_required,
        },
        prefix="sale",
    )
    add = ItemForm(
        request.POST if request.POST.get("form") == "item" else None, prefix="item"
    )
    errors = []
    if request.method == "POST" and edit.is_bound and edit.is_valid():
        data = edit.cleaned_data
        try:
            sale_admin.update_sale(sale.pk, _sale_input(data))
        except SaleAdminError as error:
            errors = _errors(error)
        else:
            return redirect(f"/dashboard-ext/flash-sales/{sale.pk}/?notice=saved")
    if request.method == "POST" and add.is_bound and add.is_valid():
        data = add.cleaned_data
        variant = ProductVariant.objects.filter(sku=data["sku"]).first()
        try:
            sale_admin.create_item(
                sale.pk,
                ItemInput(
                    variant_id=variant.pk if variant else None,
                    sale_price=data["sale_price"],
                    cap=data["cap"],
                    per_customer_limit=data.get("per_customer_limit"),
                ),
            )
        except SaleAdminError as error:
            errors = _errors(error)
        else:
            return redirect(f"/dashboard-ext/flash-sales/{sale.pk}/?notice=item")
    items = list(
        services.items_with_reserved(
            sale.items.select_related("variant", "variant__product")
        )
    )
    for item in items:
        item.remaining = units_remaining(item.cap, item.sold, item.reserved)
    return _page(
        request,
        "detail.html",
        sale=sale,
        status=_status(sale, timezone.now()),
        items=items,
        edit=edit,
        add=add,
        errors=errors,
        notice=request.GET.get("notice")
        or ("created" if "created" in request.GET else ""),
        cancellable=sale.cancelled_at is None,
    )


@flash_sales_permission
def sell_through(request, sale_id):
    """Sold, reserved and remaining per item: polled by the detail page."""
    sale = _sale_or_404(sale_id)
    return JsonResponse(
        {
            "status": _status(sale, timezone.now()),
            "server_time": timezone.now().isoformat(),
            "items": sale_admin.sell_through(sale.items.all()),
        }
    )


@flash_sales_permission
@require_POST
def sale_cancel(request, sale_id):
    sale = _sale_or_404(sale_id)
    sale_admin.cancel_sale(sale.pk)
    return redirect(f"/dashboard-ext/flash-sales/{sale.pk}/?notice=cancelled")

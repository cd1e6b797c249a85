"""Portal pages for listings: the provider's own listings with review notes
and images, a new listing (with an image, stored through the storage API),
and a new settlement price for a listing (reviewed again). Every change goes
through ``provider_dropship.listings`` / ``assets`` with the signed-in
provider's id: another provider's listing is a 404."""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from plugins.provider_dropship import assets, listings, uploads

from ..files import stream_file
from .access import provider_required
from .pages import page

NOTICES = {
    "submitted": "Listing submitted: the platform reviews it and e-mails you.",
    "price": "New settlement price sent for review; the approved one applies "
    "until then.",
}


class ListingForm(forms.Form):
    name = forms.CharField(max_length=250, label="Product name")
    sku = forms.CharField(max_length=255, label="SKU")
    settlement_price = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        label="Settlement price (shipping included)",
    )
    description = forms.CharField(widget=forms.Textarea, required=False)
    links = forms.CharField(
        required=False, label="Links", help_text="One web link per line."
    )

    def listing_input(self, asset_ids) -> listings.ListingInput:
        data = self.cleaned_data
        return listings.ListingInput(
            name=data["name"],
            sku=data["sku"],
            settlement_price=data["settlement_price"],
            description=data["description"],
            links=[line for line in data["links"].splitlines() if line.strip()],
            asset_ids=asset_ids,
        )


def _list_page(request, form=None, errors=(), status=200):
    rows = (
        listings.provider_listings(request.membership.provider_id)
        .prefetch_related("reviews", "assets")
        .order_by("pk")
    )
    return page(
        request,
        "listings.html",
        "listings",
        status=status,
        listings=rows,
        form=form or ListingForm(),
        errors=list(errors),
        notice=NOTICES.get(request.GET.get("notice", ""), ""),
    )


@provider_required
@require_http_methods(["GET", "POST"])
def listing_list(request):
    if request.method == "GET":
        return _list_page(request)
    form = ListingForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, ["Check the fields."], 400)
    provider_id = request.membership.provider_id
    try:
        image = request.FILES.get("image")
        asset_ids = []
        if image is not None:
            asset_ids = [assets.upload_asset(provider_id, image, form.data["name"]).pk]
        listings.submit_listing(
            provider_id, form.listing_input(asset_ids), request.user.pk
        )
    except (listings.ListingError, uploads.UploadError) as refusal:
        return _list_page(request, form, [refusal.message], 400)
    return redirect("/provider/listings/?notice=submitted")


@provider_required
@require_POST
def listing_price(request, listing_id):
    provider_id = request.membership.provider_id
    try:
        listings.listing_of_provider(provider_id, listing_id)
    except listings.ListingError:
        raise Http404("No such listing") from None
    try:
        listings.update_listing(
            provider_id,
            listing_id,
            listings.ListingChange(
                settlement_price=request.POST.get("settlement_price", "")
            ),
        )
    except listings.ListingError as refusal:
        return _list_page(request, errors=[refusal.message], status=400)
    return redirect("/provider/listings/?notice=price")


@provider_required
def asset_file(request, asset_id):
    asset = (
        assets.provider_assets(request.membership.provider_id)
        .filter(pk=asset_id)
        .first()
    )
    if asset is None:
        raise Http404("No such asset")
    return stream_file(asset.file)

"""Console review screens: the provider application queue (documents;
approve, reject or ask for changes with a note) and listing review (assets,
text, the unified sale price; approve into the platform pool, reject or ask
for changes with a note).

Thin: forms translate input, ``provider_dropship.onboarding`` and
``provider_dropship.listings`` decide and e-mail. MANAGE_PROVIDERS, like
their GraphQL twins.
"""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from plugins.provider_dropship import listings, onboarding
from plugins.provider_dropship.domain import ApplicationStatus, ListingStatus

from .files import stream_file
from .provider_views import page, providers_permission

DOCUMENTS = {
    "business_licence": "Business licence",
    "contract": "Contract",
    "inventory_proof": "Inventory proof",
}
APPLICATION_DECISIONS = {
    "approve": ApplicationStatus.APPROVED,
    "reject": ApplicationStatus.REJECTED,
    "changes": ApplicationStatus.CHANGES_REQUESTED,
}
LISTING_DECISIONS = {
    "approve": ListingStatus.APPROVED,
    "reject": ListingStatus.REJECTED,
    "changes": ListingStatus.CHANGES_REQUESTED,
}
NOTICES = {
    "approve": "Approved; the applicant is e-mailed with the note.",
    "reject": "Rejected; the applicant is e-mailed with the note.",
    "changes": "Sent back for changes; the applicant is e-mailed with the note.",
}
LISTING_NOTICES = {
    "approve": "Approved into the platform pool; the provider is e-mailed.",
    "reject": "Rejected; the provider is e-mailed with the note.",
    "changes": "Sent back for changes; the provider is e-mailed with the note.",
    "save": "Saved.",
}


def _application_or_404(application_id: int):
    application = onboarding.applications().filter(pk=application_id).first()
    if application is None:
        raise Http404("No such application")
    return application


@providers_permission
def application_list(request):
    status = request.GET.get("status", ApplicationStatus.SUBMITTED.value)
    valid = {s.value for s in ApplicationStatus}
    rows = onboarding.applications(status if status in valid else None)
    return page(
        request,
        "applications.html",
        "applications",
        applications=rows.order_by("submitted_at", "pk"),
        status=status,
        statuses=[(s.value, s.value.replace("_", " ")) for s in ApplicationStatus],
    )


@providers_permission
def application_detail(request, application_id):
    return _application_page(request, _application_or_404(application_id))


def _application_page(request, application, errors=(), status=200):
    documents = [
        (kind, label, getattr(application, kind)) for kind, label in DOCUMENTS.items()
    ]
    return page(
        request,
        "application_detail.html",
        "applications",
        http_status=status,
        application=application,
        documents=documents,
        reviews=application.reviews.select_related("reviewer"),
        decidable=application.status == ApplicationStatus.SUBMITTED.value,
        errors=list(errors),
        notice=NOTICES.get(request.GET.get("notice", ""), ""),
    )


@providers_permission
def application_document(request, application_id, kind):
    """Stream an application's document through the storage API (staff only:
    the files are never public)."""
    application = _application_or_404(application_id)
    if kind not in DOCUMENTS or not getattr(application, kind):
        raise Http404("No such document")
    return stream_file(getattr(application, kind))


@providers_permission
@require_POST
def application_decide(request, application_id, decision):
    if decision not in APPLICATION_DECISIONS:
        raise Http404("No such decision")
    application = _application_or_404(application_id)
    try:
        onboarding.decide_application(
            application.pk,
            APPLICATION_DECISIONS[decision],
            request.POST.get("note", ""),
            request.user.pk,
        )
    except onboarding.ApplicationError as refusal:
        application.refresh_from_db()
        return _application_page(request, application, [refusal.message], 400)
    return redirect(
        f"/dashboard-ext/providers/applications/{application.pk}/?notice={decision}"
    )


class ListingEditForm(forms.Form):
    name = forms.CharField(max_length=250, required=False, label="Product name")
    description = forms.CharField(
        widget=forms.Textarea, required=False, label="Description"
    )
    sale_price = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        label="Unified sale price",
    )

    def edit(self) -> listings.StaffEdit:
        data = self.cleaned_data
        return listings.StaffEdit(
            name=data["name"] or None,
            description=data["description"] if "description" in self.data else None,
            sale_price=data["sale_price"],
        )


def _listing_or_404(listing_id: int):
    listing = listings.all_listings().filter(pk=listing_id).first()
    if listing is None:
        raise Http404("No such listing")
    return listing


@providers_permission
def listing_list(request):
    status = request.GET.get("status", "")
    valid = {s.value for s in ListingStatus}
    rows = (
        listings.all_listings(status).order_by("provider__slug", "pk")
        if status in valid
        else listings.review_queue()
    )
    return page(
        request,
        "listings.html",
        "listings",
        listings=rows.prefetch_related("assets"),
        status=status,
        statuses=[(s.value, s.value.replace("_", " ")) for s in ListingStatus],
    )


@providers_permission
def listing_detail(request, listing_id):
    return _listing_page(request, _listing_or_404(listing_id))


def _listing_page(request, listing, form=None, errors=(), status=200):
    product = listing.variant.product
    form = form or ListingEditForm(
        initial={
            "name": listing.title or product.name,
            "description": listing.description,
            # Empty until staff set it: the settlement price is no sale price.
            "sale_price": listing.variant.price_override_amount,
        }
    )
    return page(
        request,
        "listing_detail.html",
        "listings",
        http_status=status,
        listing=listing,
        product=product,
        assets=listing.assets.all(),
        reviews=listing.reviews.select_related("reviewer"),
        form=form,
        errors=list(errors),
        notice=LISTING_NOTICES.get(request.GET.get("notice", ""), ""),
    )


@providers_permission
def listing_asset(request, listing_id, asset_id):
    listing = _listing_or_404(listing_id)
    asset = listing.assets.filter(pk=asset_id).first()
    if asset is None:
        raise Http404("No such asset")
    return stream_file(asset.file)


@providers_permission
@require_POST
def listing_decide(request, listing_id, decision):
    """Save the edits (``decision`` "save") or decide with them and a note."""
    if decision != "save" and decision not in LISTING_DECISIONS:
        raise Http404("No such decision")
    listing = _listing_or_404(listing_id)
    form = ListingEditForm(request.POST)
    if not form.is_valid():
        return _listing_page(request, listing, form, ["Check the fields."], 400)
    try:
        if decision == "save":
            listings.staff_update_listing(listing.pk, form.edit())
        else:
            listings.decide_listing(
                listing.pk,
                LISTING_DECISIONS[decision],
                request.POST.get("note", ""),
                request.user.pk,
                form.edit(),
            )
    except listings.ListingError as refusal:
        listing = _listing_or_404(listing_id)
        return _listing_page(request, listing, form, [refusal.message], 400)
    return redirect(
        f"/dashboard-ext/providers/listings/{listing.pk}/?notice={decision}"
    )

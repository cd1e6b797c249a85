"""The portal's pages for people who are not provider users yet, behind the
links ``provider_dropship.links`` e-mails:

- ``/provider/set-password/<token>/``: an invited user sets a password
  (``invitations.accept_invitation``: single use, expires), then signs in;
- ``/provider/apply/`` and ``/provider/apply/<token>/``: self sign-up, a
  draft kept behind its signed, expiring link, documents uploaded through
  the storage API, then submitted for review (``onboarding``).

The token is the only credential: pages carrying it send no Referer.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from plugins.core import rate_limit
from plugins.provider_dropship import invitations, onboarding, uploads
from plugins.provider_dropship.graphql.public import create_limit

from .access import LOGIN_PATH

DOCUMENT_LABELS = {
    "business_licence": "Business licence",
    "contract": "Contract",
    "inventory_proof": "Inventory proof",
}


def _private(response):
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def set_password(request, token):
    error = ""
    if request.method == "POST":
        password = request.POST.get("password", "")
        if password != request.POST.get("confirm", ""):
            error = "The two passwords differ."
        else:
            try:
                invitations.accept_invitation(token, password)
            except invitations.InvitationError as refusal:
                error = refusal.message
            else:
                return _private(redirect(f"{LOGIN_PATH}?welcome=1"))
    return _private(
        render(
            request,
            "provider_portal/set_password.html",
            {"error": error},
            status=400 if error else 200,
        )
    )


class ApplicationForm(forms.Form):
    company_name = forms.CharField(max_length=250)
    legal_name = forms.CharField(max_length=250, required=False)
    tax_id = forms.CharField(max_length=64, required=False, label="Tax id")
    contact_name = forms.CharField(max_length=250, required=False)
    contact_phone = forms.CharField(
        max_length=64, required=False, help_text="+86 or international format"
    )
    email = forms.EmailField()
    surety_bond = forms.BooleanField(required=False, label="Surety bond offered")
    street_address = forms.CharField(max_length=256, required=False)
    city = forms.CharField(max_length=256, required=False)
    postal_code = forms.CharField(max_length=20, required=False)
    country = forms.CharField(max_length=2, required=False, help_text="e.g. CN")
    country_area = forms.CharField(max_length=128, required=False)

    def application_input(self) -> onboarding.ApplicationInput:
        return onboarding.ApplicationInput(**self.cleaned_data)


def _application_page(request, form, application=None, errors=(), status=200):
    documents = [
        (kind, label, application and getattr(application, kind))
        for kind, label in DOCUMENT_LABELS.items()
    ]
    editable = application is None or application.status in (
        "draft",
        "changes_requested",
    )
    return _private(
        render(
            request,
            "provider_portal/apply.html",
            {
                "form": form,
                "application": application,
                "documents": documents,
                "editable": editable,
                "errors": list(errors),
                "notice": {
                    "saved": "Saved. Keep the link from your e-mail to come back.",
                    "submitted": "Submitted: the platform reviews it and e-mails you.",
                }.get(request.GET.get("notice", ""), ""),
            },
            status=status,
        )
    )


@require_http_methods(["GET", "POST"])
def apply_start(request):
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not rate_limit.allow(
            "provider-application", rate_limit.client_address(request), create_limit()
        ):
            return _application_page(
                request, form, errors=["Too many applications: try later."], status=429
            )
        try:
            draft = onboarding.create_application(form.application_input())
        except onboarding.ApplicationError as refusal:
            return _application_page(
                request, form, errors=[refusal.message], status=400
            )
        return redirect(f"/provider/apply/{draft.token}/?notice=saved")
    return _application_page(request, form, status=400 if form.errors else 200)


def _draft(token):
    try:
        return onboarding.application_for_token(token)
    except onboarding.ApplicationError:
        return None


@require_http_methods(["GET", "POST"])
def apply_draft(request, token):
    application = _draft(token)
    if application is None:
        return _private(
            render(request, "provider_portal/link_invalid.html", status=404)
        )
    if request.method == "GET":
        initial = {
            name: getattr(application, name) for name in ApplicationForm.base_fields
        }
        return _application_page(request, ApplicationForm(initial=initial), application)
    form = ApplicationForm(request.POST)
    if not form.is_valid():
        return _application_page(request, form, application, status=400)
    try:
        onboarding.update_application(token, form.application_input())
        for kind in DOCUMENT_LABELS:
            upload = request.FILES.get(kind)
            if upload is not None:
                onboarding.attach_document(token, kind, upload)
        if request.POST.get("submit"):
            onboarding.submit_application(token)
    except (onboarding.ApplicationError, uploads.UploadError) as refusal:
        return _application_page(
            request, form, _draft(token), errors=[refusal.message], status=400
        )
    notice = "submitted" if request.POST.get("submit") else "saved"
    return redirect(f"/provider/apply/{token}/?notice={notice}")

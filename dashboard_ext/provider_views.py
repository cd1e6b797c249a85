"""Console screens for providers: the providers list (suspend with a reason,
reactivate, invite a provider). The review queues are in
``provider_review_views``; the sub-orders board and statements in
``provider_order_views``.

Thin: forms translate input, ``plugins.provider_dropship`` services do the
work. Every screen and action needs MANAGE_PROVIDERS, like the
provider_dropship staff queries and mutations.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from plugins.provider_dropship import invitations, suspension
from plugins.provider_dropship.services import providers_overview

from .navigation import visible_sections
from .permissions import MANAGE_PROVIDERS, console_permission_required

providers_permission = console_permission_required(MANAGE_PROVIDERS)

NOTICES = {
    "suspended": "Suspended: its listings left every pool and flash sale.",
    "reactivated": "Reactivated: its approved listings are back on sale.",
    "invited": "Invitation sent: the owner gets a single-use set-password link.",
}


class InviteForm(forms.Form):
    name = forms.CharField(max_length=250, label="Provider name")
    email = forms.EmailField(label="Owner e-mail")
    legal_name = forms.CharField(max_length=250, required=False)
    contact_name = forms.CharField(max_length=250, required=False)
    contact_phone = forms.CharField(
        max_length=64, required=False, help_text="+86 or international format"
    )


def page(request, template: str, tab: str, http_status: int = 200, **context):
    """Render ``dashboard_ext/providers/<template>`` inside the console frame."""
    context.update(
        {"sections": visible_sections(request.user), "active": "providers", "tab": tab}
    )
    return render(
        request, f"dashboard_ext/providers/{template}", context, status=http_status
    )


def _list_page(request, invite=None, errors=(), status=200):
    return page(
        request,
        "list.html",
        "providers",
        http_status=status,
        providers=providers_overview(),
        actions=True,
        invite=invite or InviteForm(),
        errors=list(errors),
        notice=NOTICES.get(request.GET.get("notice", ""), ""),
    )


@providers_permission
def provider_list(request):
    return _list_page(request)


@providers_permission
@require_POST
def provider_suspend(request, provider_id):
    try:
        suspension.suspend_provider(provider_id, request.POST.get("reason", ""))
    except suspension.SuspensionError as refusal:
        return _list_page(request, errors=[refusal.message], status=400)
    return redirect("/dashboard-ext/providers/?notice=suspended")


@providers_permission
@require_POST
def provider_reactivate(request, provider_id):
    try:
        suspension.reactivate_provider(provider_id)
    except suspension.SuspensionError as refusal:
        return _list_page(request, errors=[refusal.message], status=400)
    return redirect("/dashboard-ext/providers/?notice=reactivated")


@providers_permission
@require_POST
def provider_invite(request):
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, ["Check the invitation's fields."], 400)
    data = form.cleaned_data
    try:
        invitations.invite_provider(
            invitations.ProviderDetails(
                name=data["name"],
                email=data["email"],
                legal_name=data["legal_name"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
            ),
            request.user.pk,
        )
    except invitations.InvitationError as refusal:
        return _list_page(request, form, [refusal.message], 400)
    return redirect("/dashboard-ext/providers/?notice=invited")

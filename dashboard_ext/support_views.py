"""Console pages for customer service: the inbox (new / open / waiting /
resolved), a request's thread with the reply form and its order (and the
shipment of it the buyer named: provider, status, tracking) one click away,
buyers' feedback, and the contact options per channel.

Permission: ``engagement.manage_support`` (MANAGE_SUPPORT), like the staff
support mutations; on every page and POST. Thin: forms translate input,
``plugins.engagement.support`` services do the work.
"""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from plugins.channel_pricing.services import channels_with_pool_size
from plugins.engagement.support import contacts, feedback, helpdesk, requests
from plugins.engagement.support.domain import (
    RequestStatus,
    SupportCategory,
    SupportRefusal,
)

from .navigation import visible_sections
from .permissions import MANAGE_SUPPORT, console_permission_required

support_permission = console_permission_required(MANAGE_SUPPORT)
STATUSES = [s.value for s in RequestStatus]
PAGE_SIZE = 100


class ReplyForm(forms.Form):
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    status = forms.ChoiceField(
        choices=[
            ("waiting", "then wait for the buyer"),
            ("open", "keep it open"),
            ("resolved", "and resolve it"),
        ],
        initial="waiting",
    )


class ContactForm(forms.Form):
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=64, required=False)
    chat_url = forms.URLField(required=False, label="Chat link")
    hours = forms.CharField(max_length=200, required=False, label="Opening hours")


def _context(request, **values):
    return {"sections": visible_sections(request.user), "active": "support", **values}


@support_permission
def inbox(request):
    status = request.GET.get("status", "new")
    if status not in STATUSES and status != "all":
        status = "new"
    category = request.GET.get("category", "")
    if category not in [c.value for c in SupportCategory]:
        category = ""
    rows = requests.shipments_of(
        requests.inbox(None if status == "all" else status, category or None)[
            :PAGE_SIZE
        ]
    )
    for item in rows:
        item.order_url = (
            requests.order_admin_url(item.order_id) if item.order_id else ""
        )
    return render(
        request,
        "dashboard_ext/support/inbox.html",
        _context(
            request,
            rows=rows,
            counts=requests.inbox_counts(),
            status=status,
            statuses=STATUSES + ["all"],
            category=category,
            categories=[c.value for c in SupportCategory],
            helpdesk=helpdesk.configured(),
        ),
    )


def _detail(request, request_id, form=None, error=None, status=200):
    try:
        found = requests.request_with_thread(request_id)
    except SupportRefusal:
        raise Http404("No such support request") from None
    requests.shipments_of([found])
    return render(
        request,
        "dashboard_ext/support/detail.html",
        _context(
            request,
            item=found,
            thread=list(found.messages.all()),
            form=form or ReplyForm(),
            error=error,
            notice=request.GET.get("notice", ""),
            order_url=requests.order_admin_url(found.order_id)
            if found.order_id
            else "",
            statuses=[s for s in STATUSES if s != "new" and s != found.status],
        ),
        status=status,
    )


@support_permission
def request_detail(request, request_id):
    try:
        requests.mark_seen(request_id)  # someone looked: new → open
    except SupportRefusal:
        raise Http404("No such support request") from None
    return _detail(request, request_id)


@support_permission
@require_POST
def request_reply(request, request_id):
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _detail(request, request_id, form=form, status=400)
    try:
        requests.reply(
            request_id,
            request.user,
            form.cleaned_data["message"],
            form.cleaned_data["status"],
        )
    except SupportRefusal as refusal:
        if refusal.code == "not_found":
            raise Http404("No such support request") from None
        return _detail(
            request, request_id, form=form, error=refusal.message, status=400
        )
    return redirect(f"/dashboard-ext/support/{request_id}/?notice=replied")


@support_permission
@require_POST
def request_status(request, request_id):
    try:
        requests.set_status(request_id, request.POST.get("status", ""))
    except SupportRefusal as refusal:
        if refusal.code == "not_found":
            raise Http404("No such support request") from None
        return _detail(request, request_id, error=refusal.message, status=400)
    return redirect(f"/dashboard-ext/support/{request_id}/?notice=status")


@support_permission
def feedback_list(request):
    return render(
        request,
        "dashboard_ext/support/feedback.html",
        _context(
            request,
            rows=requests.shipments_of(feedback.recent_feedback()[:PAGE_SIZE]),
            summary=feedback.rating_summary(),
        ),
    )


@support_permission
@require_http_methods(["GET", "POST"])
def contact_options(request):
    """The default options and one form per channel."""
    error, status = None, 200
    if request.method == "POST":
        form = ContactForm(request.POST)
        slug = request.POST.get("channel") or None
        if form.is_valid():
            try:
                contacts.set_contact_options(slug, **form.cleaned_data)
            except SupportRefusal as refusal:
                error, status = refusal.message, 400
            else:
                return redirect("/dashboard-ext/support/contacts/?notice=saved")
        else:
            error, status = "Please correct the contact options.", 400
    current = contacts.configured()
    blocks = [("", "Default (every channel without its own)", current.get(None))]
    blocks += [
        (channel.slug, channel.name, current.get(channel.slug))
        for channel in channels_with_pool_size()
    ]
    return render(
        request,
        "dashboard_ext/support/contacts.html",
        _context(
            request,
            blocks=blocks,
            error=error,
            notice=request.GET.get("notice", ""),
        ),
        status=status,
    )

"""Console page of the newsletter list: counts, filters, CSV export.

Permission: ``engagement.manage_newsletter`` (MANAGE_NEWSLETTER), like the
``newsletterSubscriptions`` query; signed-in staff without it get 403.
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from plugins.engagement.newsletter import services
from plugins.engagement.newsletter.domain import SubscriptionStatus

from .navigation import visible_sections
from .permissions import MANAGE_NEWSLETTER, console_permission_required

newsletter_permission = console_permission_required(MANAGE_NEWSLETTER)
PAGE_SIZE = 200
STATUSES = [s.value for s in SubscriptionStatus]


def _filters(request):
    status = request.GET.get("status", "confirmed")
    if status not in STATUSES and status != "all":
        status = "confirmed"
    return status, request.GET.get("q", "").strip()


@newsletter_permission
def subscriber_list(request):
    status, search = _filters(request)
    rows = services.subscriptions(None if status == "all" else status, search)
    return render(
        request,
        "dashboard_ext/newsletter/list.html",
        {
            "sections": visible_sections(request.user),
            "active": "newsletter",
            "rows": rows[:PAGE_SIZE],
            "total": rows.count(),
            "page_size": PAGE_SIZE,
            "counts": services.counts(),
            "status": status,
            "statuses": STATUSES + ["all"],
            "search": search,
        },
    )


@newsletter_permission
def subscriber_export(request):
    """The whole list for the filter (default: confirmed only: the addresses
    that may be mailed), streamed as CSV."""
    status, search = _filters(request)
    rows = services.subscriptions(None if status == "all" else status, search)
    response = StreamingHttpResponse(
        services.csv_lines(rows), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="newsletter-{status}-{stamp}.csv"'
    )
    return response

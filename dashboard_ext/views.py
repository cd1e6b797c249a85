"""Console pages. Only active staff accounts get in (Saleor's ``is_staff``);
each section's pages also need its permission (``permissions``)."""

from django.contrib.auth import logout
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .navigation import SECTIONS_BY_SLUG, visible_sections
from .overview import overview_counts
from .permissions import LOGIN_PATH, forbidden, is_active_staff, may, staff_required
from .sign_in import sign_in_page


@require_http_methods(["GET", "POST"])
def sign_in(request):
    return sign_in_page(
        request, "dashboard_ext/login.html", "/dashboard-ext/", _staff_refusal
    )


def _staff_refusal(user):
    if not is_active_staff(user):
        return "This console is for staff accounts only."
    return None


@require_http_methods(["POST"])
def sign_out(request):
    logout(request)
    return redirect(LOGIN_PATH)


@staff_required
def home(request):
    sections = visible_sections(request.user)
    return render(
        request,
        "dashboard_ext/home.html",
        {
            "sections": sections,
            "counts": overview_counts({section.slug for section in sections}),
            "active": None,
        },
    )


@staff_required
def section(request, slug):
    current = SECTIONS_BY_SLUG.get(slug)
    if current is None:
        raise Http404("No such section")
    if not may(request.user, current.permission):
        return forbidden(request, current.permission)
    return render(
        request,
        "dashboard_ext/section.html",
        {
            "sections": visible_sections(request.user),
            "section": current,
            "active": slug,
        },
    )

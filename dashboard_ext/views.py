"""Console pages. Only active staff accounts get in (Saleor's ``is_staff``);
each section's pages also need its permission (``permissions``)."""

from django import forms
from django.contrib.auth import authenticate, login, logout
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .navigation import SECTIONS_BY_SLUG, visible_sections
from .overview import overview_counts
from .permissions import LOGIN_PATH, forbidden, is_active_staff, may, staff_required


class SignInForm(forms.Form):
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput)


@require_http_methods(["GET", "POST"])
def sign_in(request):
    form = SignInForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
        )
        if user is None:
            error = "Wrong email or password."
        elif not is_active_staff(user):
            error = "This console is for staff accounts only."
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_safe_next(request.GET.get("next")))
    status = 403 if error else 200
    return render(
        request,
        "dashboard_ext/login.html",
        {"form": form, "error": error},
        status=status,
    )


def _safe_next(target):
    if target and target.startswith("/dashboard-ext/") and "//" not in target:
        return target
    return "/dashboard-ext/"


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

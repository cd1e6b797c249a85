"""Console pages. Only active staff accounts get in (Saleor's ``is_staff``)."""

from django import forms
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import user_passes_test
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .navigation import SECTIONS, SECTIONS_BY_SLUG
from .overview import overview_counts

LOGIN_PATH = "/dashboard-ext/login/"


def is_active_staff(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff


staff_required = user_passes_test(is_active_staff, login_url=LOGIN_PATH)


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
    return render(
        request,
        "dashboard_ext/home.html",
        {"sections": SECTIONS, "counts": overview_counts(), "active": None},
    )


@staff_required
def section(request, slug):
    current = SECTIONS_BY_SLUG.get(slug)
    if current is None:
        raise Http404("No such section")
    return render(
        request,
        "dashboard_ext/section.html",
        {"sections": SECTIONS, "section": current, "active": slug},
    )

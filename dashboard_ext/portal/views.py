"""Portal sign-in, sign-out and overview."""

from __future__ import annotations

from django.contrib.auth import logout
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from ..sign_in import sign_in_page
from .access import HOME_PATH, LOGIN_PATH, membership_of, provider_required
from .pages import page


@require_http_methods(["GET", "POST"])
def sign_in(request):
    return sign_in_page(request, "provider_portal/login.html", HOME_PATH, _refusal)


def _refusal(user):
    if membership_of(user) is None:
        return "This account is not linked to an active provider."
    return None


@require_POST
def sign_out(request):
    logout(request)
    return redirect(LOGIN_PATH)


@provider_required
def home(request):
    return page(request, "home.html", "home")

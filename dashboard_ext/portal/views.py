"""Portal sign-in, sign-out and overview."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, login, logout
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .access import HOME_PATH, LOGIN_PATH, membership_of, provider_required
from .pages import page


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
        elif membership_of(user) is None:
            error = "This account is not linked to an active provider."
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_safe_next(request.GET.get("next")))
    return render(
        request,
        "provider_portal/login.html",
        {"form": form, "error": error},
        status=403 if error else 200,
    )


def _safe_next(target):
    if target and target.startswith(HOME_PATH) and "//" not in target:
        return target
    return HOME_PATH


@require_POST
def sign_out(request):
    logout(request)
    return redirect(LOGIN_PATH)


@provider_required
def home(request):
    return page(request, "home.html", "home")

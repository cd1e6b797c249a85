"""The e-mail and password sign-in shared by the console and the provider
portal: each passes its own template, home path and rule for who may enter."""

from __future__ import annotations

from typing import Callable, Optional

from django import forms
from django.contrib.auth import authenticate, login
from django.shortcuts import redirect, render


class SignInForm(forms.Form):
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput)


def sign_in_page(
    request,
    template: str,
    home_path: str,
    refusal: Callable[[object], Optional[str]],
):
    """GET shows the form; POST signs in a user ``refusal`` has no objection
    to (it returns the message shown otherwise, with status 403) and sends
    them to ``?next=`` when that stays under ``home_path``."""
    form = SignInForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
        )
        error = "Wrong email or password." if user is None else refusal(user)
        if error is None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(safe_next(request.GET.get("next"), home_path))
    return render(
        request, template, {"form": form, "error": error}, status=403 if error else 200
    )


def safe_next(target: Optional[str], home_path: str) -> str:
    """Only a path under ``home_path`` (no scheme-relative ``//``)."""
    if target and target.startswith(home_path) and "//" not in target:
        return target
    return home_path

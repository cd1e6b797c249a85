"""The newsletter's links from e-mails: confirm (double opt-in) and
unsubscribe. A GET shows a page with one button and changes nothing (mail
scanners open links); the button's POST does it. No cookie or session is
involved: the signed token in the form is the whole credential."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import links, services

TEMPLATE = "engagement/newsletter_link.html"


def _page(request, action: str, done: bool, error=None, status: int = 200):
    return render(
        request,
        TEMPLATE,
        {
            "action": action,
            "token": request.POST.get("token") or request.GET.get("token", ""),
            "done": done,
            "error": error,
        },
        status=status,
    )


def _follow(request, action: str, check, apply):
    token = request.POST.get("token") or request.GET.get("token", "")
    try:
        if request.method == "POST":
            apply(token)
            return _page(request, action, done=True)
        check(token)  # a forged or expired link says so before the button
    except links.LinkRefused as refusal:
        status = 410 if refusal.code == links.LinkRefused.EXPIRED else 400
        return _page(request, action, done=False, error=refusal.message, status=status)
    return _page(request, action, done=False)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm(request):
    return _follow(request, "confirm", links.read_confirm_token, services.confirm)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request):
    return _follow(
        request, "unsubscribe", links.read_unsubscribe_token, services.unsubscribe
    )

"""The fixed entry link ``/c/<slug>/?token=<JWT>`` that partner apps open.

On success: a redirect to the channel's storefront with the Saleor JWT in the
URL fragment (fragments never reach servers or logs), or JSON when the client
asks for it with ``Accept: application/json``.
"""

from __future__ import annotations

from typing import Optional
from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from graphene import Node

from .domain import storefront_url_problem
from .error_codes import ChannelErrorCode
from .sign_in import sign_in
from .sso import SignInRefused

REFUSAL_STATUS = {
    ChannelErrorCode.UNKNOWN_CHANNEL: 404,
    ChannelErrorCode.CHANNEL_SUSPENDED: 403,
    ChannelErrorCode.MEMBER_DISABLED: 403,
    ChannelErrorCode.MEMBER_IS_STAFF: 403,
}


def _iso(moment) -> Optional[str]:
    return moment.isoformat() if moment is not None else None


def _wants_json(request) -> bool:
    return "application/json" in request.META.get("HTTP_ACCEPT", "")


def _no_referrer(response):
    # The sign-in token is in this page's URL: never pass it on.
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_GET
def entry_link(request, slug: str):
    token = request.GET.get("token", "")
    try:
        if not token:
            raise SignInRefused(
                ChannelErrorCode.MISSING_CLAIMS, "The entry link needs ?token=<JWT>."
            )
        result = sign_in(slug, token)
    except SignInRefused as refusal:
        status = REFUSAL_STATUS.get(refusal.code, 401)
        body = {"error": {"code": refusal.code.name, "message": refusal.message}}
        if _wants_json(request):
            return _no_referrer(JsonResponse(body, status=status))
        return _no_referrer(
            HttpResponse(
                f"Sign-in refused ({refusal.code.name}): {refusal.message}",
                status=status,
                content_type="text/plain; charset=utf-8",
            )
        )
    member = result.member
    fragment = urlencode({"token": result.saleor_token, "channel": slug})
    storefront = member.channel.storefront_url
    if storefront_url_problem(storefront):
        # A row saved before the URL check: never redirect there (nor 500).
        storefront = ""
    if _wants_json(request) or not storefront:
        return _no_referrer(
            JsonResponse(
                {
                    "token": result.saleor_token,
                    "channel": slug,
                    "member": {
                        "id": Node.to_global_id("ChannelMember", member.pk),
                        "externalId": member.external_id,
                        "created": result.created,
                    },
                    "storefrontUrl": storefront or None,
                    # Renew the token with tokenRefresh before it expires.
                    "tokenExpiresAt": _iso(result.token_expires_at),
                    "refreshExpiresAt": _iso(result.refresh_expires_at),
                }
            )
        )
    return _no_referrer(HttpResponseRedirect(f"{storefront.split('#')[0]}#{fragment}"))

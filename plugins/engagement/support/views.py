"""The help desk's inbound webhook: ``POST /support/v1/helpdesk-webhook``.

Signed like our outgoing webhooks (``X-Flash-Signature: t=..,v1=..`` over
``"{t}.{body}"``, ±300 s); an event id is accepted once. Errors are
``{"error": {"type", "code", "message", "param"}}``."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from plugins.core import signing

from . import helpdesk

MAX_BODY = 64 * 1024
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error"}


def _error(status: int, code: str, message: str, param: str = "") -> JsonResponse:
    return JsonResponse(
        {
            "error": {
                "type": ERROR_TYPES.get(status, "invalid_request_error"),
                "code": code,
                "message": message,
                "param": param or None,
            }
        },
        status=status,
    )


@csrf_exempt
@require_POST
def helpdesk_webhook(request):
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
        return _error(413, "too_large", "The body is larger than 64 KB.")
    try:
        result = helpdesk.receive(
            request.body,
            request.META.get("HTTP_X_FLASH_SIGNATURE", ""),
            request.META.get(
                "HTTP_" + signing.EVENT_ID_HEADER.upper().replace("-", "_"), ""
            ),
        )
    except helpdesk.InboundRefused as refused:
        return _error(refused.status, refused.code, refused.message, refused.param)
    return JsonResponse(
        {
            "received": True,
            "request_id": str(result.request_id),
            "status": result.status,
            "changed": result.changed,
        }
    )

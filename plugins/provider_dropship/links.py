"""Links e-mailed to applicants and invited provider users.

The pages behind them belong to the provider portal (``/provider/``); the
same actions are GraphQL mutations (``providerApplication*`` with the draft
token, ``providerInvitationAccept``).
"""

from __future__ import annotations

from django.conf import settings

APPLICATION_PATH = "/provider/apply/{token}/"
SET_PASSWORD_PATH = "/provider/set-password/{token}/"


def public_url(path: str) -> str:
    base = getattr(settings, "FLASH_PUBLIC_URL", "") or "http://127.0.0.1:8000"
    return base.rstrip("/") + path


def application_link(token: str) -> str:
    return public_url(APPLICATION_PATH.format(token=token))


def set_password_link(token: str) -> str:
    return public_url(SET_PASSWORD_PATH.format(token=token))

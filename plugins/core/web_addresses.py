"""Addresses other systems give us to call or to send people to: the check
that they are absolute http(s) URLs, and new signing secrets for webhooks."""

from __future__ import annotations

import secrets
from typing import Optional
from urllib.parse import urlsplit

HTTP_SCHEMES = ("http", "https")


def http_url_problem(url: str, what: str = "The URL") -> Optional[str]:
    """Why ``url`` cannot be used, or None when it can (empty means none).

    Only an absolute http(s) URL with a host will do: no ``javascript:``,
    ``data:`` or scheme-relative URL, no spaces or control characters.
    """
    if not url:
        return None
    if any(ord(char) < 33 or ord(char) == 127 for char in url):
        return f"{what} must not contain spaces or control characters."
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"{what} is not a valid URL."
    if parts.scheme.lower() not in HTTP_SCHEMES or not parts.hostname:
        return f"{what} must be an absolute http:// or https:// URL."
    return None


def new_signing_secret() -> str:
    """A webhook signing secret (``whsec_`` + 48 hex characters)."""
    return "whsec_" + secrets.token_hex(24)

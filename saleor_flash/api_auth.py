"""/graphql/ authenticates by the ``Authorization`` header only.

The endpoint is CSRF-exempt: API clients (storefronts, Saleor's dashboard,
partner systems) send ``Authorization: JWT <token>`` and no CSRF token. So no
credential a browser attaches by itself may count there: not the console's
session cookie (Django's ``AuthenticationMiddleware`` would make it
``request.user``, and ``graphql_jwt`` then ignores the header), and not
``graphql_jwt``'s ``JWT`` cookie fallback. Otherwise a same-site page could
post a staff mutation, even as a plain form, with a merchandiser's cookies.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.models import AnonymousUser
from graphql_jwt.settings import jwt_settings


def header_credentials_only(view):
    """Wrap the GraphQL view: drop the session user and the JWT cookie, so the
    request is anonymous unless its Authorization header says otherwise."""

    @wraps(view)
    def api_view(request, *args, **kwargs):
        request.user = AnonymousUser()
        if jwt_settings.JWT_COOKIE_NAME in request.COOKIES:
            request.COOKIES = {
                name: value
                for name, value in request.COOKIES.items()
                if name != jwt_settings.JWT_COOKIE_NAME
            }
        return view(request, *args, **kwargs)

    return api_view

"""Host middleware: the Site cache check, and the console's session, CSRF and
authentication middleware applied only where sessions are used."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.functional import empty

from . import site_cache


def site_cache_check(get_response):
    """Each request checks the shared Site stamp before it first uses the Site
    (``saleor_flash/site_cache.py``).

    A request that used ``request.site`` (Saleor's ``site`` middleware loads
    it fresh) leaves the process without a cached Site: Saleor's shop
    mutations change that instance in memory before validating, and one that
    failed must not show its unsaved values to later requests.
    """

    def middleware(request):
        site_cache.begin_unit()
        try:
            return get_response(request)
        finally:
            site = request.__dict__.get("site")
            if site is not None and site._wrapped is not empty:
                site_cache.forget()

    return middleware


def uses_sessions(request) -> bool:
    """Only the server-rendered pages sign in with a session (the console);
    the APIs authenticate each request (JWT, signatures) like plain Saleor."""
    return request.path_info.startswith(settings.FLASH_SESSION_PATHS)


class _OnSessionPathsOnly:
    def __call__(self, request):
        if uses_sessions(request):
            return super().__call__(request)
        return self.get_response(request)


class ConsoleSessionMiddleware(_OnSessionPathsOnly, SessionMiddleware):
    pass


class ConsoleAuthenticationMiddleware(_OnSessionPathsOnly, AuthenticationMiddleware):
    pass


class ConsoleCsrfViewMiddleware(_OnSessionPathsOnly, CsrfViewMiddleware):
    def process_view(self, request, callback, callback_args, callback_kwargs):
        if not uses_sessions(request):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)

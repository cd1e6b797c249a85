"""Host middleware."""

from django.contrib.sites.models import Site


def fresh_site(get_response):
    """Drop the per-process Site cache at the start of every request.

    Saleor's own ``site`` middleware clears it only when ``request.site`` is
    used, but ``saleor.core.taxes`` reads ``Site.objects.get_current().settings``
    directly. With several worker processes, a worker could then keep serving
    a Site (and its cached SiteSettings, or their absence) that another
    process has since changed.
    """

    def middleware(request):
        Site.objects.clear_cache()
        return get_response(request)

    return middleware

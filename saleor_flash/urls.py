"""Our routes ahead of Saleor's: /graphql/ with the extended schema,
/dashboard-ext/ for merchandisers and /points/v1/ for channel systems."""

from django.conf.urls import include, url
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from saleor.graphql.views import GraphQLView
from saleor.urls import urlpatterns as saleor_urlpatterns

from plugins.channel_pricing.views import entry_link

from .api_auth import header_credentials_only
from .schema import schema
from .views import landing


def points_api_index(_request):
    # Honest until the points issue lands: nothing is served here yet.
    return JsonResponse(
        {
            "api": "points",
            "version": "v1",
            "status": "not_built",
            "message": "The signed channel API is not built yet; no endpoint "
            "under /points/v1/ answers.",
        },
        status=501,
    )


urlpatterns = [
    # CSRF-exempt because it takes no cookie credential (api_auth).
    url(
        r"^graphql/",
        csrf_exempt(header_credentials_only(GraphQLView.as_view(schema=schema))),
        name="api",
    ),
    url(r"^dashboard-ext/", include("dashboard_ext.urls")),
    url(r"^points/v1/$", points_api_index, name="points-api-index"),
    url(r"^c/(?P<slug>[-\w]+)/$", entry_link, name="channel-entry-link"),
    url(r"^newsletter/", include("plugins.engagement.newsletter.urls")),
    url(r"^support/v1/", include("plugins.engagement.support.urls")),
    url(r"^$", landing, name="home"),
] + [
    # Saleor's DEBUG catch-all renders a storefront template its wheel does
    # not ship (500 on every unknown path); unknown paths get a 404 instead.
    pattern
    for pattern in saleor_urlpatterns
    if getattr(pattern, "name", None) != "home"
]

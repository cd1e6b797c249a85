"""Our routes ahead of Saleor's: /graphql/ with the extended schema,
/dashboard-ext/ for merchandisers, /provider/ for providers (the portal) and
/points/v1/ for channel systems."""

from django.conf.urls import include, url
from django.views.decorators.csrf import csrf_exempt
from saleor.graphql.views import GraphQLView
from saleor.urls import urlpatterns as saleor_urlpatterns

from plugins.channel_pricing.views import entry_link
from plugins.engagement.api.views import event_batch

from .api_auth import header_credentials_only
from .schema import schema
from .views import landing

urlpatterns = [
    # CSRF-exempt because it takes no cookie credential (api_auth).
    url(
        r"^graphql/",
        csrf_exempt(header_credentials_only(GraphQLView.as_view(schema=schema))),
        name="api",
    ),
    url(r"^dashboard-ext/", include("dashboard_ext.urls")),
    url(r"^provider/", include("dashboard_ext.portal.urls")),
    # The signed channel API (plugins/points_payment/api): CSRF-exempt, no
    # session; every request is authenticated by its signature.
    url(r"^points/v1/", include("plugins.points_payment.api.urls")),
    url(r"^c/(?P<slug>[-\w]+)/$", entry_link, name="channel-entry-link"),
    # Storefront events with a write-only key (CSRF-exempt: no cookies).
    url(r"^events/v1/batch$", event_batch, name="events-batch"),
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

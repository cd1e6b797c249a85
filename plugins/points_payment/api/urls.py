"""Routes of ``/points/v1/`` (included by the host's urlconf)."""

from django.conf.urls import url
from django.views.decorators.csrf import csrf_exempt

from . import views

MEMBER = r"^members/(?P<external_id>[^/]+)/"
PERIOD = r"^periods/(?P<period_id>[^/]+)/"

urlpatterns = [
    url(r"^$", views.index, name="points-api-index"),
    url(r"^openapi\.json$", views.openapi, name="points-api-openapi"),
    url(MEMBER + r"grants$", views.grants, name="points-api-grants"),
    url(MEMBER + r"revocations$", views.revocations, name="points-api-revocations"),
    url(MEMBER + r"balance$", views.balance, name="points-api-balance"),
    url(r"^transactions$", views.transactions, name="points-api-transactions"),
    url(r"^quota$", views.quota, name="points-api-quota"),
    url(PERIOD + r"close$", views.close_period, name="points-api-period-close"),
    url(PERIOD + r"statement$", views.statement, name="points-api-statement"),
    url(
        PERIOD + r"statement\.csv$",
        views.statement_csv,
        name="points-api-statement-csv",
    ),
    # Anything else: a JSON 404 in the API's error shape.
    url(r"^(?P<path>.*)$", csrf_exempt(views.unknown), name="points-api-unknown"),
]

from django.urls import path

from . import (
    listing_views,
    notification_views,
    order_views,
    public_views,
    statement_views,
    stock_views,
    views,
)

app_name = "provider_portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("set-password/<str:token>/", public_views.set_password, name="set-password"),
    path("apply/", public_views.apply_start, name="apply"),
    path("apply/<str:token>/", public_views.apply_draft, name="apply-draft"),
    path("listings/", listing_views.listing_list, name="listings"),
    path(
        "listings/<int:listing_id>/price/",
        listing_views.listing_price,
        name="listing-price",
    ),
    path("assets/<int:asset_id>/", listing_views.asset_file, name="asset"),
    path("warehouses/", stock_views.warehouse_list, name="warehouses"),
    path(
        "warehouses/<uuid:warehouse_id>/stock/",
        stock_views.stock_change,
        name="stock-change",
    ),
    path("orders/", order_views.order_list, name="orders"),
    path("orders/<int:sub_order_id>/", order_views.order_detail, name="order"),
    path(
        "orders/<int:sub_order_id>/<slug:action>/",
        order_views.order_action,
        name="order-action",
    ),
    path(
        "notifications/",
        notification_views.notification_settings,
        name="notifications",
    ),
    path(
        "notifications/webhook/",
        notification_views.webhook_change,
        name="webhook-change",
    ),
    path("statements/", statement_views.statement_list, name="statements"),
    path(
        "statements/<int:statement_id>.csv",
        statement_views.statement_csv,
        name="statement-csv",
    ),
]

from django.urls import path

from . import order_views, statement_views, views

app_name = "provider_portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("orders/", order_views.order_list, name="orders"),
    path("orders/<int:sub_order_id>/", order_views.order_detail, name="order"),
    path(
        "orders/<int:sub_order_id>/<slug:action>/",
        order_views.order_action,
        name="order-action",
    ),
    path("statements/", statement_views.statement_list, name="statements"),
    path(
        "statements/<int:statement_id>.csv",
        statement_views.statement_csv,
        name="statement-csv",
    ),
]
